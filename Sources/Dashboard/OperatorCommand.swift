import ArgumentParser
import Foundation
import Logging
import Runtime
import Services
import Storage

/// `dashboard operator create`: makes a dashboard login (or resets one's role and password).
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "operator", abstract: "Manage dashboard operators.",
                                                    subcommands: [Create.self, Disable.self])

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an operator and end their sessions (`operator create` with the name enables them again).")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The operator's login name.")
        var name: String

        func run() async throws {
            LoggingSetup.bootstrap(level: try connection.logLevel)
            let infrastructure = try Infrastructure(options: connection, postgresPoolSize: 1, redisPoolSize: 1,
                                                    applicationName: "operator-disable")
            let logger = Logger(label: "operators")
            try await infrastructure.migrate(logger: logger)
            let accounts = OperatorAccounts(postgres: infrastructure.postgres, redis: infrastructure.redis,
                                            keyPrefix: infrastructure.keyPrefix, logger: logger)
            let found = try await accounts.disable(name: name)
            await infrastructure.shutdown()
            guard found else { throw ValidationError("no operator is named \(name)") }
            print("Disabled \(name); their sessions have ended.")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an operator, or reset an existing one's role and password.",
            discussion: """
                The password is read from standard input with --password-stdin (one line), or from the
                environment variable OPERATOR_PASSWORD; with neither, a random one is made and printed once,
                alone on the last line. Only its bcrypt hash is stored.
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The login name (letters, digits, . _ -), shown in the audit trail.")
        var name: String

        @Option(help: "viewer (read only) or operator (may retrigger and abandon).")
        var role: String

        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input.")
        var passwordFromStdin = false

        @Option(help: "bcrypt cost (log2 rounds), 10 to 16.")
        var cost: UInt8 = 12

        func validate() throws {
            guard OperatorRole(rawValue: role) != nil else { throw ValidationError("--role must be viewer or operator") }
            guard OperatorAccounts.isValidName(name) else {
                throw ValidationError("--name is 1 to 64 letters, digits, dots, dashes or underscores")
            }
            guard (10...16).contains(cost) else { throw ValidationError("--cost must be from 10 to 16") }
        }

        func run() async throws {
            LoggingSetup.bootstrap(level: try connection.logLevel)
            var generated = false
            let password: String
            if passwordFromStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw ValidationError("--password-stdin: no password on standard input")
                }
                password = line
            } else if let fromEnvironment = Environment.value("OPERATOR_PASSWORD") {
                password = fromEnvironment
            } else {
                password = String(OperatorAccounts.randomToken().prefix(20))
                generated = true
            }
            let infrastructure = try Infrastructure(options: connection, postgresPoolSize: 1, redisPoolSize: 1,
                                                    applicationName: "operator-create")
            let logger = Logger(label: "operators")
            do {
                try await infrastructure.migrate(logger: logger)
                let accounts = OperatorAccounts(postgres: infrastructure.postgres, redis: infrastructure.redis,
                                                keyPrefix: infrastructure.keyPrefix, logger: logger)
                guard let role = OperatorRole(rawValue: role) else { throw ValidationError("--role must be viewer or operator") }
                try await accounts.create(name: name, role: role, password: password, cost: cost)
            } catch let error as ServiceError {
                await infrastructure.shutdown()
                throw ValidationError(error.message)
            }
            await infrastructure.shutdown()
            if generated {
                print("Created \(role) \(name). The password is shown once; store it now:")
                print(password)
            } else {
                print("Created \(role) \(name).")
            }
        }
    }
}
