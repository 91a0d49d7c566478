import Foundation

/// A Redis server's address.
public struct RedisAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}

/// Which Redis the product talks to, from `REDIS_URL` (../shared/API.md):
///
/// - `redis://[[user]:pass@]host:port[/db]` — one server;
/// - `redis+cluster://[[user]:pass@]h1:p1,h2:p2` — a Redis Cluster, found from any of the seed nodes;
/// - `redis+sentinel://[[user]:pass@]s1:p1,s2:p2/MASTER[/db]` — the primary the sentinels name for
///   `MASTER`. The credentials are the data nodes'; the sentinels are asked without them.
///
/// The password never appears in `description`.
public enum RedisTopology: Sendable, Equatable, CustomStringConvertible {
    case single(RedisEndpoint)
    case cluster(seeds: [RedisAddress], username: String?, password: String?)
    case sentinel(sentinels: [RedisAddress], master: String, username: String?, password: String?, database: Int)

    public init(url: String) throws {
        let scheme = url.prefix(while: { $0 != ":" })
        switch scheme {
        case "redis":
            self = .single(try RedisEndpoint(url: url))
        case "redis+cluster", "redis+sentinel":
            let parts = try Self.split(url, scheme: String(scheme))
            if scheme == "redis+cluster" {
                guard parts.path.isEmpty || parts.path == ["0"] else {
                    throw Self.invalid("a Redis Cluster has database 0 only: write redis+cluster://h1:p1,h2:p2")
                }
                self = .cluster(seeds: parts.hosts, username: parts.username, password: parts.password)
            } else {
                guard let master = parts.path.first, !master.isEmpty, parts.path.count <= 2 else {
                    throw Self.invalid("name the primary: redis+sentinel://s1:p1,s2:p2/MASTER[/db]")
                }
                var database = 0
                if parts.path.count == 2 {
                    guard let number = Int(parts.path[1]), number >= 0 else {
                        throw Self.invalid("the database after the primary's name must be a number")
                    }
                    database = number
                }
                self = .sentinel(sentinels: parts.hosts, master: master, username: parts.username,
                                 password: parts.password, database: database)
            }
        default:
            throw Self.invalid("expected redis://, redis+cluster:// or redis+sentinel://")
        }
    }

    public var description: String {
        switch self {
        case .single(let endpoint):
            return endpoint.description
        case .cluster(let seeds, _, let password):
            return "redis+cluster://\(password == nil ? "" : "***@")" + seeds.map(\.description).joined(separator: ",")
        case .sentinel(let sentinels, let master, _, let password, let database):
            return "redis+sentinel://\(password == nil ? "" : "***@")"
                + sentinels.map(\.description).joined(separator: ",") + "/\(master)/\(database)"
        }
    }

    private struct Parts {
        var username: String?
        var password: String?
        var hosts: [RedisAddress]
        var path: [String]
    }

    /// `scheme://[[user]:pass@]h1:p1,h2:p2[/path…]` — URLComponents cannot read a host list.
    private static func split(_ url: String, scheme: String) throws -> Parts {
        var rest = Substring(url.dropFirst(scheme.count))
        guard rest.hasPrefix("://") else { throw invalid("expected \(scheme)://h1:p1,h2:p2") }
        rest = rest.dropFirst(3)
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" })
        let path = rest.dropFirst(authority.count).prefix(while: { $0 != "?" })
        var username: String?
        var password: String?
        var hostList = authority
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            hostList = authority[authority.index(after: at)...]
            let user = credentials.prefix(while: { $0 != ":" })
            username = user.isEmpty ? nil : String(user).removingPercentEncoding
            if user.count < credentials.count {
                password = String(credentials.dropFirst(user.count + 1)).removingPercentEncoding
            }
        }
        var hosts: [RedisAddress] = []
        for item in hostList.split(separator: ",") {
            guard let colon = item.lastIndex(of: ":") else {
                hosts.append(RedisAddress(host: String(item), port: scheme == "redis+sentinel" ? 26379 : 6379))
                continue
            }
            let host = item[..<colon]
            guard !host.isEmpty, let port = Int(item[item.index(after: colon)...]), (1...65535).contains(port) else {
                throw invalid("each server is host:port, separated by commas")
            }
            hosts.append(RedisAddress(host: String(host), port: port))
        }
        guard !hosts.isEmpty else { throw invalid("name at least one server: \(scheme)://h1:p1,h2:p2") }
        let segments = path.split(separator: "/").map(String.init)
        return Parts(username: username, password: password, hosts: hosts, path: segments)
    }

    private static func invalid(_ message: String) -> RedisError {
        RedisError(.invalidConfiguration, call: "RedisTopology(url:)", message: message)
    }
}
