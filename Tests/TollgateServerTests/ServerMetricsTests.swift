import Logging
import Metrics
import TollgateCore
import XCTest

@testable import TollgateServer

/// The metrics registry: one per server, what the feed hub reports at a scrape, and the labels
/// that must stay a fixed handful whatever clients send.
final class ServerMetricsTests: XCTestCase {
    private static let created = Timestamp(milliseconds: 1_700_000_000_000)

    private func makeHub() -> FeedHub {
        FeedHub(window: 100, subscriberBuffer: 100, retryMilliseconds: 2_000, logger: Logger(label: "tollgate.test") { _ in SwiftLogNoOpLogHandler() })
    }

    private static func action(_ number: Int, risk: Risk, status: ActionStatus = .pending) -> Action {
        Action(
            id: "act_\(number)", status: status, createdAt: created, expiresAt: created.adding(seconds: 60), requester: Requester(id: "agent-1"),
            kind: "db.migrate", summary: "migrate", risk: risk, policy: Policy(id: "p", reason: "r"))
    }

    /// A pending action of `risk` created `seconds` after `created`, with an id made then as
    /// the server makes it.
    private static func action(createdAfter seconds: Double, risk: Risk) -> Action {
        var action = action(0, risk: risk)
        action.createdAt = created.adding(seconds: seconds)
        action.id = ActionID.make(at: action.createdAt)
        return action
    }

    /// Publishes `action` on `hub` as the ledger would after committing it as event `seq`.
    private static func publish(_ action: Action, seq: Int64, on hub: FeedHub) {
        publish(json: String(decoding: action.encodedJSON, as: UTF8.self), of: action.id, pending: action.status == .pending, seq: seq, on: hub)
    }

    /// Publishes the stored `json` of action `id` on `hub` as event `seq`.
    private static func publish(json: String, of id: String, pending: Bool = true, seq: Int64, on hub: FeedHub) {
        hub.stage([Ledger.Event(seq: seq, actionID: id, isPending: pending, json: json)])
        hub.release()
    }

    /// The value of the sample `name{labels}` in a text exposition, nil when absent.
    private static func sample(_ exposition: [UInt8], _ name: String, _ labels: String = "") -> Double? {
        let text = String(decoding: exposition, as: UTF8.self)
        let prefix = labels.isEmpty ? name + " " : "\(name){\(labels)} "
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
    }

    func testPendingActionsAreCountedByRiskWithEveryRiskPresent() {
        let hub = makeHub()
        let metrics = ServerMetrics(hub: hub)
        var text = metrics.exposition()
        for risk in Risk.allCases {
            XCTAssertEqual(Self.sample(text, "tollgate_pending_actions", "risk=\"\(risk.rawValue)\""), 0, "\(risk) is there at 0")
        }
        Self.publish(Self.action(1, risk: .critical), seq: 1, on: hub)
        Self.publish(Self.action(2, risk: .critical), seq: 2, on: hub)
        Self.publish(Self.action(3, risk: .low), seq: 3, on: hub)
        text = metrics.exposition()
        XCTAssertEqual(Self.sample(text, "tollgate_pending_actions", "risk=\"critical\""), 2)
        XCTAssertEqual(Self.sample(text, "tollgate_pending_actions", "risk=\"low\""), 1)
        XCTAssertEqual(Self.sample(text, "tollgate_pending_actions", "risk=\"high\""), 0)

        // Still pending after a partial approval (a new event), then resolved.
        Self.publish(Self.action(1, risk: .critical), seq: 4, on: hub)
        XCTAssertEqual(Self.sample(metrics.exposition(), "tollgate_pending_actions", "risk=\"critical\""), 2)
        Self.publish(Self.action(1, risk: .critical, status: .approved), seq: 5, on: hub)
        Self.publish(Self.action(3, risk: .low, status: .expired), seq: 6, on: hub)
        text = metrics.exposition()
        XCTAssertEqual(Self.sample(text, "tollgate_pending_actions", "risk=\"critical\""), 1)
        XCTAssertEqual(Self.sample(text, "tollgate_pending_actions", "risk=\"low\""), 0)
        XCTAssertEqual(Self.sample(text, "tollgate_feed_events_published_total"), 6)
    }

