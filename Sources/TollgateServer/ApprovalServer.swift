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
        /// The Prometheus figures when `metrics_listen` is set; nil: nothing is counted.
        public let metrics: ServerMetrics?
        /// Sends the webhook outbox when `[[notify]]` tables are configured.
        public let dispatcher: WebhookDispatcher?
        /// The ledger, whose connections and feed follower `close()` ends.
        public var ledger: any LedgerStore { service.ledger }
    }

    /// Opens the ledger (the SQLite file, or PostgreSQL when a database URL is configured),
    /// loads the feed from it and builds the service layer.
    public func makeParts() async throws -> Parts {
        let hub = FeedHub(
            window: configuration.replayWindow, subscriberBuffer: configuration.subscriberBuffer,
            retryMilliseconds: configuration.retryHintMilliseconds, logger: logger)
        let metrics = configuration.metricsListen.map { _ in ServerMetrics(hub: hub, notifiers: configuration.notifiers.map(\.id)) }
        let doorbell = Doorbell()
        let hooks = LedgerHooks(
            planner: NoticePlanner(notifiers: configuration.notifiers), committed: { transitions in metrics?.record(transitions) },
            deliveriesQueued: { doorbell.ring() })
        let masker = try SecretMasker(extraPatterns: configuration.secretPatterns)
        let ledger: any LedgerStore
        if let database = configuration.postgres {
            ledger = try await PostgresLedger.open(database, hub: hub, window: configuration.replayWindow, logger: logger, hooks: hooks)
        } else {
            ledger = try SQLiteLedger(path: configuration.databasePath, hub: hub, window: configuration.replayWindow, hooks: hooks)
        }
        do { try await ledger.startFeed() } catch {
            await ledger.close()
            throw error
        }
        let service = ActionService(ledger: ledger, hub: hub, configuration: configuration, live: live, masker: masker, logger: logger)
        let dispatcher =
            configuration.notifiers.isEmpty
            ? nil : WebhookDispatcher(ledger: ledger, notifiers: configuration.notifiers, doorbell: doorbell, metrics: metrics, logger: logger)
        return Parts(
            service: service, upkeep: UpkeepService(service: service, configuration: configuration, logger: logger), metrics: metrics,
            dispatcher: dispatcher)
    }

    /// The HTTP application over `service`, counting requests in `metrics` when given;
    /// `onListening` gets the bound address (useful with port 0).
    public func makeApplication(
        _ service: ActionService, metrics: ServerMetrics? = nil, onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: TollgateRequestContext.self)
        router.add(
            middleware: GatewayMiddleware(
                live: live, limiter: RateLimiter(rate: configuration.ratePerSecond, burst: configuration.rateBurst), metrics: metrics,
                logger: logger))
        Routes(service: service, configuration: configuration).register(on: router)
        let configuration = self.configuration
        let idle = TimeAmount.nanoseconds(Int64(configuration.idleTimeout * 1e9))
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: idle)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tollgate", backlog: 1024),
            onServerRunning: { channel in onListening(Self.url(of: channel, configured: ListenAddress(host: configuration.host, port: configuration.port))) },
            logger: logger
        )
    }

    /// The `GET /metrics` listener at `address`, a service of its own; `onListening` gets the
    /// endpoint's URL once bound.
    public func makeMetricsApplication(
        _ metrics: ServerMetrics, at address: ListenAddress, onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let idle = TimeAmount.nanoseconds(Int64(configuration.idleTimeout * 1e9))
        return Application(
            responder: MetricsEndpoint(metrics: metrics),
            server: .http1(configuration: .init(idleTimeout: idle)),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "tollgate"),
            onServerRunning: { channel in onListening(Self.url(of: channel, configured: address) + MetricsEndpoint.path) },
            logger: logger
        )
    }

    /// `http://HOST:PORT` of a bound listener (the port the kernel chose for port 0), else of
    /// the address it was given.
    private static func url(of channel: any Channel, configured: ListenAddress) -> String {
        guard let bound = channel.localAddress else { return "http://\(configured)" }
        let host = bound.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? configured.host
        return "http://\(host):\(bound.port ?? configured.port)"
    }

    /// Runs until SIGINT or SIGTERM, each a graceful stop; SIGHUP, or a change of the tokens
    /// file or the configuration file, reloads the tokens and the policy (`ReloadService`).
    /// `onListening` gets the API's address once bound, `onMetricsListening` the metrics
    /// endpoint's URL (with `metrics_listen`).
    public func run(
        onListening: @escaping @Sendable (String) -> Void = { _ in }, onMetricsListening: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws {
        try configuration.checkMetricsAddress()
        let parts = try await makeParts()
        let app = makeApplication(parts.service, metrics: parts.metrics, onListening: onListening)
        // Trapped before the listening line, so a SIGHUP sent as soon as the server answers reloads.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let reload = ReloadService(
            reloader: ConfigurationReloader(configuration: configuration), live: live, hub: parts.service.hub, hangups: hangups,
            pollInterval: .milliseconds(500), logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: app), .init(service: parts.upkeep), .init(service: reload)]
        if let dispatcher = parts.dispatcher { services.append(.init(service: dispatcher)) }
        if let metrics = parts.metrics, let address = configuration.metricsListen {
            services.append(.init(service: makeMetricsApplication(metrics, at: address, onListening: onMetricsListening)))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
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

/// The server's clockwork: expiry and escalation, keepalives, pruning; and on shutdown, closing open feeds.
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
                    group.addTask {
                        await every(configuration.expiryCheckInterval) {
                            try await service.escalateDue()
                            try await service.expireDue()
                        }
                    }
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
