import ArgumentParser
import Logging

/// `migrate`: applies pending database migrations and exits (both executables offer it).
public struct MigrateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending database migrations and exit.")

    @OptionGroup public var connection: ConnectionOptions

    public init() {}

    public func run() async throws {
        LoggingSetup.bootstrap(level: try connection.logLevel)
        let infrastructure = try Infrastructure(options: connection, applicationName: "migrate")
        try await infrastructure.migrate(logger: Logger(label: "migrations"))
        await infrastructure.shutdown()
    }
}
