import Foundation
import TollgateCore
import XCTest

/// `[[notify]]` webhooks end to end: the real server sends its outbox to a receiver on
/// loopback — signed, retried, durable across a kill -9, never in a submission's way, and
/// escalating once before expiry. Part of the protocol suite: it runs on SQLite and again on
/// PostgreSQL (scripts/run-tests.sh).
final class WebhookTests: LedgerBackendTestCase {
    /// A `[[notify]]` table for `receiver`; `extra` adds keys.
    private static func notifier(_ id: String, _ receiver: WebhookReceiver, path: String = "/hook", _ extra: String = "") -> String {
        """

        [[notify]]
        id = "\(id)"
        url = "http://127.0.0.1:\(receiver.port)\(path)"
        retry_initial_seconds = 0.05
        retry_max_seconds = 0.2
        \(extra)
        """
    }

    /// Waits until `receiver` has got `count` requests matching `filter`, and returns them.
    @discardableResult
    private func awaitDeliveries(
        _ receiver: WebhookReceiver, count: Int, timeout: Double = 30, _ what: String, where filter: (WebhookReceiver.Received) -> Bool = { _ in true }
    ) throws -> [WebhookReceiver.Received] {
        try eventually(timeout: timeout, what, { "received: \(receiver.received.map { "\($0.event ?? "?") \($0.deliveryID ?? "?")" })" }) {
            receiver.received.filter(filter).count >= count
        }
        return receiver.received.filter(filter)
    }

