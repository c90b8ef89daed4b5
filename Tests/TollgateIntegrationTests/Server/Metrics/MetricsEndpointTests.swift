import Foundation
import Glibc
import TollgateCore
import XCTest

/// `GET /metrics` on `metrics_listen`: `tollgate serve` is driven with the real binary and the
/// counters, read by the official Python Prometheus parser, must move by exactly what was done.
class MetricsEndpointTests: LedgerBackendTestCase {
    /// Metrics on a port of their own; a rate limit that refills too slowly to matter during a
    /// test (1 request per 1000 s), so a burst is refused a known number of times; quick
    /// expiries and keepalives; two rules that resolve at submission.
    static let config = """
        metrics_listen = "127.0.0.1:0"

        [limits]
        rate_per_second = 0.001
        rate_burst = 60

        [feed]
        keepalive_seconds = 1

        [actions]
        expiry_check_seconds = 0.1

        [[policy]]
        id = "auto-approve"
        reason = "routine"
        kinds = ["auto.approve"]
        outcome = "approve"

        [[policy]]
        id = "auto-deny"
        reason = "never from here"
        kinds = ["auto.deny"]
        outcome = "deny"
        """

    /// One `tollgate serve` with metrics on, and the binary's commands against it.
    private struct Served {
        let sandbox: Sandbox
        let server: ServerProcess
        let metricsPort: Int

        /// A server of `config` and `extra` (tables after its own).
        init(_ test: LedgerBackendTestCase, extra: String = "") throws {
            sandbox = try Sandbox(test, config: MetricsEndpointTests.config + extra)
            server = try sandbox.startServer()
            metricsPort = try MetricsEndpointTests.metricsPort(of: server)
        }

        func scrape() throws -> MetricsScrape { try MetricsScrape(port: metricsPort, in: sandbox.directory) }

        /// `tollgate request --summary … EXTRA` as agent-1, without waiting; returns the id it printed.
        func request(_ extra: [String]) throws -> String {
            let run = try TollgateBinary.run(
                ["request", "--summary", "counted by the metrics"] + extra + sandbox.connection(server, as: "agent-1"), in: sandbox.directory)
            let id = run.stdout.split(separator: "\n").first.map(String.init) ?? ""
            guard run.status == 0, id.hasPrefix("act_") else { throw HTTPClientError("request \(extra) exited \(run.status): \(run.stderr)") }
            return id
        }

        /// `tollgate approve|deny ID --reason REASON` as `principal`, which must succeed.
        func decide(_ verb: String, _ id: String, as principal: String, reason: String) throws {
            let run = try TollgateBinary.run(
                [verb, id, "--reason", reason, "--db", sandbox.historyPath(principal)] + sandbox.connection(server, as: principal),
                in: sandbox.directory)
            XCTAssertEqual(run.status, 0, "\(verb) \(id) as \(principal): \(run.stderr)")
        }
    }

    /// The port of the `tollgate serve: metrics at http://127.0.0.1:PORT/metrics` line of its log.
    static func metricsPort(of server: ServerProcess) throws -> Int {
        let prefix = "tollgate serve: metrics at http://127.0.0.1:"
        var port: Int?
        try eventually("the server says where its metrics are", { String(server.stderrText.suffix(2000)) }) {
            port =
                server.stderrText.split(separator: "\n").lazy.compactMap { line -> Int? in
                    guard line.hasPrefix(prefix), line.hasSuffix("/metrics") else { return nil }
                    return Int(line.dropFirst(prefix.count).dropLast("/metrics".count))
                }.first
            return port != nil
        }
        guard let port else { throw HTTPClientError("no metrics line in the server's log") }
        return port
    }

    func testEveryFigureIsThereFromTheStartAtZeroWithItsType() throws {
        let start = try Served(self).scrape()
        for risk in Risk.allCases {
            XCTAssertEqual(start.value("tollgate_pending_actions", ["risk": risk.rawValue]), 0, "risk \(risk)")
            XCTAssertEqual(start.value("tollgate_pending_oldest_age_seconds", ["risk": risk.rawValue]), 0, "risk \(risk)")
        }
        for verdict in Verdict.allCases {
            XCTAssertEqual(start.value("tollgate_decisions_total", ["verdict": verdict.rawValue]), 0, "verdict \(verdict)")
        }
        for status in ["approved", "denied", "expired", "cancelled"] {
            XCTAssertEqual(start.value("tollgate_resolutions_total", ["status": status]), 0, "status \(status)")
        }
        for name in [
            "tollgate_submissions_total", "tollgate_feed_events_published_total", "tollgate_rate_limited_requests_total",
            "tollgate_feed_subscribers", "tollgate_webhook_queue_depth", "tollgate_decision_latency_seconds_count",
        ] {
            XCTAssertEqual(start.value(name), 0, name)
        }
        let types = [
            "tollgate_pending_actions": "gauge", "tollgate_pending_oldest_age_seconds": "gauge", "tollgate_submissions": "counter",
            "tollgate_decisions": "counter", "tollgate_resolutions": "counter", "tollgate_decision_latency_seconds": "histogram",
            "tollgate_feed_subscribers": "gauge", "tollgate_feed_events_published": "counter", "tollgate_webhook_queue_depth": "gauge",
            "tollgate_rate_limited_requests": "counter",
        ]
        for (family, type) in types { XCTAssertEqual(start.type(of: family), type, family) }
        // Buckets from seconds to a day, for people's decisions.
        XCTAssertEqual(start.value("tollgate_decision_latency_seconds_bucket", ["le": "5.0"]), 0)
        XCTAssertEqual(start.value("tollgate_decision_latency_seconds_bucket", ["le": "3600.0"]), 0)
        XCTAssertEqual(start.value("tollgate_decision_latency_seconds_bucket", ["le": "86400.0"]), 0)
    }