    /// A restarted server's hub is loaded from the ledger: its pending actions count from the start.
    func testPendingActionsLoadedAtStartAreCounted() {
        let hub = makeHub()
        let pending = [Self.action(1, risk: .medium), Self.action(2, risk: .high)]
        hub.load(
            Ledger.FeedState(
                lastSeq: 9, events: [],
                pending: pending.enumerated().map { (id: $1.id, seq: Int64($0 + 8), json: String(decoding: $1.encodedJSON, as: UTF8.self)) }))
        let text = ServerMetrics(hub: hub).exposition(now: Self.created.adding(seconds: 5))
        XCTAssertEqual(Self.sample(text, "tollgate_pending_actions", "risk=\"medium\""), 1)
        XCTAssertEqual(Self.sample(text, "tollgate_pending_actions", "risk=\"high\""), 1)
        XCTAssertEqual(Self.sample(text, "tollgate_pending_oldest_age_seconds", "risk=\"high\""), 5)
        XCTAssertEqual(Self.sample(text, "tollgate_feed_events_published_total"), 0, "loading publishes nothing")
    }

    /// The age at the scrape of the oldest pending action of each risk: every risk present, 0
    /// with none pending; the next oldest takes over when the oldest is resolved.
    func testTheOldestPendingActionsAgeIsTakenAtTheScrapeByRisk() {
        let hub = makeHub()
        let metrics = ServerMetrics(hub: hub)
        let age = "tollgate_pending_oldest_age_seconds"
        var text = metrics.exposition(now: Self.created)
        for risk in Risk.allCases {
            XCTAssertEqual(Self.sample(text, age, "risk=\"\(risk.rawValue)\""), 0, "\(risk) is there at 0")
        }
        let first = Self.action(createdAfter: 0, risk: .critical)
        let second = Self.action(createdAfter: 30, risk: .critical)
        Self.publish(second, seq: 1, on: hub)
        Self.publish(first, seq: 2, on: hub)
        Self.publish(Self.action(createdAfter: 50, risk: .low), seq: 3, on: hub)
        Self.publish(Self.action(createdAfter: 90.5, risk: .medium), seq: 4, on: hub)
        text = metrics.exposition(now: Self.created.adding(seconds: 100))
        XCTAssertEqual(Self.sample(text, age, "risk=\"critical\""), 100)
        XCTAssertEqual(Self.sample(text, age, "risk=\"low\""), 50)
        XCTAssertEqual(Self.sample(text, age, "risk=\"medium\""), 9.5)
        XCTAssertEqual(Self.sample(text, age, "risk=\"high\""), 0)
        XCTAssertEqual(Self.sample(metrics.exposition(now: Self.created.adding(seconds: 160)), age, "risk=\"critical\""), 160, "it grows")

        // Still pending after a partial approval (a new event): as old as it was.
        Self.publish(first, seq: 5, on: hub)
        XCTAssertEqual(Self.sample(metrics.exposition(now: Self.created.adding(seconds: 160)), age, "risk=\"critical\""), 160)
        var resolved = first
        resolved.status = .approved
        Self.publish(resolved, seq: 6, on: hub)
        XCTAssertEqual(Self.sample(metrics.exposition(now: Self.created.adding(seconds: 160)), age, "risk=\"critical\""), 130, "the next oldest")
        resolved = second
        resolved.status = .denied
        Self.publish(resolved, seq: 7, on: hub)
        XCTAssertEqual(Self.sample(metrics.exposition(now: Self.created.adding(seconds: 160)), age, "risk=\"critical\""), 0, "none pending")
    }