    /// HMAC-SHA256 of `body` under `key`, computed by Python's standard library: an
    /// implementation other than the server's.
    private static func pythonSignature(_ body: [UInt8], key: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-hmac-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bodyPath = directory.appendingPathComponent("body").path
        try Data(body).write(to: URL(fileURLWithPath: bodyPath))
        let script = "import hmac,hashlib,sys; print('sha256=' + hmac.new(sys.argv[1].encode(), open(sys.argv[2],'rb').read(), hashlib.sha256).hexdigest())"
        return try Shell.run(["python3", "-c", script, key, bodyPath], "python3 hmac").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testJSONDeliveriesAreSignedAndCarryTheMaskedAction() throws {
        let receiver = try WebhookReceiver(self)
        let key = "0123456789abcdef-webhook-key"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let secretPath = directory.appendingPathComponent("hook.secret").path
        try (key + "\n").write(toFile: secretPath, atomically: true, encoding: .utf8)
        chmod(secretPath, 0o600)
        let sandbox = try Sandbox(self, config: Sandbox.quietConfig + Self.notifier("audit-log", receiver, "secret_file = \"\(secretPath)\""))
        let server = try sandbox.startServer()
        let secret = "hunter2hunter2"
        let submitted = try sandbox.client(server, as: "agent-1").submit(
            Fixtures.request(command: "psql postgres://app:\(secret)@prod-db/customers"))
        XCTAssertEqual(try sandbox.client(server, as: "alice").decide(submitted, .approve, reason: "ok").status, 200)

        let deliveries = try awaitDeliveries(receiver, count: 2, "the pending and resolved deliveries")
        XCTAssertEqual(deliveries.map(\.event), ["pending", "resolved"])
        for delivery in deliveries {
            XCTAssertEqual(delivery.requestLine, "POST /hook HTTP/1.1")
            XCTAssertEqual(delivery.headers["content-type"], "application/json")
            XCTAssertEqual(delivery.headers["x-tollgate-notifier"], "audit-log")
            let object = try delivery.object()
            XCTAssertEqual(object["delivery_id"] as? String, delivery.deliveryID, "the body and the header name one delivery")
            XCTAssertEqual(object["event"] as? String, delivery.event)
            XCTAssertNotNil((object["sent_at"] as? String).flatMap { Timestamp(rfc3339: $0) }, "sent_at is an RFC 3339 time")
            XCTAssertEqual(try delivery.action().id, submitted.id)
            XCTAssertTrue(delivery.deliveryID?.hasPrefix("dlv_") ?? false)
            let signature = try XCTUnwrap(delivery.headers["x-tollgate-signature"], "a secret signs every delivery")
            XCTAssertEqual(signature, try Self.pythonSignature(delivery.body, key: key), "the signature verifies with the secret")
            XCTAssertNotEqual(signature, try Self.pythonSignature(delivery.body, key: key + "x"))
            let text = String(decoding: delivery.body, as: UTF8.self)
            XCTAssertFalse(text.contains(secret), "the action is masked as the feed carries it")
            XCTAssertFalse(delivery.headers.values.contains { $0.contains(key) }, "the key itself is never sent")
        }
        XCTAssertEqual(try deliveries[1].action().status, .approved, "the resolved delivery carries the action as resolved")
        XCTAssertNotEqual(deliveries[0].deliveryID, deliveries[1].deliveryID)
        XCTAssertFalse(sandbox.allServerLogs.contains(key), "the key is in no log")
    }

    func testAReceiverFailingTwiceGetsThreeAttemptsOfOneDelivery() throws {
        let receiver = try WebhookReceiver(self) { n in n <= 2 ? .status(500) : .status(200) }
        let sandbox = try Sandbox(self, config: Sandbox.quietConfig + Self.notifier("pager", receiver, "events = [\"pending\"]"))
        let server = try sandbox.startServer()
        let submitted = try sandbox.client(server, as: "agent-1").submit(Fixtures.request())
        let attempts = try awaitDeliveries(receiver, count: 3, "three attempts")
        XCTAssertEqual(Set(attempts.map(\.deliveryID)).count, 1, "one delivery_id across the retries: \(attempts.map(\.deliveryID))")
        XCTAssertEqual(try attempts.map { try $0.action().id }, Array(repeating: submitted.id, count: 3))
        try eventually("the delivery leaves the outbox once delivered") { try sandbox.ledgerTables.rows("SELECT count(*) FROM outbox") == ["0"] }
        XCTAssertEqual(receiver.received.count, 3, "nothing is sent after the 200")
    }

    func testARefusalIsNotRetriedAndTheLastAttemptGivesUp() throws {
        let refusing = try WebhookReceiver(self) { _ in .status(404) }
        let failing = try WebhookReceiver(self) { _ in .status(503, retryAfter: 0) }
        let config =
            Sandbox.quietConfig + Self.notifier("gone", refusing, "events = [\"pending\"]")
            + Self.notifier("flaky", failing, "events = [\"pending\"]\nmax_attempts = 3")
        let sandbox = try Sandbox(self, config: config)
        let server = try sandbox.startServer()
        _ = try sandbox.client(server, as: "agent-1").submit(Fixtures.request())
        try eventually("both deliveries are given up") {
            try sandbox.ledgerTables.rows("SELECT notifier, attempts FROM outbox WHERE failed ORDER BY notifier") == ["flaky|3", "gone|1"]
        }
        XCTAssertEqual(refusing.received.count, 1, "a 404 is not retried")
        XCTAssertEqual(failing.received.count, 3, "a 503 is retried up to max_attempts")
        XCTAssertTrue(sandbox.allServerLogs.contains("given up: HTTP 404, not retried"), sandbox.allServerLogs)
        XCTAssertFalse(sandbox.allServerLogs.contains("/hook"), "the URL's path (a Slack webhook's key) is in no log")
    }

    func testAKilledServerDeliversWhatItCommittedOnceTheReceiverIsBack() throws {
        // A port for the receiver, closed while the server tries it.
        let first = try WebhookReceiver(self)
        let port = first.port
        first.stop()
        let config =
            Sandbox.quietConfig + """

                [[notify]]
                id = "pager"
                url = "http://127.0.0.1:\(port)/hook"
                events = ["pending"]
                retry_initial_seconds = 0.1
                retry_max_seconds = 0.3
                """
        let sandbox = try Sandbox(self, config: config)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let ids = try (1...3).map { n in try agent.submit(Fixtures.request(summary: "export \(n)")).id }
        try eventually("every delivery has been tried against the closed port") {
            try sandbox.ledgerTables.rows("SELECT count(*) FROM outbox WHERE attempts > 0") == ["3"]
        }
        server.kill()
        let receiver = try WebhookReceiver(self, port: port)
        let restarted = try sandbox.startServer(listen: "127.0.0.1:\(server.port)")
        let deliveries = try awaitDeliveries(receiver, count: 3, timeout: 60, "the restarted server delivers what was committed")
        XCTAssertEqual(Set(try deliveries.map { try $0.action().id }), Set(ids))
        XCTAssertEqual(Set(deliveries.compactMap(\.deliveryID)).count, 3, "one delivery per action")
        XCTAssertTrue(restarted.isRunning)
    }

    func testAReceiverThatNeverAnswersDoesNotSlowSubmissions() throws {
        /// The median seconds of `count` submissions, one after another, to `sandbox`'s server.
        func medianSubmission(_ sandbox: Sandbox, count: Int = 25) throws -> Double {
            let server = try sandbox.startServer()
            let agent = try sandbox.client(server, as: "agent-1")
            var times: [Double] = []
            for n in 1...count {
                let start = ContinuousClock.now
                _ = try agent.submit(Fixtures.request(summary: "export \(n)"))
                let elapsed = ContinuousClock.now - start
                times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            return times.sorted()[count / 2]
        }
        let silent = try WebhookReceiver(self) { _ in .silence }
        let baseline = try medianSubmission(try Sandbox(self))
        let notified = try Sandbox(self, config: Sandbox.quietConfig + Self.notifier("blackhole", silent, "timeout_seconds = 60"))
        let withNotifier = try medianSubmission(notified)
        try awaitDeliveries(silent, count: 1, "the receiver holds deliveries unanswered")
        // Generous: a shared machine is noisy; a submission waiting on the receiver would take 60 s.
        XCTAssertLessThan(
            withNotifier, max(baseline * 4, baseline + 0.25), "median submission: \(withNotifier) s with a silent receiver, \(baseline) s without")
    }

    func testEscalationFiresOnceForEachNotifierBeforeExpiry() throws {
        let receiver = try WebhookReceiver(self)
        let config =
            Sandbox.quickExpiryConfig
            + Self.notifier("early", receiver, path: "/early", "events = [\"escalation\", \"resolved\"]\nescalate_before_seconds = 4")
            + Self.notifier("late", receiver, path: "/late", "events = [\"escalation\"]\nescalate_before_seconds = 2")
        let sandbox = try Sandbox(self, config: config)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let decided = try agent.submit(Fixtures.request(summary: "decided in time", ttl: 6))
        let action = try agent.submit(Fixtures.request(summary: "left undecided", ttl: 6))
        XCTAssertEqual(try sandbox.client(server, as: "alice").decide(decided, .deny, reason: "no").status, 200)

        // The undecided one expires; its resolved delivery comes after both escalations.
        try awaitDeliveries(receiver, count: 1, timeout: 60, "the expiry is announced") { (try? $0.action().status) == .expired }
        let escalations = receiver.received.filter { $0.event == "escalation" }
        XCTAssertEqual(escalations.map(\.headers["x-tollgate-notifier"]), ["early", "late"], "one escalation per notifier, in window order")
        for escalation in escalations {
            let notified = try escalation.action()
            XCTAssertEqual(notified.id, action.id, "the action decided in time never escalates")
            let window: Double = escalation.headers["x-tollgate-notifier"] == "early" ? 4 : 2
            let sentAt = try XCTUnwrap((try escalation.object()["sent_at"] as? String).flatMap { Timestamp(rfc3339: $0) })
            XCTAssertGreaterThanOrEqual(sentAt, action.expiresAt.adding(seconds: -window), "not before its window opened")
            XCTAssertLessThan(sentAt, action.expiresAt, "before the expiry")
            XCTAssertNotNil(notified.escalatedAt, "the delivery carries the action as escalated")
        }
        let stored = try agent.action(action.id)
        XCTAssertEqual(stored.status, .expired)
        let escalatedAt = try XCTUnwrap(stored.escalatedAt, "the action keeps when it escalated")
        XCTAssertLessThanOrEqual(escalatedAt, action.expiresAt.adding(seconds: -2))
        XCTAssertNil(try agent.action(decided.id).escalatedAt)
        XCTAssertEqual(try sandbox.ledgerTables.rows("SELECT count(*) FROM escalations"), ["0"], "marks go once the action is resolved")
    }

    func testABreakGlassApprovalIsAnnouncedAndFiltersChooseTheActions() throws {
        let receiver = try WebhookReceiver(self)
        let config =
            Sandbox.quietConfig
            + Self.notifier("security", receiver, path: "/security", "events = [\"break-glass\"]")
            + Self.notifier("prod-high", receiver, path: "/prod", "events = [\"pending\"]\nmin_risk = \"high\"\nenvironments = [\"production\", \"prod-*\"]")
        let principals = TestPrincipal.standard + [TestPrincipal(id: "glass", roles: [.approver, .breakglass])]
        let sandbox = try Sandbox(self, config: config, principals: principals)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        var low = Fixtures.request(summary: "low risk", risk: .low)
        low.environment = "production"
        var staging = Fixtures.request(summary: "staging")
        staging.environment = "staging"
        var spelled = Fixtures.request(summary: "spelled differently", risk: .critical)
        spelled.environment = "PROD-eu "
        let glassed = try agent.submit(Fixtures.request(summary: "broken glass", approvals: 2))
        for request in [low, staging, spelled] { _ = try agent.submit(request) }
        let body = Fixtures.json(
            DecisionRequest(verdict: .approve, reason: "the database is down and customers wait", digest: glassed.digest, breakGlass: true))
        XCTAssertEqual(try sandbox.client(server, as: "glass").send("POST", "/v1/actions/\(glassed.id)/decisions", body: body).status, 200)

        let glass = try awaitDeliveries(receiver, count: 1, "the break-glass approval is announced") { $0.event == "break-glass" }
        XCTAssertEqual(try glass[0].action().id, glassed.id)
        XCTAssertEqual(glass[0].headers["x-tollgate-notifier"], "security")
        let pending = try awaitDeliveries(receiver, count: 2, "the high-risk production actions are announced") { $0.event == "pending" }
        XCTAssertEqual(
            try Set(pending.map { try $0.action().summary }), ["broken glass", "spelled differently"],
            "min_risk and environments (compared folded, as policy does) choose the actions")
        try eventually("nothing else is queued") { try sandbox.ledgerTables.rows("SELECT count(*) FROM outbox") == ["0"] }
        XCTAssertEqual(receiver.received.count, 3, "\(receiver.received.map { "\($0.event ?? "?") \($0.headers["x-tollgate-notifier"] ?? "?")" })")
    }

    func testSlackMessagesHaveBlockKitsShapeAndKeepAgentTextPlain() throws {
        let receiver = try WebhookReceiver(self)
        let sandbox = try Sandbox(
            self, config: Sandbox.quietConfig + Self.notifier("oncall-slack", receiver, "format = \"slack\"\nevents = [\"pending\", \"resolved\"]"))
        let server = try sandbox.startServer()
        let hostile = "<!channel> *urgent* <https://evil.example|click here> \u{1B}]0;owned\u{07} \u{202E}reversed"
        let submitted = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: hostile, risk: .critical))
        XCTAssertEqual(try sandbox.client(server, as: "alice").decide(submitted, .approve, reason: "checked the export").status, 200)
        let messages = try awaitDeliveries(receiver, count: 2, "the pending and resolved messages")
        XCTAssertEqual(messages.map(\.event), ["pending", "resolved"])
        for message in messages {
            XCTAssertEqual(BlockKitShape.problems(in: message.body), [], "a Block Kit message Slack accepts")
            XCTAssertNil(message.headers["x-tollgate-signature"], "Slack checks no signature: none is sent")
            let mrkdwn = BlockKitShape.textObjects(in: message.body).filter { $0.type == "mrkdwn" }.map(\.text).joined()
            XCTAssertFalse(mrkdwn.contains("channel") || mrkdwn.contains("evil"), "agent text is never mrkdwn: \(mrkdwn)")
            let fallback = try XCTUnwrap(BlockKitShape.fallbackText(in: message.body))
            XCTAssertFalse(fallback.contains("<!channel>"), "the notification text escapes Slack's markup: \(fallback)")
            XCTAssertFalse(String(decoding: message.body, as: UTF8.self).contains("\u{1B}"), "no escape byte reaches Slack")
        }
        let pendingText = String(decoding: messages[0].body, as: UTF8.self)
        XCTAssertTrue(pendingText.contains("tollgate approve \(submitted.id) --reason"), "a critical approval's command asks for a reason")
        XCTAssertTrue(pendingText.contains("tollgate deny \(submitted.id) --reason"))
        XCTAssertFalse(String(decoding: messages[1].body, as: UTF8.self).contains("tollgate approve"), "a resolved action offers no command")
    }
}
