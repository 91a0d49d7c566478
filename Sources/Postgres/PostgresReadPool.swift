import Synchronization

/// Where read-only pages read: a replica when one is configured, answers and is fresh enough; the
/// primary otherwise.
///
/// The replica's lag is asked at most once a second (its answer is shared by every reader), so
/// routing costs a request nothing. A replica that does not answer is left alone for a few seconds,
/// and a read that fails because the replica went away runs again on the primary: a read-only
/// statement that failed on another server changed nothing, so running it again is safe.
public final class PostgresReadPool: Sendable {
    public let primary: PostgresPool
    public let replica: PostgresPool?
    /// Reads go to the primary while the replica is further behind than this.
    public let maxLagSeconds: Double

    private struct Probe {
        var lagSeconds: Double?
        var checkedAt: ContinuousClock.Instant
    }
    private let probe = Mutex<Probe?>(nil)
    private let freshFor: Duration
    private let downFor: Duration

    public init(primary: PostgresPool, replica: PostgresPool? = nil, maxLagSeconds: Double = 10,
                freshFor: Duration = .seconds(1), downFor: Duration = .seconds(3)) {
        self.primary = primary
        self.replica = replica
        self.maxLagSeconds = maxLagSeconds
        self.freshFor = freshFor
        self.downFor = downFor
    }

    /// How far the replica's replay is behind, in seconds; nil without a replica or when it does not answer.
    ///
    /// 0 when it has replayed everything it received; otherwise the age of the last transaction it
    /// replayed, or of its own start when it has replayed none (both overstate rather than understate).
    public func replicaLagSeconds() async -> Double? {
        guard let replica else { return nil }
        let now = ContinuousClock.now
        if let known = probe.withLock({ $0 }),
           now - known.checkedAt < (known.lagSeconds == nil ? downFor : freshFor) {
            return known.lagSeconds
        }
        let lag: Double?
        do {
            lag = try await replica.query("""
                SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0
                            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                            ELSE EXTRACT(epoch FROM now() - COALESCE(pg_last_xact_replay_timestamp(),
                                                                     pg_postmaster_start_time()))
                       END::float8 AS lag
                """, name: "replicaLag").first?.decode(Double.self, "lag")
        } catch {
            lag = nil
        }
        probe.withLock { $0 = Probe(lagSeconds: lag.map { max(0, $0) }, checkedAt: ContinuousClock.now) }
        return lag.map { max(0, $0) }
    }

    /// Whether reads go to the replica now.
    public func usesReplica() async -> Bool {
        guard let lag = await replicaLagSeconds() else { return false }
        return lag <= maxLagSeconds
    }

    /// Runs a read-only `body` on the replica when it is usable, on the primary otherwise.
    ///
    /// `body` must not write: on a connection error on the replica it runs again on the primary.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        guard let replica, await usesReplica() else { return try await primary.withConnection(body) }
        do {
            return try await replica.withConnection(body)
        } catch let error as PostgresError where error.isConnectionError {
            probe.withLock { $0 = Probe(lagSeconds: nil, checkedAt: ContinuousClock.now) }
            return try await primary.withConnection(body)
        }
    }

    public func shutdown() async throws {
        try await replica?.shutdown()
    }
}