    /// Ids come from the stored JSON: one `ActionID.make` did not write is aged by its
    /// `created_at`, an action that does not decode whole by its id, and one known by neither
    /// is still counted pending, without an age; nothing traps.
    func testAMalformedIdFallsBackToCreatedAtAndAnUnknownAgeIsSkipped() {
        let hub = makeHub()
        let metrics = ServerMetrics(hub: hub)
        let age = "tollgate_pending_oldest_age_seconds"
        Self.publish(Self.action(7, risk: .high), seq: 1, on: hub)
        let madeID = ActionID.make(at: Self.created.adding(seconds: 2))
        Self.publish(json: #"{"id":"\#(madeID)","risk":"medium"}"#, of: madeID, seq: 2, on: hub)
        Self.publish(json: #"{"id":"act_NOT-AN-ID","risk":"critical"}"#, of: "act_NOT-AN-ID", seq: 3, on: hub)
        let text = metrics.exposition(now: Self.created.adding(seconds: 42))
        XCTAssertEqual(Self.sample(text, age, "risk=\"high\""), 42, "by created_at")
        XCTAssertEqual(Self.sample(text, age, "risk=\"medium\""), 40, "by its id")
        XCTAssertEqual(Self.sample(text, age, "risk=\"critical\""), 0, "no age known")
        XCTAssertEqual(Self.sample(text, "tollgate_pending_actions", "risk=\"critical\""), 1, "still counted")
    }

    /// Another replica's clock may be ahead of this one's: an action created "after" the scrape
    /// is 0 seconds old, never a negative age.
    func testAnActionFromAClockAheadIsNoOlderThanZero() {
        let hub = makeHub()
        Self.publish(Self.action(createdAfter: 3, risk: .critical), seq: 1, on: hub)
        let text = ServerMetrics(hub: hub).exposition(now: Self.created)
        XCTAssertEqual(Self.sample(text, "tollgate_pending_oldest_age_seconds", "risk=\"critical\""), 0)
    }

    func testSubscribersAreTheOpenOnes() {
        let hub = makeHub()
        let metrics = ServerMetrics(hub: hub)
        let first = hub.subscribe(lastEventID: nil)
        _ = hub.subscribe(lastEventID: nil)
        XCTAssertEqual(Self.sample(metrics.exposition(), "tollgate_feed_subscribers"), 2)
        hub.unsubscribe(first.id)
        XCTAssertEqual(Self.sample(metrics.exposition(), "tollgate_feed_subscribers"), 1)
    }

    /// Each server has its own registry: what one counts, another never shows, and the
    /// process-wide `MetricsSystem` is left alone.
    func testTwoServersInOneProcessKeepTheirCountsApart() throws {
        let first = ServerMetrics(hub: makeHub())
        let second = ServerMetrics(hub: makeHub())
        first.record([Ledger.Transition(previous: nil, current: Self.action(1, risk: .low))])
        first.httpRequest(endpointPath: "/v1/actions", status: 201)
        first.rateLimited()
        first.webhookDelivery(notifier: "oncall", outcome: .retried)
        first.webhookQueueDepth(3)
        let one = first.exposition()
        let other = second.exposition()
        XCTAssertEqual(Self.sample(one, "tollgate_submissions_total"), 1)
        XCTAssertEqual(Self.sample(other, "tollgate_submissions_total"), 0)
        XCTAssertEqual(Self.sample(one, "tollgate_http_requests_total", "route=\"/v1/actions\",status=\"201\""), 1)
        XCTAssertNil(Self.sample(other, "tollgate_http_requests_total", "route=\"/v1/actions\",status=\"201\""))
        XCTAssertEqual(Self.sample(one, "tollgate_rate_limited_requests_total"), 1)
        XCTAssertEqual(Self.sample(other, "tollgate_rate_limited_requests_total"), 0)
        XCTAssertEqual(Self.sample(one, "tollgate_webhook_deliveries_total", "notifier=\"oncall\",outcome=\"retried\""), 1)
        XCTAssertNil(Self.sample(other, "tollgate_webhook_deliveries_total", "notifier=\"oncall\",outcome=\"retried\""))
        XCTAssertEqual(Self.sample(one, "tollgate_webhook_queue_depth"), 3)
        XCTAssertEqual(Self.sample(other, "tollgate_webhook_queue_depth"), 0)
        XCTAssertTrue(MetricsSystem.factory is NOOPMetricsHandler, "the global metrics system is never bootstrapped")
    }

    func testCommittedTransitionsMoveTheCountersAndTheLatencyHistogram() throws {
        let metrics = ServerMetrics(hub: makeHub())
        let submitted = Self.action(1, risk: .high)
        var approved = submitted
        approved.status = .approved
        approved.resolvedAt = Self.created.adding(seconds: 20)
        approved.decisions = [Decision(approver: "alice", verdict: .approve, reason: "ok", at: Self.created.adding(seconds: 20), digest: "")]
        metrics.record([Ledger.Transition(previous: nil, current: submitted)])
        metrics.record([Ledger.Transition(previous: submitted, current: approved)])
        let text = metrics.exposition()
        XCTAssertEqual(Self.sample(text, "tollgate_submissions_total"), 1)
        XCTAssertEqual(Self.sample(text, "tollgate_decisions_total", "verdict=\"approve\""), 1)
        XCTAssertEqual(Self.sample(text, "tollgate_decisions_total", "verdict=\"deny\""), 0)
        XCTAssertEqual(Self.sample(text, "tollgate_resolutions_total", "status=\"approved\""), 1)
        for status in ["denied", "expired", "cancelled"] {
            XCTAssertEqual(Self.sample(text, "tollgate_resolutions_total", "status=\"\(status)\""), 0, status)
        }
        XCTAssertEqual(Self.sample(text, "tollgate_decision_latency_seconds_count"), 1)
        XCTAssertEqual(Self.sample(text, "tollgate_decision_latency_seconds_sum"), 20)
        XCTAssertEqual(Self.sample(text, "tollgate_decision_latency_seconds_bucket", "le=\"15.0\""), 0)
        XCTAssertEqual(Self.sample(text, "tollgate_decision_latency_seconds_bucket", "le=\"30.0\""), 1)
    }

    func testConfiguredNotifiersStartAtZeroForEveryOutcome() {
        let text = ServerMetrics(hub: makeHub(), notifiers: ["oncall-slack"]).exposition()
        for outcome in ServerMetrics.WebhookOutcome.allCases {
            XCTAssertEqual(Self.sample(text, "tollgate_webhook_deliveries_total", "notifier=\"oncall-slack\",outcome=\"\(outcome.rawValue)\""), 0)
        }
    }

    /// Client paths never become label values: a route template, or `unmatched`.
    func testTheRouteLabelIsATemplateOrUnmatched() {
        XCTAssertEqual(RouteLabel.of(endpointPath: "/v1/actions/{id}"), "/v1/actions/{id}")
        XCTAssertEqual(RouteLabel.of(endpointPath: "NotFound"), "unmatched")
        XCTAssertEqual(RouteLabel.of(endpointPath: nil), "unmatched")
        let metrics = ServerMetrics(hub: makeHub())
        for _ in 0..<3 { metrics.httpRequest(endpointPath: nil, status: 401) }
        metrics.httpRequest(endpointPath: "NotFound", status: 404)
        let text = metrics.exposition()
        XCTAssertEqual(Self.sample(text, "tollgate_http_requests_total", "route=\"unmatched\",status=\"401\""), 3)
        XCTAssertEqual(Self.sample(text, "tollgate_http_requests_total", "route=\"unmatched\",status=\"404\""), 1)
    }

    func testAMetricsAddressThatIsTheAPIsOwnIsRefusedNamingTheKey() throws {
        var configuration = ServerConfiguration(environment: ["HOME": "/nonexistent"])
        configuration.configPath = "/etc/tollgate/server.toml"
        let refused = [("127.0.0.1", 8470, "127.0.0.1:8470"), ("0.0.0.0", 8470, "127.0.0.1:8470"), ("127.0.0.1", 9000, "[::]:9000")]
        for (host, port, metrics) in refused {
            configuration.host = host
            configuration.port = port
            configuration.metricsListen = try ListenAddress(parsing: metrics, source: "test")
            XCTAssertThrowsError(try configuration.checkMetricsAddress(), "\(metrics) beside \(host):\(port)") { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("/etc/tollgate/server.toml:0: metrics_listen: "), text)
                XCTAssertFalse(text.contains("\n"), "one line")
            }
        }
        let allowed = [("127.0.0.1", 8470, "127.0.0.1:9470"), ("127.0.0.1", 0, "127.0.0.1:0"), ("10.0.0.1", 8470, "127.0.0.1:8470")]
        for (host, port, metrics) in allowed {
            configuration.host = host
            configuration.port = port
            configuration.metricsListen = try ListenAddress(parsing: metrics, source: "test")
            XCTAssertNoThrow(try configuration.checkMetricsAddress(), "\(metrics) beside \(host):\(port)")
        }
    }
}
