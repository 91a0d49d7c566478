/// A Lua script run with EVALSHA; its source is loaded once per connection, and again if the
/// server forgot it (a restart or `SCRIPT FLUSH` answers NOSCRIPT).
public struct RedisScript: Sendable, Hashable {
    public let source: String

    public init(_ source: String) {
        self.source = source
    }
}

extension RedisConnection {
    /// Runs `script` with its keys and arguments by EVALSHA, loading it first when needed.
    @discardableResult
    public func evaluate(_ script: RedisScript, keys: [String] = [],
                         arguments: [any RedisArgument] = []) throws -> RedisReply {
        let sha = try loadedScripts[script.source] ?? load(script)
        do {
            return try evalsha(sha, keys: keys, arguments: arguments)
        } catch let error as RedisError where error.serverErrorPrefix == "NOSCRIPT" {
            return try evalsha(try load(script), keys: keys, arguments: arguments)
        }
    }

    /// Loads `script` into the server's script cache and returns its SHA1.
    @discardableResult
    public func load(_ script: RedisScript) throws -> String {
        guard let sha = try command("SCRIPT", "LOAD", script.source).string else {
            throw RedisError(.unexpectedReply, call: "SCRIPT LOAD", message: "expected the script's SHA1")
        }
        loadedScripts[script.source] = sha
        return sha
    }

    private func evalsha(_ sha: String, keys: [String], arguments: [any RedisArgument]) throws -> RedisReply {
        var argv: [any RedisArgument] = ["EVALSHA", sha, keys.count]
        argv.append(contentsOf: keys as [any RedisArgument])
        argv.append(contentsOf: arguments)
        return try command(argv)
    }
}
