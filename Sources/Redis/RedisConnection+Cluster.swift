import Foundation

/// Sending on a Redis Cluster: commands routed by slot, MOVED and ASK followed, pipelines split per node.
extension RedisConnection {

    func clusterSend(_ cluster: ClusterRoute, _ arguments: [any RedisArgument], key: [UInt8]?,
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

    func clusterPipeline(_ cluster: ClusterRoute, _ commands: [[any RedisArgument]]) throws -> [RedisReply] {
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
    func refresh(_ cluster: ClusterRoute, avoiding: RedisAddress?) throws {
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

    func makeNode(_ address: RedisAddress, username: String?, password: String?) -> RedisNode {
        RedisNode(address: address, username: username, password: password, database: 0,
                  connectTimeout: connectTimeout, commandTimeout: commandTimeout)
    }
}
