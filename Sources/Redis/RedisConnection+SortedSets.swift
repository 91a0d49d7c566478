extension RedisConnection {
    /// Adds or updates members with their scores; returns how many were new.
    @discardableResult
    public func zadd(_ key: String, _ members: [(score: Double, member: String)]) throws -> Int {
        guard !members.isEmpty else { return 0 }
        var argv: [any RedisArgument] = ["ZADD", key]
        for (score, member) in members {
            argv.append(score)
            argv.append(member)
        }
        return try command(argv).int ?? 0
    }

    /// Members with scores in `min...max`, lowest first.
    public func zrangeByScore(_ key: String, min: Double, max: Double,
                              limit: Int? = nil) throws -> [(member: String, score: Double)] {
        var argv: [any RedisArgument] = ["ZRANGEBYSCORE", key, min, max, "WITHSCORES"]
        if let limit { argv.append(contentsOf: ["LIMIT", 0, limit] as [any RedisArgument]) }
        guard let flat = try command(argv).array else { throw unexpected("ZRANGEBYSCORE") }
        var result: [(member: String, score: Double)] = []
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            guard let member = flat[index].string, let score = flat[index + 1].string.flatMap(Double.init) else {
                throw unexpected("ZRANGEBYSCORE")
            }
            result.append((member, score))
        }
        return result
    }

    /// Removes members; returns how many were there.
    @discardableResult
    public func zrem(_ key: String, _ members: [String]) throws -> Int {
        guard !members.isEmpty else { return 0 }
        var argv: [any RedisArgument] = ["ZREM", key]
        argv.append(contentsOf: members as [any RedisArgument])
        return try command(argv).int ?? 0
    }

    public func zcard(_ key: String) throws -> Int {
        try command("ZCARD", key).int ?? 0
    }

    public func zscore(_ key: String, _ member: String) throws -> Double? {
        try command("ZSCORE", key, member).string.flatMap(Double.init)
    }
}
