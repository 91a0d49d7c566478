import Foundation

/// A connection to Redis over hiredis: to one server, to the primary a Sentinel group names, or to
/// every primary of a Redis Cluster, routed by each command's key.
///
/// Not Sendable: used by one thread at a time (see `RedisClient`). A broken call throws a typed
/// error and the next call reconnects, so a server restart or a failover costs at most the calls
/// that were in flight — and not even those when retrying is safe:
///
/// - an idle connection the server closed is found before anything is sent, and reopened;
/// - a call that could not reach its server (`connectionFailed`: nothing was sent) is tried once more
///   after the route is looked up again (the sentinels asked, the cluster's slots read again);
/// - a call whose reply was lost (`connectionLost`) is tried once more only when it is idempotent.
///
/// On a cluster, MOVED answers update the slot map and ASK answers are followed for one call;
/// pipelines are split per node. Every key a multi-key command or script names must share a hash
/// tag (see `AgencyKeys`).
public final class RedisConnection {
    public let topology: RedisTopology
    /// How long a connect may take.
    public let connectTimeout: Duration
    /// How long any reply may take (blocking commands add their own block time).
    public let commandTimeout: Duration

    private var route: Route
    /// The SHA1 of each script source, once loaded somewhere: the same on every server, and a
    /// server that does not have it answers NOSCRIPT (see `evaluate`).
    var scriptSHAs: [String: String] = [:]

    public convenience init(endpoint: RedisEndpoint, connectTimeout: Duration = .seconds(2),
                            commandTimeout: Duration = .seconds(5)) throws {
        try self.init(topology: .single(endpoint), connectTimeout: connectTimeout, commandTimeout: commandTimeout)
    }

    /// Opens the connection (for a cluster: reads its slot map; for Sentinel: finds the primary).
    public init(topology: RedisTopology, connectTimeout: Duration = .seconds(2),
                commandTimeout: Duration = .seconds(5)) throws {
        self.topology = topology
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        switch topology {
        case .single(let endpoint):
            route = .single(RedisNode(address: RedisAddress(host: endpoint.host, port: endpoint.port),
                                      username: endpoint.username, password: endpoint.password,
                                      database: endpoint.database, connectTimeout: connectTimeout,
                                      commandTimeout: commandTimeout))
        case .cluster(let seeds, let username, let password):
            route = .cluster(ClusterRoute(seeds: seeds, username: username, password: password))
        case .sentinel(let sentinels, let master, let username, let password, let database):
            route = .sentinel(SentinelRoute(sentinels: sentinels, master: master, username: username,
                                            password: password, database: database))
        }
        _ = try target(for: nil)
    }

    /// Whether a server connection is currently open (it may still turn out broken on the next call).
    public var isConnected: Bool {
        switch route {
        case .single(let node): return node.isConnected
        case .sentinel(let sentinel): return sentinel.primary?.isConnected ?? false
        case .cluster(let cluster): return cluster.nodes.values.contains { $0.isConnected }
        }
    }

    /// Closes every server connection; the next call opens new ones.
    public func disconnect() {
        switch route {
        case .single(let node): node.disconnect()
        case .sentinel(let sentinel): sentinel.primary?.disconnect()
        case .cluster(let cluster): cluster.nodes.values.forEach { $0.disconnect() }
        }
    }

    // MARK: Commands

    /// Sends one command and returns its reply; an error reply is thrown as `serverError`.
    @discardableResult
    public func command(_ arguments: [any RedisArgument]) throws -> RedisReply {
        try checked(send(arguments, routedBy: nil, extraWait: nil), arguments)
    }

    @discardableResult
    public func command(_ arguments: any RedisArgument...) throws -> RedisReply {
        try command(arguments)
    }

    /// Sends one command to the server holding `key` (SCRIPT LOAD for the node a script will run on).
    @discardableResult
    func command(_ arguments: [any RedisArgument], routedBy key: String) throws -> RedisReply {
        try checked(send(arguments, routedBy: key, extraWait: nil), arguments)
    }

    /// Sends a command that may block on the server for up to `blockFor` (XREADGROUP BLOCK …).
    ///
    /// hiredis applies one socket read timeout to every reply, so the timeout is raised for this
    /// call only; otherwise a long block would look like a dead connection.
    func blockingCommand(_ arguments: [any RedisArgument], blockFor: Duration) throws -> RedisReply {
        try checked(send(arguments, routedBy: nil, extraWait: blockFor), arguments)
    }

    /// Sends a command without keys to every primary (every node of a cluster, the one server
    /// otherwise) and returns their replies: `INFO memory` summed, `FLUSHALL` in tests.
    public func commandOnEveryPrimary(_ arguments: [any RedisArgument]) throws -> [RedisReply] {
        switch route {
        case .single, .sentinel:
            return [try command(arguments)]
        case .cluster(let cluster):
            if cluster.primaries.isEmpty { try refresh(cluster, avoiding: nil) }
            return try cluster.primaries.map { address in
                try checked(try cluster.node(address, connection: self).send(arguments), arguments)
            }
        }
    }

