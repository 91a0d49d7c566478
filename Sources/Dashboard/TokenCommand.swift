import ArgumentParser
import Logging
import Model
import Runtime
import Storage

/// `dashboard token create`: makes an API token and prints it once; only its hash is stored.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage API tokens.",
                                                    subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token; it is printed once, alone on the last line.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "operator, agent or individual.")
        var role: String

        @Option(help: "Who the token is for (shown in the audit trail).")
        var name: String

        @Option(help: "The organisation an agent acts for (required for agent).")
        var organisation: String?

        @Option(name: .customLong("organisation-kind"),
                help: "employer, group or archive (a new organisation's kind, default employer; an existing one must match).")
        var organisationKind: String?

        @Option(name: .customLong("id-number"), help: "The resident ID an individual is bound to (required for individual).")
        var idNumber: String?

        func validate() throws {
            guard let role = Caller.Role(rawValue: role) else {
                throw ValidationError("--role must be operator, agent or individual")
            }
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--name must not be empty") }
            if role == .agent, (organisation ?? "").isEmpty { throw ValidationError("an agent needs --organisation") }
            if role != .agent, organisation != nil { throw ValidationError("--organisation is only for agents") }
            if let organisationKind, OrganisationKind(rawValue: organisationKind) == nil {
                throw ValidationError("--organisation-kind must be employer, group or archive")
            }
            if role == .individual {
                guard let idNumber else { throw ValidationError("an individual needs --id-number") }
                do { _ = try ResidentID(parsing: idNumber) } catch { throw ValidationError("--id-number: \(error.message)") }
            } else if idNumber != nil {
                throw ValidationError("--id-number is only for individuals")
            }
        }

        func run() async throws {
            LoggingSetup.bootstrap(level: try connection.logLevel)
            let infrastructure = try Infrastructure(options: connection, postgresPoolSize: 1, redisPoolSize: 1,
                                                    applicationName: "token-create")
            try await infrastructure.migrate(logger: Logger(label: "migrations"))
            let normalised = try idNumber.map { try ResidentID(parsing: $0).number }
            guard let role = Caller.Role(rawValue: role) else { throw ValidationError("--role must be operator, agent or individual") }
            let kind = organisationKind.flatMap(OrganisationKind.init(rawValue:))
            let token: String
            do {
                token = try await infrastructure.postgres.withConnection { [name, organisation] db in
                    try TokenStore.create(role: role, name: name, organisation: organisation,
                                          organisationKind: kind, idNumber: normalised, on: db)
                }
            } catch let error as OrganisationStore.KindDiffers {
                await infrastructure.shutdown()
                throw ValidationError("--organisation-kind: \(error.description)")
            }
            await infrastructure.shutdown()
            print("Created a \(role.rawValue) token for \(name). It is shown once; store it now:")
            print(token)
        }
    }
}