    func testTheCountersMoveByExactlyWhatTheBinaryDid() throws {
        let served = try Served(self)
        let (sandbox, server) = (served.sandbox, served.server)
        // A critical action: pending, then approved.
        let critical = try served.request(["--kind", "db.migrate", "--risk", "critical"])
        var now = try served.scrape()
        XCTAssertEqual(now.value("tollgate_pending_actions", ["risk": "critical"]), 1)
        XCTAssertEqual(now.value("tollgate_submissions_total"), 1)
        try served.decide("approve", critical, as: "alice", reason: "checked the migration")

        // Two approvers: the first decides without resolving.
        let twoPeople = try served.request(["--kind", "iam.grant", "--risk", "low", "--approvals", "2"])
        try served.decide("approve", twoPeople, as: "alice", reason: "fine")
        now = try served.scrape()
        XCTAssertEqual(now.value("tollgate_pending_actions", ["risk": "low"]), 1)
        XCTAssertEqual(now.value("tollgate_pending_actions", ["risk": "critical"]), 0)
        XCTAssertEqual(now.value("tollgate_decisions_total", ["verdict": "approve"]), 2)
        XCTAssertEqual(now.value("tollgate_resolutions_total", ["status": "approved"]), 1)
        try served.decide("approve", twoPeople, as: "bob", reason: "fine too")

        let denied = try served.request(["--kind", "data.export", "--risk", "high"])
        try served.decide("deny", denied, as: "bob", reason: "not during the freeze")

        _ = try served.request(["--kind", "db.query", "--ttl", "1"])
        try eventually("the one-second action expired") { try served.scrape().value("tollgate_resolutions_total", ["status": "expired"]) == 1 }

        // Resolved by a rule at submission: a decision by policy:<id>, and no time of anyone's.
        _ = try served.request(["--kind", "auto.approve"])
        _ = try served.request(["--kind", "auto.deny"])

        // Cancelled: Ctrl-C while `request --wait` waits.
        let waiting = try Spawned(
            ["request", "--kind", "db.query", "--summary", "to be cancelled", "--wait"] + sandbox.connection(server, as: "agent-1"),
            in: sandbox.directory)
        try eventually("request --wait printed its id") { waiting.stdout.hasPrefix("act_") }
        waiting.kill(SIGINT)
        XCTAssertEqual(try waiting.wait(), 4, waiting.stderr)

        // Replays with the same Idempotency-Key commit nothing the second time.
        let agent = try sandbox.client(server, as: "agent-1")
        let kept = try agent.submit(Fixtures.request(risk: .high), idempotencyKey: "metrics-submit")
        XCTAssertEqual(try agent.submit(Fixtures.request(risk: .high), idempotencyKey: "metrics-submit").id, kept.id)
        let once = try agent.submit(Fixtures.request(risk: .low))
        let alice = try sandbox.client(server, as: "alice")
        for _ in 0..<2 { XCTAssertEqual(try alice.decide(once, .approve, reason: "ok", idempotencyKey: "metrics-decide").status, 200) }

        // A feed subscriber comes and goes.
        let watch = try Spawned(["watch"] + sandbox.connection(server, as: "carol"), in: sandbox.directory)
        try eventually("the watcher is counted", { watch.stderr }) { try served.scrape().value("tollgate_feed_subscribers") == 1 }
        watch.kill(SIGTERM)
        _ = try watch.wait()
        try eventually("the watcher is no longer counted") { try served.scrape().value("tollgate_feed_subscribers") == 0 }

        let end = try served.scrape()
        // Submitted: critical, two people, denied, expired, two by rules, cancelled, kept, once.
        XCTAssertEqual(end.value("tollgate_submissions_total"), 9)
        // Approvals: alice, alice + bob, policy:auto-approve, once's (its replay is not one more).
        XCTAssertEqual(end.value("tollgate_decisions_total", ["verdict": "approve"]), 5)
        XCTAssertEqual(end.value("tollgate_decisions_total", ["verdict": "deny"]), 2)
        XCTAssertEqual(end.value("tollgate_resolutions_total", ["status": "approved"]), 4)
        XCTAssertEqual(end.value("tollgate_resolutions_total", ["status": "denied"]), 2)
        XCTAssertEqual(end.value("tollgate_resolutions_total", ["status": "expired"]), 1)
        XCTAssertEqual(end.value("tollgate_resolutions_total", ["status": "cancelled"]), 1)
        // People's decisions only: critical, two people, denied, once; all within a minute.
        XCTAssertEqual(end.value("tollgate_decision_latency_seconds_count"), 4)
        XCTAssertEqual(end.value("tollgate_decision_latency_seconds_bucket", ["le": "+Inf"]), 4)
        XCTAssertEqual(end.value("tollgate_decision_latency_seconds_bucket", ["le": "60.0"]), 4)
        // Only `kept` is still pending.
        XCTAssertEqual(end.value("tollgate_pending_actions", ["risk": "high"]), 1)
        for risk in [Risk.low, .medium, .critical] { XCTAssertEqual(end.value("tollgate_pending_actions", ["risk": risk.rawValue]), 0, "\(risk)") }
        // One event a commit: 2 + 3 + 2 + 2 (submitted, expired) + 1 + 1 + 2 (cancelled) + 1 + 2.
        XCTAssertEqual(end.value("tollgate_feed_events_published_total"), 16)
        XCTAssertEqual(end.value("tollgate_rate_limited_requests_total"), 0, "nobody went over the limit")
    }