    /// Sends several commands in one write per server and reads their replies in order.
    ///
    /// Error replies come back as `.error` values in place, so one failed command does not hide
    /// the others' results. On a cluster the commands are grouped by the node serving their keys;
    /// a command answered MOVED or ASK is sent again on its own to the right node.
    public func pipeline(_ commands: [[any RedisArgument]]) throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        switch route {
        case .single(let node):
            return try retryingUnsent(commands) { try node.pipeline(commands) }
        case .sentinel(let sentinel):
            return try retryingUnsent(commands) {
                let node = try self.primary(sentinel)
                do {
                    let replies = try node.pipeline(commands)
                    if let first = replies.first, case .error(let message) = first, Self.isNotPrimary(message) {
                        // Nothing ran on a server that is no longer the primary: ask the sentinels again.
                        sentinel.forget()
                        throw RedisError(.connectionFailed, call: "pipeline", message: message)
                    }
                    return replies
                } catch {
                    sentinel.forget()
                    throw error
                }
            }
        case .cluster(let cluster):
            return try clusterPipeline(cluster, commands)
        }
    }

    // MARK: Routing

    private enum Route {
        case single(RedisNode)
        case sentinel(SentinelRoute)
        case cluster(ClusterRoute)
    }

    private func checked(_ reply: RedisReply, _ arguments: [any RedisArgument]) throws -> RedisReply {
        if case .error(let message) = reply {
            throw RedisError(.serverError, call: RedisNode.commandName(arguments), message: message)
        }
        return reply
    }

    /// Runs `body`, and once more when it failed without the commands having been sent, or when
    /// every command is idempotent and only the reply was lost.
    private func retryingUnsent<T>(_ commands: [[any RedisArgument]], _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RedisError where Self.mayRetry(error, commands) {
            return try body()
        }
    }

    static func mayRetry(_ error: RedisError, _ commands: [[any RedisArgument]]) -> Bool {
        switch error.code {
        case .connectionFailed: return true
        case .connectionLost: return commands.allSatisfy(RedisCommandKey.isIdempotent)
        default: return false
        }
    }

    private static func isNotPrimary(_ message: String) -> Bool {
        message.hasPrefix("READONLY") || message.hasPrefix("MASTERDOWN") || message.hasPrefix("LOADING")
    }

    /// The node a command goes to first.
    private func target(for key: [UInt8]?) throws -> RedisNode {
        switch route {
        case .single(let node):
            _ = try node.open()
            return node
        case .sentinel(let sentinel):
            return try primary(sentinel)
        case .cluster(let cluster):
            if cluster.primaries.isEmpty { try refresh(cluster, avoiding: nil) }
            return try cluster.node(for: key, connection: self)
        }
    }

    /// Sends one command; on a cluster to the node serving `key`, or the command's own first key
    /// (found only there: one server needs no routing).
    private func send(_ arguments: [any RedisArgument], routedBy key: String?, extraWait: Duration?) throws -> RedisReply {
        switch route {
        case .single(let node):
            return try retryingUnsent([arguments]) { try node.send(arguments, extraWait: extraWait) }
        case .sentinel(let sentinel):
            return try retryingUnsent([arguments]) {
                let node = try self.primary(sentinel)
                do {
                    let reply = try node.send(arguments, extraWait: extraWait)
                    if case .error(let message) = reply, Self.isNotPrimary(message) {
                        sentinel.forget()
                        throw RedisError(.connectionFailed, call: RedisNode.commandName(arguments), message: message)
                    }
                    return reply
                } catch {
                    sentinel.forget()
                    throw error
                }
            }
        case .cluster(let cluster):
            return try clusterSend(cluster, arguments, key: key.map { Array($0.utf8) } ?? RedisCommandKey.key(of: arguments),
                                   extraWait: extraWait)
        }
    }

    // MARK: Sentinel

    private func primary(_ sentinel: SentinelRoute) throws -> RedisNode {
        if let node = sentinel.primary { return node }
        var reasons: [String] = []
        for address in sentinel.sentinels {
            let asked = RedisNode(address: address, username: nil, password: nil, database: 0,
                                  connectTimeout: connectTimeout, commandTimeout: commandTimeout)
            defer { asked.disconnect() }
            do {
                let reply = try asked.send(["SENTINEL", "get-master-addr-by-name", sentinel.master])
                guard let pair = reply.array, pair.count == 2, let host = pair[0].string,
                      let port = pair[1].string.flatMap({ Int($0) })
                else {
                    reasons.append("\(address): does not know \(sentinel.master)")
                    continue
                }
                let node = RedisNode(address: RedisAddress(host: host, port: port), username: sentinel.username,
                                     password: sentinel.password, database: sentinel.database,
                                     connectTimeout: connectTimeout, commandTimeout: commandTimeout)
                let role = try node.send(["ROLE"])
                guard role.array?.first?.string == "master" else {
                    // The sentinels have not finished a failover yet: this one still names a replica.
                    node.disconnect()
                    reasons.append("\(address) names \(host):\(port), which is not a primary")
                    continue
                }
                sentinel.primary = node
                return node
            } catch let error as RedisError {
                reasons.append("\(address): \(error.message)")
            }
        }
        throw RedisError(.connectionFailed, call: "sentinel",
                         message: "no sentinel named a reachable primary for \(sentinel.master): "
                             + reasons.joined(separator: "; "))
    }

    // MARK: Helpers

    /// A duration in whole milliseconds, as Redis commands take it.
    public static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

/// The primary a Sentinel group names, asked again after a connection error.
final class SentinelRoute {
    let sentinels: [RedisAddress]
    let master: String
    let username: String?
    let password: String?
    let database: Int
    var primary: RedisNode?

    init(sentinels: [RedisAddress], master: String, username: String?, password: String?, database: Int) {
        self.sentinels = sentinels
        self.master = master
        self.username = username
        self.password = password
        self.database = database
    }

    func forget() {
        primary?.disconnect()
        primary = nil
    }
}
