/// The Redis keys of one agency's queue.
///
/// Every key carries the agency as a hash tag (`{hr}`), so on Redis Cluster all of one agency's
/// keys live in one slot: its scripts and multi-key commands stay legal, and agencies spread
/// across shards. `prefix` separates deployments (and tests) sharing one server.
public struct AgencyKeys: Sendable, Hashable {
    public let agency: String
    public let prefix: String

    public init(agency: String, prefix: String = "rot") {
        self.agency = agency
        self.prefix = prefix
    }

    private var tag: String { "\(prefix):{\(agency)}" }

    /// The stream of ready tasks.
    public var stream: String { "\(tag):stream" }
    /// The sorted set of delayed tasks, scored by due time.
    public var delayed: String { "\(tag):delayed" }
    /// The consumer group every worker of this agency joins.
    public var group: String { "workers" }
}