    /// What an alert on a critical action left waiting reads: the age of the oldest pending one,
    /// which grows from one scrape to the next while it waits and is 0 once it is decided.
    func testTheOldestPendingCriticalAgeGrowsWhileItWaitsAndIsZeroOnceDecided() throws {
        let served = try Served(self)
        let age = "tollgate_pending_oldest_age_seconds"
        let submitted = Date()
        let critical = try served.request(["--kind", "db.migrate", "--risk", "critical"])
        var first = 0.0
        try eventually("the critical action is older than 0 s") {
            first = try served.scrape().value(age, ["risk": "critical"]) ?? 0
            return first > 0
        }
        // No older than the time since the request began (1 ms for the truncation to milliseconds).
        XCTAssertLessThanOrEqual(first, Date().timeIntervalSince(submitted) + 0.001)
        var later = 0.0
        try eventually("its age grows while it waits", { "first \(first), later \(later)" }) {
            later = try served.scrape().value(age, ["risk": "critical"]) ?? 0
            return later > first
        }
        let pending = try served.scrape()
        for risk in [Risk.low, .medium, .high] { XCTAssertEqual(pending.value(age, ["risk": risk.rawValue]), 0, "\(risk)") }

        try served.decide("approve", critical, as: "alice", reason: "checked the migration")
        XCTAssertEqual(try served.scrape().value(age, ["risk": "critical"]), 0, "none pending")
    }

    /// Requests are labelled by route template; paths no route matched share one label, so an
    /// attacker's random paths never add a series; requests over the limit are counted apart.
    func testRequestsAreCountedByRouteTemplateAndRandomPathsAddNoSeries() throws {
        let served = try Served(self)
        let (sandbox, server) = (served.sandbox, served.server)
        let before = try served.scrape()
        let agent = try sandbox.client(server, as: "agent-2")
        // The burst: 60 allowed, then 5 refused (the bucket refills once in 1000 s).
        var statuses: [Int: Int] = [:]
        for _ in 0..<65 { statuses[try agent.get("/v1/whoami").status, default: 0] += 1 }
        XCTAssertEqual(statuses, [200: 60, 429: 5])

        let alice = try sandbox.client(server, as: "alice")
        let action = try sandbox.client(server, as: "agent-1").submit(Fixtures.request())
        XCTAssertEqual(try alice.get("/v1/actions/\(action.id)").status, 200)
        XCTAssertEqual(try alice.get("/v1/actions/act_00000000000000000000000000").status, 404)
        let randoms = (0..<20).map { _ in "probe-\(UUID().uuidString)" }
        for random in randoms { XCTAssertEqual(try APIClient(port: server.port, token: nil).get("/v1/\(random)").status, 401) }
        XCTAssertEqual(try alice.get("/v1/\(randoms[0])").status, 404)
        XCTAssertEqual(try alice.get("/metrics").status, 404, "the API does not serve the metrics")

        let after = try served.scrape()
        func moved(_ route: String, _ status: Int) -> Double {
            let labels = ["route": route, "status": String(status)]
            return (after.value("tollgate_http_requests_total", labels) ?? 0) - (before.value("tollgate_http_requests_total", labels) ?? 0)
        }
        XCTAssertEqual(moved("/v1/whoami", 200), 60)
        XCTAssertEqual(moved("/v1/whoami", 429), 5)
        XCTAssertEqual(after.value("tollgate_rate_limited_requests_total"), 5)
        XCTAssertEqual(moved("/v1/actions", 201), 1)
        XCTAssertEqual(moved("/v1/actions/{id}", 200), 1)
        XCTAssertEqual(moved("/v1/actions/{id}", 404), 1, "an unknown id is the route's own 404")
        XCTAssertEqual(moved("unmatched", 401), 20)
        XCTAssertEqual(moved("unmatched", 404), 2, "a random path and /metrics")

        let routes = Set(after.samples.filter { $0.name == "tollgate_http_requests_total" }.compactMap { $0.labels["route"] })
        XCTAssertTrue(routes.isSubset(of: ["/v1/whoami", "/v1/actions", "/v1/actions/{id}", "unmatched"]), "\(routes)")
        for sample in after.samples {
            for value in sample.labels.values {
                XCTAssertFalse(value.contains("probe-") || value.contains("act_"), "client text in a label: \(sample.name) \(sample.labels)")
            }
        }
    }

