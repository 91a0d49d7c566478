// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "RetirementOneThing",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "workers", targets: ["Workers"]),
        .executable(name: "dashboard", targets: ["Dashboard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // C libraries, each seen by exactly one wrapper module.
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis",
                       providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibpq", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),

        // A bounded set of blocking connections, each used by one dedicated thread at a time.
        .target(name: "ConnectionPool", dependencies: [
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // Wrappers: the only modules that import C.
        .target(name: "Redis", dependencies: [
            "CHiredis", "ConnectionPool",
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .target(name: "Postgres", dependencies: [
            "CLibpq", "ConnectionPool",
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // Pure domain: no I/O, no clocks, no globals.
        .target(name: "Model", resources: [.copy("Calendars")]),

        // Adapters.
        .target(name: "Storage", dependencies: [
            "Model", "Postgres",
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Migrations")]),
        .target(name: "Queue", dependencies: [
            "Model", "Redis",
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "Agencies", dependencies: [
            "Model",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),

        // Application services.
        .target(name: "Services", dependencies: [
            "Model", "Storage", "Queue", "Agencies", "Postgres", "Redis",
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // What both executables share: options, logging, connecting, lifecycle.
        .target(name: "Runtime", dependencies: [
            "Services", "Storage", "Queue", "Agencies", "Model", "Postgres", "Redis",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // Executables: thin.
        .executableTarget(name: "Workers", dependencies: [
            "Runtime", "Services", "Queue", "Agencies", "Model", "Redis",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The HTTP layer: routes, API, pages.
        .target(name: "DashboardApp", dependencies: [
            "Runtime", "Services", "Storage", "Model", "Postgres",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
        ], resources: [.copy("Resources/openapi.json")]),
        .executableTarget(name: "Dashboard", dependencies: [
            "Runtime", "DashboardApp", "Model", "Storage",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // Test support: scratch servers, unique schemas and key prefixes.
        .target(name: "TestSupport", dependencies: ["Postgres", "Redis", "Storage", "Model"]),

        .testTarget(name: "ModelTests", dependencies: ["Model"]),
        .testTarget(name: "FoundationTests", dependencies: [
            "Redis", "Postgres", "Storage", "Queue", "Services", "Runtime", "DashboardApp", "TestSupport", "Agencies", "Model",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
