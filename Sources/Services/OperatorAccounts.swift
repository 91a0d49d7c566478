import Foundation
import HummingbirdBcrypt
import Logging
import NIOPosix
import Postgres
import Redis
import Storage

/// Operators of the dashboard: created from the command line, logged in with a password checked
/// against its bcrypt hash, kept in by a session whose cookie value is never stored.
///
/// Login attempts are counted per operator name in Redis (shared by every dashboard process): after
/// `maxFailures` attempts without a success within `failureWindow`, the name is refused until the
/// window has passed.
public struct OperatorAccounts: Sendable {
    public enum LoginResult: Sendable, Equatable {
        /// The cookie value to set, and the session it opens.
        case success(token: String, session: OperatorSession)
        case invalid
        case rateLimited(retryAfterSeconds: Int)
    }

    public let postgres: PostgresPool
    public let redis: RedisClient
    public let keyPrefix: String
    public let sessionLifetime: TimeInterval
    public let maxFailures: Int
    public let failureWindow: Duration
    public let logger: Logger
    public let now: @Sendable () -> Date

    public init(postgres: PostgresPool, redis: RedisClient, keyPrefix: String, sessionLifetime: TimeInterval = 12 * 3600,
                maxFailures: Int = 5, failureWindow: Duration = .seconds(900), logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.postgres = postgres
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.sessionLifetime = sessionLifetime
        self.maxFailures = maxFailures
        self.failureWindow = failureWindow
        self.logger = logger
        self.now = now
    }

    /// Creates an operator, or replaces the role and password of one with that name.
    public func create(name: String, role: OperatorRole, password: String, cost: UInt8 = 12) async throws {
        guard Self.isValidName(name) else {
            throw ServiceError(.invalidField, "An operator name is 1 to 64 letters, digits, dots, dashes or underscores.",
                               field: "name")
        }
        guard password.count >= 12, password.utf8.count <= 72 else {
            // bcrypt reads at most 72 bytes; a longer password would silently lose its end.
            throw ServiceError(.invalidField, "A password is 12 to 72 bytes long.", field: "password")
        }
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
        try await postgres.withConnection { try OperatorStore.upsert(name: name, role: role, passwordHash: hash, on: $0) }
    }

    /// Checks a name and password; on success opens a session.
    public func login(name: String, password: String) async throws -> LoginResult {
        guard Self.isValidName(name), password.utf8.count <= 72 else { return .invalid }
        // Counted before the password is checked, so guesses sent in parallel cannot all slip under
        // the limit; a successful login clears the count.
        let key = "\(keyPrefix):login-attempts:{\(name)}"
        if let attempts = await countAttempt(key), attempts > maxFailures {
            let ttl = (try? await redis.command(["PTTL", key]).int) ?? nil
            return .rateLimited(retryAfterSeconds: max(1, (ttl ?? 60_000) / 1000))
        }
        let account = try await postgres.withConnection { try OperatorStore.find(name: name, on: $0) }
        // An unknown name costs as much as a wrong password, so timing does not tell which names exist.
        let stored = account?.passwordHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: stored ?? Self.decoyHash) }
        guard let account, matches else { return .invalid }
        _ = try? await redis.command(["DEL", key])
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        let instant = now()
        let expires = instant.addingTimeInterval(sessionLifetime)
        try await postgres.withConnection {
            try OperatorStore.createSession(token: token, operatorID: account.id, csrfToken: csrf, now: instant,
                                            expiresAt: expires, on: $0)
        }
        return .success(token: token, session: OperatorSession(operatorID: account.id, name: account.name, role: account.role,
                                                               csrfToken: csrf, expiresAt: expires))
    }

    /// Disables an operator and ends their sessions; false when there is none of that name.
    public func disable(name: String) async throws -> Bool {
        let instant = now()
        return try await postgres.withConnection { try OperatorStore.disable(name: name, now: instant, on: $0) }
    }

    /// The live session behind a cookie value.
    public func session(token: String) async throws -> OperatorSession? {
        guard token.count == 64, token.allSatisfy(\.isHexDigit) else { return nil }
        let instant = now()
        return try await postgres.withConnection { try OperatorStore.session(token: token, now: instant, on: $0) }
    }

    /// Ends a session.
    public func logout(token: String) async throws {
        try await postgres.withConnection { try OperatorStore.deleteSession(token: token, on: $0) }
    }

    /// Whether `name` may name an operator.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count)
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    /// 32 random bytes as 64 hex characters.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for _ in 0..<32 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Counts this attempt within the window and returns the count; nil when Redis cannot say (then
    /// the login is not limited, and that is logged: operators can still get in while Redis is away).
    private func countAttempt(_ key: String) async -> Int? {
        let window = RedisConnection.milliseconds(failureWindow)
        do {
            let replies = try await redis.withConnection { try $0.pipeline([["INCR", key], ["PEXPIRE", key, window, "NX"]]) }
            return replies.first?.int
        } catch {
            logger.warning("login attempts not counted; login not rate-limited", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// A bcrypt hash of a random string, checked against when the name is unknown (made once, off the
    /// cooperative pool, where it is first needed).
    private static let decoyHash = Bcrypt.hash(randomToken(), cost: 12)
}
