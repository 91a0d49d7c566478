import ArgumentParser
import Logging
import Runtime
import Storage

/// `dashboard fund-centre list|add`: the province's housing-fund centres are data, so a new centre
/// (or a renamed one) needs no rebuild; every dashboard process sees it at once.
struct FundCentreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fund-centre", abstract: "List or add housing-fund centres.",
                                                    subcommands: [List.self, Add.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every centre: code, then name.")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            LoggingSetup.bootstrap(level: try connection.logLevel)
            let infrastructure = try Infrastructure(options: connection, postgresPoolSize: 1, redisPoolSize: 1,
                                                    applicationName: "fund-centre")
            try await infrastructure.migrate(logger: Logger(label: "migrations"))
            let centres = try await infrastructure.postgres.withConnection { try FundCentreStore.all(on: $0) }
            await infrastructure.shutdown()
            for centre in centres { print("\(centre.code)\t\(centre.name)") }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a centre, or rename one.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The code filers send as housingFund.centre: lowercase letters, digits and -, e.g. meihekou.")
        var code: String

        @Option(help: "The centre's name, e.g. 梅河口市住房公积金管理中心.")
        var name: String

        func validate() throws {
            guard code.range(of: #"^[a-z][a-z0-9-]{0,31}$"#, options: .regularExpression) != nil else {
                throw ValidationError("--code must be 1 to 32 lowercase letters, digits or -, starting with a letter")
            }
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.count <= 64 else { throw ValidationError("--name must be 1 to 64 characters") }
        }

        func run() async throws {
            LoggingSetup.bootstrap(level: try connection.logLevel)
            let infrastructure = try Infrastructure(options: connection, postgresPoolSize: 1, redisPoolSize: 1,
                                                    applicationName: "fund-centre")
            try await infrastructure.migrate(logger: Logger(label: "migrations"))
            let name = name.trimmingCharacters(in: .whitespaces)
            let created = try await infrastructure.postgres.withConnection { [code] db in
                try FundCentreStore.put(code: code, name: name, on: db)
            }
            await infrastructure.shutdown()
            print(created ? "Added \(code): \(name)" : "Renamed \(code): \(name)")
        }
    }
}
