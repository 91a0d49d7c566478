/// A Lua script run with EVALSHA; its source is loaded once per connection, and again if the
/// server forgot it (a restart or `SCRIPT FLUSH` answers NOSCRIPT).
public struct RedisScript: Sendable, Hashable {
    public let source: String

    public init(_ source: String) {
        self.source = source
    }
}

extension RedisConnection {
    /// Runs `script` with its keys and arguments by EVALSHA, loading it first when needed — on
    /// the server that holds its keys, which on a cluster is the node serving their hash tag.
    @discardableResult
    public func evaluate(_ script: RedisScript, keys: [String] = [],
                         arguments: [any RedisArgument] = []) throws -> RedisReply {
        let sha = try scriptSHAs[script.source] ?? load(script, near: keys.first)
        do {
            return try evalsha(sha, keys: keys, arguments: arguments)
        } catch let error as RedisError where error.serverErrorPrefix == "NOSCRIPT" {
            return try evalsha(try load(script, near: keys.first), keys: keys, arguments: arguments)
        }
    }

    /// Loads `script` into the script cache of the server holding `key` (any server without one)
    /// and returns its SHA1.
    @discardableResult
    public func load(_ script: RedisScript, near key: String? = nil) throws -> String {
        let arguments: [any RedisArgument] = ["SCRIPT", "LOAD", script.source]
        let reply = try key.map { try command(arguments, routedBy: $0) } ?? command(arguments)
        guard let sha = reply.string else {
            throw RedisError(.unexpectedReply, call: "SCRIPT LOAD", message: "expected the script's SHA1")
        }
        scriptSHAs[script.source] = sha
        return sha
    }

    private func evalsha(_ sha: String, keys: [String], arguments: [any RedisArgument]) throws -> RedisReply {
        var argv: [any RedisArgument] = ["EVALSHA", sha, keys.count]
        argv.append(contentsOf: keys as [any RedisArgument])
        argv.append(contentsOf: arguments)
        return try command(argv)
    }
}
