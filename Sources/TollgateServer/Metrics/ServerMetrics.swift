import Metrics
import Prometheus
import Synchronization
import TollgateCore

/// One server's Prometheus figures (docs/operations.md lists them), kept in a registry of its
/// own: several servers in one process (tests) never share a count.
///
/// The instruments are swift-metrics ones made by this registry's factory; the global
/// `MetricsSystem` is never bootstrapped. Counters move as things happen; the feed's figures
/// (pending actions by risk and the age of the oldest, subscribers, events published) are read
/// from the hub at each scrape, so publishing pays nothing for them.
public final class ServerMetrics: Sendable {
    /// What became of one webhook delivery attempt.
    public enum WebhookOutcome: String, Sendable, CaseIterable {
        /// The receiver acknowledged it.
        case delivered
        /// The attempt failed; another will follow.
        case retried
        /// The last attempt failed, or the answer was one not worth retrying: given up.
        case failed
        /// Discarded unsent: its notifier is no longer configured.
        case dropped
    }

    /// The registry `GET /metrics` renders.
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let hub: FeedHub

    private let pending: [Risk: Metrics.Gauge]
    private let pendingOldestAge: [Risk: Metrics.Gauge]
    private let submissions: Metrics.Counter
    private let decisions: [Verdict: Metrics.Counter]
    private let resolutions: [ActionStatus: Metrics.Counter]
    private let decisionLatency: Metrics.Timer
    private let subscribers: Metrics.Gauge
    private let eventsPublished: Metrics.Counter
    /// The hub's published count as of the last scrape: the counter moves by the difference.
    private let eventsPublishedSeen = Mutex(0)
    private let webhookQueue: Metrics.Gauge
    private let webhookDeliveries: Mutex<[WebhookKey: Metrics.Counter]>
    private let httpRequests = Mutex<[RequestKey: Metrics.Counter]>([:])
    private let rateLimitedRequests: Metrics.Counter

    private struct WebhookKey: Hashable {
        var notifier: String
        var outcome: WebhookOutcome
    }

    private struct RequestKey: Hashable {
        var route: String
        var status: Int
    }

    static let decisionLatencyName = "tollgate_decision_latency_seconds"

