import Foundation
import TollgateCore
import XCTest

/// Replicas of `tollgate serve` sharing one PostgreSQL database, under load, when one of them
/// is killed or stopped and when PostgreSQL restarts: nothing acknowledged is lost, every feed
/// goes on without a gap, and no client is ever told 500.
///
/// Each test runs 8 agents and 2 approvers (`ClientCrew`) and 4 feed subscribers
/// (`FeedRecorder`), half on each replica; every wait is for a condition, bounded in minutes.
final class ReplicaFaultTests: XCTestCase {
    /// The standard principals and six more agents: eight in all.
    static let principals = TestPrincipal.standard + (3...8).map { TestPrincipal(id: "agent-\($0)", roles: [.agent]) }
    /// The summary of the submission that ends each test: the subscribers stop once they see it.
    static let lastSummary = "the last submission of the test"
    /// How long any one condition may take to come true on a busy machine.
    static let patience: Double = 300

    /// Two replicas of a fresh database, and the load spread over them.
    private struct Replicas {
        var sandbox: Sandbox
        var first: ServerProcess
        var second: ServerProcess
        var crew: ClientCrew
        /// Two subscribers on each replica, the first's first.
        var feeds: [FeedRecorder]
    }

    // MARK: - A replica dies or stops under load

    func testKillNineOfAReplicaUnderLoadLosesNothingAcknowledgedAndItsSubscribersResumeOnTheOther() throws {
        try failOver { dying in dying.kill() }
    }

    func testAReplicaStoppedUnderLoadLosesNothingAcknowledgedAndItsSubscribersResumeOnTheOther() throws {
        try failOver { stopping in XCTAssertEqual(try stopping.stop(timeout: Self.patience), 0, "SIGTERM is a clean stop") }
    }

    /// Ends the first replica with `end` in the middle of the load; its clients and subscribers
    /// move to the second, as a load balancer would send them.
    private func failOver(_ end: (ServerProcess) throws -> Void) throws {
        let replicas = try startReplicasUnderLoad()
        let (crew, dying, survivor) = (replicas.crew, replicas.first, replicas.second)
        try eventually(timeout: Self.patience, "each replica acknowledged 30 submissions and 10 decisions") {
            [dying, survivor].allSatisfy { crew.acknowledged(.submission, on: $0.port) >= 30 && crew.acknowledged(.decision, on: $0.port) >= 10 }
        }
        let mark = crew.answers.count
        try end(dying)
        try eventually(timeout: Self.patience, "every client works on the replica left, and the first replica's subscribers reconnected to it") {
            let served = Set(crew.answers(since: mark).filter { $0.port == survivor.port && $0.status != nil }.map(\.client))
            return served.count == 10 && replicas.feeds.prefix(2).allSatisfy { $0.connections.count >= 2 }
        }
        let resumed = crew.answers.count
        try eventually(timeout: Self.patience, "the replica left acknowledged 30 more submissions to the resumed subscribers") {
            crew.acknowledged(.submission, on: survivor.port, since: resumed) >= 30
        }
        XCTAssertTrue(crew.stop(timeout: Self.patience), "every client stopped")

        try finish(replicas, on: survivor)
        let answers = crew.answers
        let refused = answers.filter { $0.status != nil && !$0.isAcknowledged }
        XCTAssertEqual(refused.map(\.summary), [], "no write was refused")
        let unanswered = answers.filter { $0.status == nil && $0.port == survivor.port }
        XCTAssertEqual(unanswered.map(\.summary), [], "the replica left answered every request")
        for feed in replicas.feeds.suffix(2) {
            XCTAssertEqual(feed.connections.count, 1, "\(feed.name) on the replica left kept its connection: \(feed.endings)")
        }
        print(
            "replica ended under load: \(crew.writes.submissions.count) submissions and \(crew.writes.decisions.count) decisions acknowledged, "
                + "\(answers.count(where: { $0.status == nil })) requests moved to the other replica; "
                + replicas.feeds.prefix(2).map { "\($0.name): \($0.connections.joined(separator: ", then "))" }.joined(separator: "; "))
    }

    // MARK: - PostgreSQL restarts under load

