/// Failures of the storage layer that are not the database's own.
public enum StorageError: Error, CustomStringConvertible, Sendable, Equatable {
    case migrationsMissing
    case badMigrationName(String)
    case duplicateMigration(Int)

    public var description: String {
        switch self {
        case .migrationsMissing: "the migrations folder is missing from the Storage resources"
        case .badMigrationName(let file): "migration file \(file) is not named NNNN_name.sql"
        case .duplicateMigration(let version): "two migrations share number \(version)"
        }
    }
}