    /// The webhook dispatcher's figures: attempts by notifier and outcome, and the deliveries
    /// still to send.
    func testWebhookDeliveriesAreCountedByNotifierAndOutcome() throws {
        let flaky = try WebhookReceiver(self) { n in n <= 2 ? .status(500) : .status(200) }
        let gone = try WebhookReceiver(self) { _ in .status(404) }
        let silent = try WebhookReceiver(self) { _ in .silence }
        let tables = [("flaky", flaky), ("gone", gone), ("silent", silent)].map { id, receiver in
            """

            [[notify]]
            id = "\(id)"
            url = "\(receiver.url)"
            events = ["pending"]
            retry_initial_seconds = 0.05
            retry_max_seconds = 0.2
            timeout_seconds = 120
            """
        }
        let served = try Served(self, extra: tables.joined())
        let start = try served.scrape()
        for id in ["flaky", "gone", "silent"] {
            for outcome in ["delivered", "retried", "failed", "dropped"] {
                XCTAssertEqual(start.value("tollgate_webhook_deliveries_total", ["notifier": id, "outcome": outcome]), 0, "\(id) \(outcome)")
            }
        }
        _ = try served.sandbox.client(served.server, as: "agent-1").submit(Fixtures.request())
        func deliveries(_ scrape: MetricsScrape, _ id: String, _ outcome: String) -> Double? {
            scrape.value("tollgate_webhook_deliveries_total", ["notifier": id, "outcome": outcome])
        }
        try eventually("flaky delivered on the third attempt and gone given up") {
            let now = try served.scrape()
            return deliveries(now, "flaky", "delivered") == 1 && deliveries(now, "gone", "failed") == 1
        }
        // The silent receiver's delivery is the only one still to send (reported every few seconds).
        try eventually("the queue holds the silent receiver's delivery") { try served.scrape().value("tollgate_webhook_queue_depth") == 1 }
        let end = try served.scrape()
        XCTAssertEqual(deliveries(end, "flaky", "retried"), 2)
        XCTAssertEqual(deliveries(end, "flaky", "failed"), 0)
        XCTAssertEqual(deliveries(end, "gone", "retried"), 0, "a 404 is not retried")
        XCTAssertEqual(deliveries(end, "silent", "delivered"), 0)
        XCTAssertEqual(flaky.received.count, 3)
    }

    /// The metrics address serves `GET /metrics` and nothing else; it has no token to check.
    func testTheMetricsAddressServesNothingElse() throws {
        let served = try Served(self)
        let metrics = APIClient(port: served.metricsPort, token: nil)
        XCTAssertEqual(try metrics.get("/metrics").status, 200)
        XCTAssertEqual(try metrics.get("/metrics?name=x").status, 200, "a query string is no other path")
        for path in ["/", "/v1/health", "/v1/actions", "/metrics/", "/metrics/x", "/METRICS"] {
            XCTAssertEqual(try metrics.get(path).status, 404, path)
        }
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            let response = try metrics.send(method, "/metrics", body: [])
            XCTAssertEqual(response.status, 405, method)
            XCTAssertEqual(response.header("Allow"), "GET", method)
        }
        let withToken = APIClient(port: served.metricsPort, token: try served.sandbox.token("alice"))
        XCTAssertEqual(try withToken.get("/v1/actions").status, 404, "a token opens nothing there")
    }
}
