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

    private static func mayRetry(_ error: RedisError, _ commands: [[any RedisArgument]]) -> Bool {
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

    // MARK: Cluster

    private func clusterSend(_ cluster: ClusterRoute, _ arguments: [any RedisArgument], key: [UInt8]?,
                             extraWait: Duration?) throws -> RedisReply {
        if cluster.primaries.isEmpty { try refresh(cluster, avoiding: nil) }
        var node = try cluster.node(for: key, connection: self)
        var asking = false
        var redirects = 0
        var retried = false
        while true {
            do {
                if asking { _ = try node.send(["ASKING"]) }
                let reply = try node.send(arguments, extraWait: extraWait)
                if case .error(let message) = reply, redirects < 5,
                   let redirect = ClusterRoute.Redirect(message) {
                    redirects += 1
                    if redirect.isAsk {
                        asking = true
                    } else {
                        asking = false
                        cluster.assign(slot: redirect.slot, to: redirect.address)
                        try? refresh(cluster, avoiding: nil)
                    }
                    node = cluster.node(redirect.address, connection: self)
                    continue
                }
                if case .error(let message) = reply, message.hasPrefix("CLUSTERDOWN") {
                    try? refresh(cluster, avoiding: nil)
                }
                return reply
            } catch let error as RedisError where error.code == .connectionFailed || error.code == .connectionLost
                || error.code == .timeout {
                node.disconnect()
                // The node may have failed over: read the slots again from another node.
                try? refresh(cluster, avoiding: node.address)
                guard !retried, Self.mayRetry(error, [arguments]) else { throw error }
                retried = true
                asking = false
                node = try cluster.node(for: key, connection: self)
            }
        }
    }

    private func clusterPipeline(_ cluster: ClusterRoute, _ commands: [[any RedisArgument]]) throws -> [RedisReply] {
        if cluster.primaries.isEmpty { try refresh(cluster, avoiding: nil) }
        var groups: [RedisAddress: [Int]] = [:]
        var order: [RedisAddress] = []
        for (index, arguments) in commands.enumerated() {
            let address = try cluster.address(for: RedisCommandKey.key(of: arguments))
            if groups[address] == nil { order.append(address) }
            groups[address, default: []].append(index)
        }
        var replies = [RedisReply](repeating: .null, count: commands.count)
        for address in order {
            let indices = groups[address]!
            let batch = indices.map { commands[$0] }
            let node = cluster.node(address, connection: self)
            let answered: [RedisReply]
            do {
                answered = try node.pipeline(batch)
            } catch let error as RedisError where Self.mayRetry(error, batch) {
                node.disconnect()
                try? refresh(cluster, avoiding: address)
                // Nothing was sent, or it is safe to send again: each on its own, routed afresh.
                answered = try batch.map { try clusterSend(cluster, $0, key: RedisCommandKey.key(of: $0), extraWait: nil) }
            } catch {
                node.disconnect()
                try? refresh(cluster, avoiding: address)
                throw error
            }
            for (position, index) in indices.enumerated() {
                var reply = answered[position]
                if case .error(let message) = reply, ClusterRoute.Redirect(message) != nil {
                    // A MOVED or ASK answer means the command did not run: send it to the right node.
                    reply = try clusterSend(cluster, commands[index], key: RedisCommandKey.key(of: commands[index]),
                                            extraWait: nil)
                }
                replies[index] = reply
            }
        }
        return replies
    }

    /// Reads `CLUSTER SLOTS` from a known node (another than `avoiding` first) or a seed.
    private func refresh(_ cluster: ClusterRoute, avoiding: RedisAddress?) throws {
        var candidates = cluster.primaries.filter { $0 != avoiding }
        candidates += cluster.nodes.keys.filter { $0 != avoiding && !candidates.contains($0) }.sorted { $0.description < $1.description }
        candidates += cluster.seeds.filter { !candidates.contains($0) }
        if let avoiding { candidates.append(avoiding) }
        var reasons: [String] = []
        for address in candidates {
            let node = cluster.node(address, connection: self)
            do {
                let reply = try node.send(["CLUSTER", "SLOTS"])
                if case .error(let message) = reply {
                    reasons.append("\(address): \(message)")
                    continue
                }
                guard let ranges = reply.array, !ranges.isEmpty else {
                    reasons.append("\(address): no slots assigned")
                    continue
                }
                try cluster.apply(ranges, askedOf: address)
                return
            } catch let error as RedisError {
                node.disconnect()
                reasons.append("\(address): \(error.message)")
            }
        }
        throw RedisError(.connectionFailed, call: "CLUSTER SLOTS",
                         message: "no cluster node answered: " + reasons.joined(separator: "; "))
    }

    fileprivate func makeNode(_ address: RedisAddress, username: String?, password: String?) -> RedisNode {
        RedisNode(address: address, username: username, password: password, database: 0,
                  connectTimeout: connectTimeout, commandTimeout: commandTimeout)
    }

    // MARK: Helpers

    /// A duration in whole milliseconds, as Redis commands take it.
    public static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

/// The primary a Sentinel group names, asked again after a connection error.
private final class SentinelRoute {
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

/// A Redis Cluster's slot map and a connection per node.
private final class ClusterRoute {
    let seeds: [RedisAddress]
    let username: String?
    let password: String?
    var nodes: [RedisAddress: RedisNode] = [:]
    /// The primary serving each slot (an index into `primaries`), -1 when none does.
    var slots = [Int](repeating: -1, count: RedisCommandKey.slotCount)
    var primaries: [RedisAddress] = []

    init(seeds: [RedisAddress], username: String?, password: String?) {
        self.seeds = seeds
        self.username = username
        self.password = password
    }

    func node(_ address: RedisAddress, connection: RedisConnection) -> RedisNode {
        if let node = nodes[address] { return node }
        let node = connection.makeNode(address, username: username, password: password)
        nodes[address] = node
        return node
    }

    func address(for key: [UInt8]?) throws -> RedisAddress {
        guard let key else {
            guard let first = primaries.first else { throw unassigned(nil) }
            return first
        }
        let slot = RedisCommandKey.slot(key)
        let index = slots[slot]
        guard index >= 0 else { throw unassigned(slot) }
        return primaries[index]
    }

    func node(for key: [UInt8]?, connection: RedisConnection) throws -> RedisNode {
        node(try address(for: key), connection: connection)
    }

    func assign(slot: Int, to address: RedisAddress) {
        if let index = primaries.firstIndex(of: address) {
            slots[slot] = index
        } else {
            primaries.append(address)
            slots[slot] = primaries.count - 1
        }
    }

    /// Takes a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id], replica…], …]`.
    func apply(_ ranges: [RedisReply], askedOf asked: RedisAddress) throws {
        var table = [Int](repeating: -1, count: RedisCommandKey.slotCount)
        var found: [RedisAddress] = []
        for range in ranges {
            guard let parts = range.array, parts.count >= 3, let start = parts[0].int, let end = parts[1].int,
                  let primary = parts[2].array, primary.count >= 2, let port = primary[1].int,
                  (0..<RedisCommandKey.slotCount).contains(start), (start..<RedisCommandKey.slotCount).contains(end)
            else {
                throw RedisError(.unexpectedReply, call: "CLUSTER SLOTS", message: "a slot range has an unexpected shape")
            }
            let host = primary[0].string.flatMap { $0.isEmpty || $0 == "?" ? nil : $0 } ?? asked.host
            let address = RedisAddress(host: host, port: port)
            let index = found.firstIndex(of: address) ?? { found.append(address); return found.count - 1 }()
            for slot in start...end { table[slot] = index }
        }
        slots = table
        primaries = found
        // Connections to nodes that serve no slot any more (a demoted primary) are closed.
        for (address, node) in nodes where !found.contains(address) {
            node.disconnect()
            nodes[address] = nil
        }
    }

    private func unassigned(_ slot: Int?) -> RedisError {
        RedisError(.connectionFailed, call: "cluster",
                   message: slot.map { "no node serves slot \($0)" } ?? "no cluster node is known")
    }

    /// A `MOVED 3999 127.0.0.1:6381` or `ASK 3999 127.0.0.1:6381` answer.
    struct Redirect {
        let isAsk: Bool
        let slot: Int
        let address: RedisAddress

        init?(_ message: String) {
            let words = message.split(separator: " ")
            guard words.count == 3, words[0] == "MOVED" || words[0] == "ASK", let slot = Int(words[1]),
                  let colon = words[2].lastIndex(of: ":"), let port = Int(words[2][words[2].index(after: colon)...])
            else { return nil }
            isAsk = words[0] == "ASK"
            self.slot = slot
            address = RedisAddress(host: String(words[2][..<colon]), port: port)
        }
    }
}
