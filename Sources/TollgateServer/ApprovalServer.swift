import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import TollgateCore
import UnixSignals

/// `tollgate serve`: the reference approval server, assembled and run until a signal.
public struct ApprovalServer: Sendable {
    public let configuration: ServerConfiguration
    /// The tokens and the policy in force, replaced by a reload.
    public let live: LiveConfiguration
    private let logger: Logger

    /// A server over an already-loaded registry (tests, the demo), with the configuration's policy.
    public init(configuration: ServerConfiguration, registry: TokenRegistry, logger: Logger) {
        self.configuration = configuration
        self.live = LiveConfiguration(.init(registry: registry, policy: configuration.policy))
        self.logger = logger
    }

    /// Loads the tokens file; a malformed one is a `ConfigError` naming file and line.
    public init(configuration: ServerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let path = configuration.tokensPath
        let registry = try TokenRegistry.load(path: path)
        live = LiveConfiguration(.init(registry: registry, policy: configuration.policy))
        if registry.entries.isEmpty {
            logger.warning("the tokens file \(path) has no principals: every request will get 401")
        }
    }

    /// The assembled parts of a server, before it runs.
    public struct Parts: Sendable {
        public let service: ActionService
        public let upkeep: UpkeepService
        /// The ledger, whose connections and feed follower `close()` ends.
        public var ledger: any LedgerStore { service.ledger }
    }

    /// Opens the ledger (the SQLite file, or PostgreSQL when a database URL is configured),
    /// loads the feed from it and builds the service layer.
    public func makeParts() async throws -> Parts {
        let hub = FeedHub(
            window: configuration.replayWindow, subscriberBuffer: configuration.subscriberBuffer,
            retryMilliseconds: configuration.retryHintMilliseconds, logger: logger)
        let masker = try SecretMasker(extraPatterns: configuration.secretPatterns)
        let ledger: any LedgerStore
        if let database = configuration.postgres {
            ledger = try await PostgresLedger.open(database, hub: hub, window: configuration.replayWindow, logger: logger)
        } else {
            ledger = try SQLiteLedger(path: configuration.databasePath, hub: hub, window: configuration.replayWindow)
        }
        do { try await ledger.startFeed() } catch {
            await ledger.close()
            throw error
        }
        let service = ActionService(ledger: ledger, hub: hub, configuration: configuration, live: live, masker: masker, logger: logger)
        return Parts(service: service, upkeep: UpkeepService(service: service, configuration: configuration, logger: logger))
    }

    /// The HTTP application over `service`; `onListening` gets the bound address (useful with port 0).
    public func makeApplication(_ service: ActionService, onListening: @escaping @Sendable (String) -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: TollgateRequestContext.self)
        router.add(
            middleware: GatewayMiddleware(
                live: live, limiter: RateLimiter(rate: configuration.ratePerSecond, burst: configuration.rateBurst), logger: logger))
        Routes(service: service, configuration: configuration).register(on: router)
        let configuration = self.configuration
        let idle = TimeAmount.nanoseconds(Int64(configuration.idleTimeout * 1e9))
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: idle)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tollgate", backlog: 1024),
            onServerRunning: { channel in
                let address =
                    channel.localAddress.map { a in
                        let host = a.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? configuration.host
                        return "http://\(host):\(a.port ?? configuration.port)"
                    } ?? "http://\(configuration.host):\(configuration.port)"
                onListening(address)
            },
            logger: logger
        )
    }

    /// Runs until SIGINT or SIGTERM, each a graceful stop; SIGHUP, or a change of the tokens
    /// file or the configuration file, reloads the tokens and the policy (`ReloadService`).
    public func run(onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        let parts = try await makeParts()
        let app = makeApplication(parts.service, onListening: onListening)
        // Trapped before the listening line, so a SIGHUP sent as soon as the server answers reloads.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let reload = ReloadService(
            reloader: ConfigurationReloader(configuration: configuration), live: live, hub: parts.service.hub, hangups: hangups,
            pollInterval: .milliseconds(500), logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app), .init(service: parts.upkeep), .init(service: reload)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        do { try await group.run() } catch {
            await parts.ledger.close()
            throw error
        }
        await parts.ledger.close()
    }
}

/// The server's clockwork: expiry, keepalives, pruning; and on shutdown, closing open feeds.
public struct UpkeepService: Service {
    let service: ActionService
    let configuration: ServerConfiguration
    let logger: Logger

    public func run() async throws {
        await withGracefulShutdownHandler {
            // Cancelled on shutdown so the loops' sleeps end at once: otherwise the 60 s prune
            // sleep held SIGTERM up for up to a minute (the service group waits for this service).
            await cancelWhenGracefulShutdown {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await every(configuration.expiryCheckInterval) { try await service.expireDue() } }
                    group.addTask { await every(configuration.keepaliveInterval) { service.hub.keepalive() } }
                    group.addTask { await every(60) { try await service.prune() } }
                }
            }
        } onGracefulShutdown: {
            service.hub.close()
        }
    }

    /// Runs `body` every `seconds` until the task is cancelled, logging (not dying on) failures.
    private func every(_ seconds: Double, _ body: @Sendable () async throws -> Void) async {
        while !Task.isCancelledOrShuttingDown {
            do { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) } catch { return }
            do { try await body() } catch {
                logger.error("background task failed: \(error)")
            }
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// True when the task is cancelled or a graceful shutdown has begun.
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
