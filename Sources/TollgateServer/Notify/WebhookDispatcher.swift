import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import Synchronization
import TollgateCore

/// Sends the outbox's deliveries to their webhooks, in the background: nothing a submission or
/// a decision waits for.
///
/// It wakes when this server queued a delivery (`poke`), when a send ends, and once a second
/// (deliveries another replica queued, retries coming due). Each notifier has at most
/// `inFlightPerNotifier` sends under way, so a receiver that never answers holds up only its
/// own deliveries, never another notifier's. A claimed delivery is leased for its timeout and a
/// margin: should this server die mid-send, another (or this one restarted) sends it again
/// after the lease — at least once, with the same `delivery_id` for the receiver to drop the
/// copy.
public final class WebhookDispatcher: Service, Sendable {
    static let inFlightPerNotifier = 4
    /// Beyond the attempt's own timeout, before another sender may take a claimed delivery.
    static let leaseMargin: Double = 5
    /// A receiver's answer body is read (and dropped) up to this much.
    static let answerLimit = 64 * 1024

    private let ledger: any LedgerStore
    private let notifiers: [NotifierSettings]
    private let metrics: ServerMetrics?
    private let logger: Logger
    private let inFlight = Mutex([String: Int]())
    private let doorbell: Doorbell

    /// A dispatcher for `notifiers`' deliveries in `ledger`, woken by `doorbell` (which the
    /// ledger's hooks ring when a commit queued a delivery), counting outcomes in `metrics`.
    public init(ledger: any LedgerStore, notifiers: [NotifierSettings], doorbell: Doorbell, metrics: ServerMetrics?, logger: Logger) {
        self.ledger = ledger
        self.notifiers = notifiers
        self.doorbell = doorbell
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        // One client per notifier: each may trust its own CA, and none shares a connection pool
        // with another receiver.
        let clients = Dictionary(uniqueKeysWithValues: notifiers.map { ($0.id, Self.client(for: $0)) })
        await dropUnconfigured()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { [self] group in
                group.addTask { [self] in
                    while !Task.isCancelled {
                        doorbell.ring()
                        try? await Task.sleep(for: .seconds(1))
                    }
                    doorbell.close()
                }
                group.addTask { [self] in await reportDepth() }
                for await _ in doorbell.rings {
                    for notifier in notifiers {
                        guard let http = clients[notifier.id] else { continue }
                        await claimAndSend(notifier, http: http, in: &group)
                    }
                }
                group.cancelAll()
            }
        }
        for client in clients.values { try? await client.shutdown() }
    }

    /// An HTTP client for `notifier`: no redirects, the system's trust store or its `ca_file`.
    private static func client(for notifier: NotifierSettings) -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled)
        if let roots = notifier.trustRoots {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(roots)
            configuration.tlsConfiguration = tls
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Drops what notifiers removed from the configuration left queued: nobody can send it.
    private func dropUnconfigured() async {
        do {
            for (notifier, count) in try await ledger.dropDeliveries(keeping: notifiers.map(\.id)) {
                logger.warning("dropped \(count) queued webhook deliveries of notifier \(notifier), which is no longer configured")
                for _ in 0..<count { metrics?.webhookDelivery(notifier: notifier, outcome: .dropped) }
            }
        } catch {
            logger.error("cannot look for webhook deliveries of removed notifiers: \(error)")
        }
    }

    /// Claims what `notifier` has due, up to its free slots, and sends each in a child task.
    private func claimAndSend(_ notifier: NotifierSettings, http: HTTPClient, in group: inout TaskGroup<Void>) async {
        let free = Self.inFlightPerNotifier - inFlight.withLock { $0[notifier.id, default: 0] }
        guard free > 0 else { return }
        let claimed: [Ledger.Delivery]
        do {
            claimed = try await ledger.claimDeliveries(notifier: notifier.id, limit: free, lease: notifier.timeoutSeconds + Self.leaseMargin)
        } catch {
            logger.error("cannot read the webhook outbox (retried each second): \(error)")
            return
        }
        guard !claimed.isEmpty else { return }
        inFlight.withLock { $0[notifier.id, default: 0] += claimed.count }
        for delivery in claimed {
            group.addTask { [self] in
                await deliver(delivery, to: notifier, http: http)
                inFlight.withLock { $0[notifier.id, default: 1] -= 1 }
                doorbell.ring()
            }
        }
    }

    /// One attempt at `delivery`, and its outcome recorded.
    private func deliver(_ delivery: Ledger.Delivery, to notifier: NotifierSettings, http: HTTPClient) async {
        let result = await attempt(delivery, to: notifier, http: http)
        var random = SystemRandomNumberGenerator()
        let outcome = DeliveryRules.outcome(of: result, attempt: delivery.attempts, notifier: notifier, at: .now(), random: &random)
        let about = "webhook \(notifier.id) (\(notifier.displayURL)) delivery \(delivery.id) [\(delivery.event.rawValue) \(delivery.actionID)]"
        switch outcome {
        case .delivered:
            logger.debug("\(about): delivered on attempt \(delivery.attempts)")
            metrics?.webhookDelivery(notifier: notifier.id, outcome: .delivered)
        case .retry(let at, let error):
            logger.warning("\(about): attempt \(delivery.attempts) of \(notifier.maxAttempts) failed (\(error)); next at \(at)")
            metrics?.webhookDelivery(notifier: notifier.id, outcome: .retried)
        case .failed(let error):
            logger.error("\(about): given up: \(error)")
            metrics?.webhookDelivery(notifier: notifier.id, outcome: .failed)
        }
        do { try await ledger.settleDelivery(id: delivery.id, outcome) } catch {
            // The lease runs out and the delivery is claimed again: sent twice rather than lost.
            logger.error("\(about): cannot record the outcome (it will be sent again): \(error)")
        }
    }

    /// Sends one attempt and says how it ended, in words that never quote the URL (its path
    /// can be the webhook's key).
    private func attempt(_ delivery: Ledger.Delivery, to notifier: NotifierSettings, http: HTTPClient) async -> DeliveryRules.Attempt {
        let payload: (body: [UInt8], headers: [(String, String)])
        do { payload = try WebhookPayload.request(for: delivery, notifier: notifier, sentAt: .now()) } catch {
            return .unanswered("the stored action cannot be read: \(error)")
        }
        var request = HTTPClientRequest(url: notifier.url.absoluteString)
        request.method = .POST
        for (name, value) in payload.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: payload.body))
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(notifier.timeoutSeconds * 1000)), logger: logger)
            _ = try? await response.body.collect(upTo: Self.answerLimit)
            return .answered(status: Int(response.status.code), retryAfter: DeliveryRules.retryAfter(response.headers.first(name: "Retry-After")))
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return .unanswered("no answer within \(notifier.timeoutSeconds) s")
        } catch {
            return .unanswered(Self.describe(error, of: notifier))
        }
    }

    /// What went wrong, in words an operator acts on, never quoting the URL.
    static func describe(_ error: any Error, of notifier: NotifierSettings) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return
                "the receiver's certificate is not trusted (\(notifier.caFile.map { "ca_file \($0)" } ?? "the system's trust store; set ca_file for a private CA"))"
        }
        return scrubbed(text, of: notifier)
    }

    /// `text` without the notifier's URL or its path in it.
    static func scrubbed(_ text: String, of notifier: NotifierSettings) -> String {
        var out = text.replacing(notifier.url.absoluteString, with: notifier.displayURL)
        if notifier.url.path.count > 1 { out = out.replacing(notifier.url.path, with: "/…") }
        return out
    }

    /// Reports the outbox's depth every few seconds.
    private func reportDepth() async {
        while !Task.isCancelled {
            if let depth = try? await ledger.outboxDepth() { metrics?.webhookQueueDepth(depth) }
            try? await Task.sleep(for: .seconds(5))
        }
    }
}
