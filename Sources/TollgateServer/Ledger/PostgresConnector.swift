import Logging
import NIOCore
import PostgresNIO

/// How this server reaches PostgreSQL: the pool's configuration and single connections (the
/// migration at start-up, the feed follower's LISTEN), both from one `PostgresSettings`.
struct PostgresConnector: Sendable {
    let settings: PostgresSettings
    let poolConfiguration: PostgresClient.Configuration
    private let connectionConfiguration: PostgresConnection.Configuration
    private let logger: Logger

    init(_ settings: PostgresSettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        let tls = try Self.tlsConfiguration(settings)
        var pool: PostgresClient.Configuration
        var single: PostgresConnection.Configuration
        if settings.host.hasPrefix("/") {
            let socket = settings.host + "/.s.PGSQL.\(settings.port)"
            pool = .init(unixSocketPath: socket, username: settings.user, password: settings.password, database: settings.database)
            single = .init(unixSocketPath: socket, username: settings.user, password: settings.password, database: settings.database)
        } else {
            let poolTLS: PostgresClient.Configuration.TLS
            let singleTLS: PostgresConnection.Configuration.TLS
            switch (settings.sslMode, tls) {
            case (.disable, _), (_, nil):
                poolTLS = .disable
                singleTLS = .disable
            case (.allow, let config?), (.prefer, let config?):
                poolTLS = .prefer(config)
                singleTLS = .prefer(try NIOSSLContext(configuration: config))
            case (_, let config?):
                poolTLS = .require(config)
                singleTLS = .require(try NIOSSLContext(configuration: config))
            }
            pool = .init(
                host: settings.host, port: settings.port, username: settings.user, password: settings.password, database: settings.database, tls: poolTLS)
            single = .init(
                host: settings.host, port: settings.port, username: settings.user, password: settings.password, database: settings.database, tls: singleTLS)
        }
        pool.options.maximumConnections = settings.maxConnections
        pool.options.connectTimeout = .seconds(5)
        single.options.connectTimeout = .seconds(5)
        poolConfiguration = pool
        connectionConfiguration = single
    }

    /// A connection of its own (not from the pool).
    func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration: connectionConfiguration, id: 0, logger: logger)
    }

    /// The TLS configuration `sslmode` asks for, nil for none: `require` encrypts without
    /// checking the certificate (libpq's meaning) unless a root certificate is given, `verify-ca`
    /// checks the chain, `verify-full` the chain and the host name.
    private static func tlsConfiguration(_ settings: PostgresSettings) throws -> TLSConfiguration? {
        var config = TLSConfiguration.makeClientConfiguration()
        switch settings.sslMode {
        case .disable: return nil
        case .allow, .prefer: config.certificateVerification = .none
        case .require: config.certificateVerification = settings.sslRootCert == nil ? .none : .noHostnameVerification
        case .verifyCA: config.certificateVerification = .noHostnameVerification
        case .verifyFull: config.certificateVerification = .fullVerification
        }
        if let root = settings.sslRootCert { config.trustRoots = .file(root) }
        return config
    }
}