    /// Upper bounds of the decision latency buckets: people answer in seconds at best, within
    /// the hour usually, and the default TTL is an hour (a day is the longest bucket short of +Inf).
    static let decisionLatencyBuckets: [Duration] = [
        .seconds(5), .seconds(15), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600),
        .seconds(900), .seconds(1_800), .seconds(3_600), .seconds(7_200), .seconds(14_400), .seconds(28_800), .seconds(86_400),
    ]

    /// Figures over `hub`'s feed; `notifiers` (the configured webhook ids) get their delivery
    /// counters at zero from the start, so a rate over the first failure sees it.
    public init(hub: FeedHub, notifiers: [String] = []) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.decisionLatencyName] = Self.decisionLatencyBuckets
        self.factory = factory
        self.hub = hub
        pending = Self.gaugeByRisk("tollgate_pending_actions", factory)
        pendingOldestAge = Self.gaugeByRisk("tollgate_pending_oldest_age_seconds", factory)
        submissions = Metrics.Counter(label: "tollgate_submissions_total", factory: factory)
        decisions = Dictionary(
            uniqueKeysWithValues: Verdict.allCases.map {
                ($0, Metrics.Counter(label: "tollgate_decisions_total", dimensions: [("verdict", $0.rawValue)], factory: factory))
            })
        resolutions = Dictionary(
            uniqueKeysWithValues: ActionStatus.allCases.filter(\.isResolved).map {
                ($0, Metrics.Counter(label: "tollgate_resolutions_total", dimensions: [("status", $0.rawValue)], factory: factory))
            })
        decisionLatency = Metrics.Timer(label: Self.decisionLatencyName, factory: factory)
        subscribers = Metrics.Gauge(label: "tollgate_feed_subscribers", factory: factory)
        eventsPublished = Metrics.Counter(label: "tollgate_feed_events_published_total", factory: factory)
        webhookQueue = Metrics.Gauge(label: "tollgate_webhook_queue_depth", factory: factory)
        var deliveries: [WebhookKey: Metrics.Counter] = [:]
        for notifier in notifiers {
            for outcome in WebhookOutcome.allCases {
                deliveries[WebhookKey(notifier: notifier, outcome: outcome)] = Self.deliveryCounter(notifier, outcome, factory)
            }
        }
        webhookDeliveries = Mutex(deliveries)
        rateLimitedRequests = Metrics.Counter(label: "tollgate_rate_limited_requests_total", factory: factory)
    }

    // MARK: - Recording

    /// Counts what committed changes did (see `TransitionTally`): the ledgers call it after
    /// each commit, with that commit's transitions.
    public func record(_ transitions: [Ledger.Transition]) {
        let tally = TransitionTally(transitions)
        if tally.submissions > 0 { submissions.increment(by: tally.submissions) }
        for (verdict, count) in tally.decisions { decisions[verdict]?.increment(by: count) }
        for (status, count) in tally.resolutions { resolutions[status]?.increment(by: count) }
        for milliseconds in tally.decisionLatencies { decisionLatency.recordMilliseconds(milliseconds) }
    }

    /// Counts one webhook delivery attempt of `notifier` (a configured id: never client text).
    public func webhookDelivery(notifier: String, outcome: WebhookOutcome) {
        let key = WebhookKey(notifier: notifier, outcome: outcome)
        let factory = self.factory
        webhookDeliveries.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Self.deliveryCounter(notifier, outcome, factory)
            counters[key] = counter
            return counter
        }.increment()
    }

    /// Sets how many webhook deliveries wait to be sent.
    public func webhookQueueDepth(_ count: Int) {
        webhookQueue.record(count)
    }

    /// Counts one answered API request by its route template (see `RouteLabel`) and status.
    func httpRequest(endpointPath: String?, status: Int) {
        let key = RequestKey(route: RouteLabel.of(endpointPath: endpointPath), status: status)
        let factory = self.factory
        httpRequests.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Metrics.Counter(
                label: "tollgate_http_requests_total", dimensions: [("route", key.route), ("status", String(key.status))], factory: factory)
            counters[key] = counter
            return counter
        }.increment()
    }

    /// Counts one request refused by the rate limit.
    func rateLimited() {
        rateLimitedRequests.increment()
    }

    private static func gaugeByRisk(_ label: String, _ factory: PrometheusMetricsFactory) -> [Risk: Metrics.Gauge] {
        Dictionary(uniqueKeysWithValues: Risk.allCases.map { ($0, Metrics.Gauge(label: label, dimensions: [("risk", $0.rawValue)], factory: factory)) })
    }

    private static func deliveryCounter(_ notifier: String, _ outcome: WebhookOutcome, _ factory: PrometheusMetricsFactory) -> Metrics.Counter {
        Metrics.Counter(label: "tollgate_webhook_deliveries_total", dimensions: [("notifier", notifier), ("outcome", outcome.rawValue)], factory: factory)
    }

    // MARK: - Scraping

    /// The Prometheus text exposition of every figure, the feed's read from the hub `now`.
    public func exposition(now: Timestamp = .now()) -> [UInt8] {
        let figures = hub.figures()
        for (risk, gauge) in pending { gauge.record(figures.pendingByRisk[risk] ?? 0) }
        for (risk, gauge) in pendingOldestAge {
            // Another replica's clock may be a little ahead of this one's: never a negative age.
            gauge.record(figures.oldestPendingByRisk[risk].map { max(0, $0.seconds(until: now)) } ?? 0)
        }
        subscribers.record(figures.subscribers)
        let newlyPublished = eventsPublishedSeen.withLock { seen in
            defer { seen = max(seen, figures.eventsPublished) }
            return figures.eventsPublished - seen
        }
        if newlyPublished > 0 { eventsPublished.increment(by: newlyPublished) }
        return registry.emitToBuffer()
    }
}
