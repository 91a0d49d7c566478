import Foundation

/// A Redis Cluster's slot map and a connection per node.
final class ClusterRoute {
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
