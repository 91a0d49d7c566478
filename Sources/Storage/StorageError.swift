import Postgres

/// Failures of the storage layer that are not the database's own.
public enum StorageError: Error, CustomStringConvertible, Sendable, Equatable {
    case migrationsMissing
    case badMigrationName(String)
    case duplicateMigration(Int)
    /// A task changed between loading its case and writing the change (a claim slipped in); the
    /// transaction is rolled back and may succeed when run again (``PostgresConnection/retryingChanges(_:)``).
    case concurrentChange

    public var description: String {
        switch self {
        case .migrationsMissing: "the migrations folder is missing from the Storage resources"
        case .badMigrationName(let file): "migration file \(file) is not named NNNN_name.sql"
        case .duplicateMigration(let version): "two migrations share number \(version)"
        case .concurrentChange: "a task changed while its case was being updated; run again"
        }
    }
}

extension PostgresConnection {
    /// Runs `body` again (up to `attempts` times in all) when it fails only because something else
    /// changed the same rows meanwhile: a serialization failure or deadlock of the server, or a
    /// task a claim changed after its case was loaded (``StorageError/concurrentChange``).
    func retryingChanges<T>(attempts: Int = 5, _ body: () throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try body()
            } catch let error as PostgresError where error.isSerializationFailure && attempt < attempts {
                attempt += 1
            } catch StorageError.concurrentChange where attempt < attempts {
                attempt += 1
            }
        }
    }
}
