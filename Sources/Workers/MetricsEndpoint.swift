import Hummingbird
import Logging
import ServiceLifecycle

/// The worker's `/metrics` and `/healthz`. A port the operator set is used or the worker stops; the
/// default (9090) gives way to a free port when another process on the host holds it — several
/// workers started at once on one host all come up — and the log says which port each took.
struct MetricsEndpoint: Service {
    /// Builds the routes (a router is not Sendable; each attempt to serve builds its own).
    let makeRouter: @Sendable () -> Router<BasicRequestContext>
    let host: String
    /// The operator's port, or nil for the default.
    let port: Int?
    let logger: Logger

    static let defaultPort = 9090

    func run() async throws {
        do {
            try await serve(port: port ?? Self.defaultPort)
        } catch where port == nil && Self.isAddressInUse(error) {
            logger.notice("the default metrics port is taken (another worker on this host?); using a free one",
                          metadata: ["port": "\(Self.defaultPort)"])
            try await serve(port: 0)
        }
    }

    private func serve(port: Int) async throws {
        let logger = logger
        let application = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: "workers"),
            onServerRunning: { channel in
                logger.notice("metrics and health served", metadata: [
                    "address": "\(channel.localAddress?.description ?? "?")",
                    "port": "\(channel.localAddress?.port.map(String.init) ?? "?")",
                ])
            },
            logger: logger)
        try await application.run()
    }

    static func isAddressInUse(_ error: any Error) -> Bool {
        String(describing: error).contains("Address already in use") || String(describing: error).contains("errno: 98")
    }
}
