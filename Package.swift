// swift-tools-version:6.1
import PackageDescription

/// Tollgate: one binary (`tollgate`) built from layered targets; see docs/architecture.md.
let package = Package(
    name: "Tollgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tollgate", targets: ["tollgate"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // MARK: - C libraries, wrapped thinly
        .systemLibrary(
            name: "CNcurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // MARK: - Layers
        .target(
            name: "TollgateCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "TollgateStore",
            dependencies: ["TollgateCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "TollgateClient",
            dependencies: ["TollgateCore", "CCurl"]
        ),
        .target(
            name: "TollgateSync",
            dependencies: ["TollgateCore", "TollgateClient", "TollgateStore"]
        ),
        .target(
            name: "TollgateConsole",
            dependencies: ["TollgateCore", "TollgateClient", "TollgateStore", "TollgateSync", "CNcurses"]
        ),
        .target(
            name: "TollgateServer",
            dependencies: [
                "TollgateCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "TollgateCore", "TollgateClient", "TollgateStore", "TollgateSync", "TollgateConsole", "TollgateServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),

        .executableTarget(
            name: "tollgate-bench",
            dependencies: ["TollgateCore", "TollgateClient", "TollgateStore", "TollgateConsole"]
        ),

        // MARK: - Tests
        .testTarget(name: "TollgateCoreTests", dependencies: ["TollgateCore"], exclude: ["TOMLDifferential"]),
        .testTarget(name: "TollgateStoreTests", dependencies: ["TollgateStore", "TollgateCore"]),
        .testTarget(name: "TollgateClientTests", dependencies: ["TollgateClient", "TollgateCore"]),
        // Faults are injected by changing the cache's file behind the store's back, through GRDB.
        .testTarget(
            name: "TollgateSyncTests",
            dependencies: [
                "TollgateSync", "TollgateStore", "TollgateClient", "TollgateCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        // Golden frames and helper scripts are read from the source tree by path, not bundled.
        .testTarget(
            name: "TollgateConsoleTests", dependencies: ["TollgateConsole", "TollgateCore", "TollgateStore", "TollgateClient", "TollgateSync"],
            exclude: ["Snapshots"]),
        // The server's own unit tests: no socket, no process.
        .testTarget(
            name: "TollgateServerTests",
            dependencies: [
                "TollgateServer", "TollgateCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "TollgateIntegrationTests",
            dependencies: [
                "TollgateServer", "TollgateCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // A real MCP client drives `tollgate mcp` over stdio.
                .product(name: "MCP", package: "swift-sdk"),
            ],
            exclude: ["Reliability/python", "Agents/python"]
        ),
    ]
)