    func testPostgresRestartingMidFeedAnswers503NeverLosesAWriteAndTheSameFeedsGoOnWithoutAGap() throws {
        let cluster = try PostgresCluster.running()
        let replicas = try startReplicasUnderLoad(cluster)
        let (crew, first, second) = (replicas.crew, replicas.first, replicas.second)
        let servers = [first, second]
        try eventually(timeout: Self.patience, "each replica acknowledged 20 submissions and 5 decisions") {
            servers.allSatisfy { crew.acknowledged(.submission, on: $0.port) >= 20 && crew.acknowledged(.decision, on: $0.port) >= 5 }
        }
        let acknowledged = try XCTUnwrap(crew.writes.submissions.first)

        let beforeStop = crew.answers.count
        try cluster.stop(self)
        try eventually(timeout: Self.patience, "each replica answered its clients 503 while PostgreSQL is down") {
            let answers = crew.answers(since: beforeStop)
            return servers.allSatisfy { server in answers.contains { $0.port == server.port && $0.status == 503 } }
        }
        try assertUnavailable(replicas.sandbox, servers, known: acknowledged)
        for server in servers { XCTAssertTrue(server.isRunning, "the replica on \(server.port) stays up while PostgreSQL is down") }

        let beforeStart = crew.answers.count
        try cluster.start()
        let started = ContinuousClock.now
        try eventually(timeout: Self.patience, "each replica acknowledged a submission again once PostgreSQL was back") {
            servers.allSatisfy { crew.acknowledged(.submission, on: $0.port, since: beforeStart) >= 1 }
        }
        let recovery = ContinuousClock.now - started
        let back = crew.answers.count
        try eventually(timeout: Self.patience, "each replica acknowledged 20 more submissions") {
            servers.allSatisfy { crew.acknowledged(.submission, on: $0.port, since: back) >= 20 }
        }
        XCTAssertTrue(crew.stop(timeout: Self.patience), "every client stopped")

        try finish(replicas, on: second)

        let answers = crew.answers
        let wrong = answers.filter { answer in
            if answer.isAcknowledged { return false }
            return !(answer.status == 503 && answer.error == ErrorCode.unavailable.rawValue && answer.retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
        }
        XCTAssertEqual(wrong.map(\.summary), [], "every answer was a success or 503 unavailable with Retry-After, and every request was answered")
        for feed in replicas.feeds {
            XCTAssertEqual(feed.connections.count, 1, "\(feed.name) kept its connection through the restart: \(feed.endings)")
        }
        print(
            "PostgreSQL restarted under load: \(crew.writes.submissions.count) submissions and \(crew.writes.decisions.count) decisions acknowledged, "
                + "\(answers.count(where: { $0.status == 503 })) answers 503, both replicas acknowledging again \(recovery) after PostgreSQL was back")
    }

    /// A client told 503 `unavailable` may give up, or send again without a key: what it was
    /// refused must not be carried out behind its back once PostgreSQL is back. (It was: the
    /// write waited in the pool's queue past its answer and ran in full when the database returned.)
    func testWritesAnswered503WhilePostgresIsDownAreNotCarriedOutOnceItIsBack() throws {
        let cluster = try PostgresCluster.running()
        let sandbox = try Sandbox(self, database: try cluster.makeDatabase(self))
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let approved = try agent.submit(Fixtures.request(summary: "approved while down"))
        let cancelled = try agent.submit(Fixtures.request(summary: "cancelled while down"))

        try cluster.stop(self)
        var writes = SimultaneousRequests()
        writes.add(
            port: server.port, "POST", "/v1/actions", token: try sandbox.token("agent-1"),
            body: Fixtures.json(Fixtures.request(summary: "submitted while down")))
        let decision = DecisionRequest(verdict: .approve, reason: "while down", digest: approved.digest)
        writes.add(port: server.port, "POST", "/v1/actions/\(approved.id)/decisions", token: try sandbox.token("alice"), body: Fixtures.json(decision))
        writes.add(port: server.port, "POST", "/v1/actions/\(cancelled.id)/cancel", token: try sandbox.token("agent-1"))
        for response in try writes.send(timeout: Self.patience) {
            XCTAssertEqual(response.status, 503, "a write while PostgreSQL is down: \(response.text.prefix(300))")
        }

        try cluster.start()
        let started = ContinuousClock.now
        // Sent after the refused writes, so a pool that kept them would have run them first.
        try eventually(timeout: Self.patience, "a submission is acknowledged once PostgreSQL is back") {
            (try? agent.submit(Fixtures.request(summary: "after"), idempotencyKey: "after")) != nil
        }
        let stored = try sandbox.ledgerTables.rows("SELECT json::jsonb->>'summary', status FROM actions ORDER BY seq")
        XCTAssertEqual(
            stored, ["approved while down|pending", "cancelled while down|pending", "after|pending"],
            "nothing refused with 503 was carried out (the rows: summary|status)")
        XCTAssertEqual(try sandbox.ledgerTables.rows("SELECT count(*) FROM events"), ["3"], "three events: the three acknowledged submissions")
    }

    /// Checks that each kind of request that needs the database answers 503 `unavailable` with
    /// a Retry-After on every one of `servers` while PostgreSQL is down, and that each is up. The
    /// requests go together: each may wait for the database as long as the server allows.
    private func assertUnavailable(_ sandbox: Sandbox, _ servers: [ServerProcess], known action: Action) throws {
        let decision = Fixtures.json(DecisionRequest(verdict: .approve, reason: "while down", digest: action.digest))
        var requests = SimultaneousRequests()
        var sent: [String] = []
        for server in servers {
            let submission = Fixtures.json(Fixtures.request(summary: "while PostgreSQL is down, on \(server.port)"))
            let kinds: [(what: String, as: String, method: String, path: String, body: [UInt8]?)] = [
                ("a submission", "agent-1", "POST", "/v1/actions", submission),
                ("an action", "agent-1", "GET", "/v1/actions/\(action.id)", nil),
                ("a long-poll", "agent-1", "GET", "/v1/actions/\(action.id)?wait=2", nil),
                ("a cancel", "agent-1", "POST", "/v1/actions/\(action.id)/cancel", nil),
                ("the list", "carol", "GET", "/v1/actions?status=pending", nil),
                ("a decision", "carol", "POST", "/v1/actions/\(action.id)/decisions", decision),
                ("the audit log", "audrey", "GET", "/v1/audit", nil),
            ]
            for kind in kinds {
                requests.add(port: server.port, kind.method, kind.path, token: try sandbox.token(kind.as), body: kind.body)
                sent.append("\(kind.what) on \(server.port)")
            }
            requests.add(port: server.port, "GET", "/v1/health", token: try sandbox.token("audrey"))
            sent.append("the health check on \(server.port)")
        }
        for (what, response) in zip(sent, try requests.send(timeout: Self.patience)) {
            let body = response.text.prefix(300)
            if what.hasPrefix("the health check") {
                XCTAssertEqual(response.status, 200, "\(what) while PostgreSQL is down: \(body)")
                continue
            }
            XCTAssertEqual(response.status, 503, "\(what) while PostgreSQL is down: \(body)")
            XCTAssertEqual(try? response.protocolError().code, .unavailable, "\(what): \(body)")
            XCTAssertGreaterThanOrEqual(response.header("retry-after").flatMap(Int.init) ?? 0, 1, "\(what) says when to retry")
        }
    }

    // MARK: - Shared steps

    /// Two replicas of a fresh database; on each, 4 agents, 1 approver and 2 live feed subscribers,
    /// each client moving to the other replica when its own does not answer.
    private func startReplicasUnderLoad(_ cluster: PostgresCluster? = nil) throws -> Replicas {
        let database = try (cluster ?? PostgresCluster.running()).makeDatabase(self)
        let sandbox = try Sandbox(self, principals: Self.principals, database: database)
        let first = try sandbox.startServer()
        let second = try sandbox.startServer()
        let routes = [[first.port, second.port], [second.port, first.port]]
        var feeds: [FeedRecorder] = []
        for (replica, servers) in routes.enumerated() {
            for subscriber in ["audrey", "carol"] {
                let name = "\(subscriber) on replica \(replica + 1)"
                feeds.append(FeedRecorder(self, name, token: try sandbox.token(subscriber), servers: servers, until: Self.lastSummary))
            }
        }
        try eventually(timeout: Self.patience, "every subscriber is live") { feeds.allSatisfy(\.isLive) }
        let crew = ClientCrew(self)
        for n in 1...8 { crew.addAgent("agent-\(n)", token: try sandbox.token("agent-\(n)"), servers: routes[(n - 1) / 4]) }
        for (replica, approver) in ["alice", "bob"].enumerated() { crew.addApprover(approver, token: try sandbox.token(approver), servers: routes[replica]) }
        return Replicas(sandbox: sandbox, first: first, second: second, crew: crew, feeds: feeds)
    }

    /// With the load stopped: one last submission on `server`; then every subscriber must have
    /// received the committed events, each once and in order, every acknowledged write must be
    /// found on `server`, and no submission retried after a fault may have made two actions.
    private func finish(_ replicas: Replicas, on server: ServerProcess) throws {
        let sandbox = replicas.sandbox
        let last = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: Self.lastSummary))
        try eventually(timeout: Self.patience, "every subscriber received the last submission") { replicas.feeds.allSatisfy(\.isDone) }

        let log = try sandbox.ledgerTables.rows("SELECT seq, json FROM events ORDER BY seq").map { row in
            let parts = row.split(separator: "|", maxSplits: 1)
            guard parts.count == 2, let seq = Int64(parts[0]) else { throw HTTPClientError("not seq|json: \(row.prefix(200))") }
            return (seq: seq, json: String(parts[1]))
        }
        XCTAssertEqual(log.map(\.seq), Array(stride(from: 1, through: Int64(log.count), by: 1)), "the committed sequence numbers have no gap")
        XCTAssertEqual(try log.last.map { try Action(json: $0.json).id }, last.id, "the last submission is the last event")
        for feed in replicas.feeds { feed.assertReceived(log) }
        print("\(log.count) events committed, each checked on \(replicas.feeds.count) subscribers")

        try replicas.crew.writes.assertAllStored(on: try sandbox.client(server, as: "audrey"))
        let twice = try sandbox.ledgerTables.rows("SELECT json::jsonb->>'summary', count(*) FROM actions GROUP BY 1 HAVING count(*) > 1")
        XCTAssertEqual(twice, [], "a submission sent again with its Idempotency-Key made one action")
    }
}
