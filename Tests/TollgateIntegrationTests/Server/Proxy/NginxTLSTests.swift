import Foundation
import TollgateCore
import TollgateServer
import XCTest

/// The deployment the docs show, run for real: Debian's nginx terminating TLS with a throwaway
/// CA in front of `tollgate serve`, configured by docs/deploy/nginx.conf itself, and the
/// `tollgate` clients and raw feeds going through it.
final class NginxTLSTests: XCTestCase {
    /// Replicas behind nginx, and what a test needs to reach them through the proxy.
    private struct Deployment {
        var sandbox: Sandbox
        /// The running replicas, in the upstream's order (after any given by port only).
        var replicas: [ServerProcess]
        var authority: TestCertificateAuthority
        var nginx: NginxProxy

        /// The first running replica, to ask the ledger directly (every replica shares it).
        var server: ServerProcess { replicas[0] }

        /// The connection options of `principal` through the proxy, trusting the test CA.
        func options(as principal: String) throws -> [String] {
            try options(as: principal, caFile: authority.certificatePath)
        }

        /// The same with `caFile` as `--ca-file` (nil: none).
        func options(as principal: String, caFile: String?) throws -> [String] {
            ["--server", "https://127.0.0.1:\(nginx.port)", "--token-file", try sandbox.tokenFile(principal)]
                + (caFile.map { ["--ca-file", $0] } ?? [])
        }

        /// The one replica a feed has connected to, and another one: which nginx chose for the
        /// first feed is its business, so a test finds it in the replicas' logs.
        func feedReplica() throws -> (feed: ServerProcess, other: ServerProcess) {
            let feeds = replicas.filter { $0.stderrText.contains(NginxTLSTests.feedConnected) }
            guard feeds.count == 1, let feed = feeds.first, let other = replicas.first(where: { $0 !== feed }) else {
                throw HTTPClientError("expected one replica with a feed: \(replicas.map(\.stderrText))")
            }
            return (feed, other)
        }

        /// The actions the server has, asked directly.
        func actions() throws -> [Action] {
            struct Page: Decodable { var actions: [Action] }
            return try sandbox.client(server, as: "alice").get("/v1/actions").decode(Page.self).actions
        }

        /// A raw HTTP connection through the proxy, verifying its certificate against the test CA.
        func tunnel() throws -> TLSTunnel {
            try TLSTunnel(port: nginx.port, caFile: authority.certificatePath, in: sandbox.directory)
        }

        /// POSTs `body` to /v1/actions as agent-1 through the proxy, on a connection of its own.
        func postAction(_ body: [UInt8]) throws -> HTTPResponse {
            let tunnel = try tunnel()
            defer { tunnel.close() }
            let headers = [("Authorization", "Bearer \(try sandbox.token("agent-1"))"), ("Content-Type", "application/json")]
            return try tunnel.connection.request("POST", "/v1/actions", headers: headers, body: body)
        }

        /// Submits an action with `tollgate request` through the proxy and returns its id.
        func submit(_ summary: String) throws -> String {
            let run = try TollgateBinary.run(
                ["request", "--kind", "deploy.proxy", "--summary", summary, "--risk", "low"] + options(as: "agent-1"), in: sandbox.directory)
            guard run.status == 0 else { throw HTTPClientError("request through nginx exited \(run.status): \(run.stderr)") }
            return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// A server with `config` (or `replicas` of it, sharing `database`), nginx in front of it
    /// (and of the replicas on `extraUpstreams` before it) with `site`.
    private func deploy(
        site: NginxSite? = nil, config: String = Sandbox.quietConfig, database: PostgresDatabase? = nil, replicas count: Int = 1,
        replicasBefore extraUpstreams: [Int] = []
    ) throws -> Deployment {
        let sandbox = try Sandbox(self, config: config, database: database)
        let replicas = try (0..<count).map { _ in try sandbox.startServer() }
        let authority = try TestCertificateAuthority(self)
        let nginx = try NginxProxy(self, upstreams: extraUpstreams + replicas.map(\.port), authority: authority, site: site)
        return Deployment(sandbox: sandbox, replicas: replicas, authority: authority, nginx: nginx)
    }

    /// Two replicas of `tollgate serve` with `config` on one new PostgreSQL database, behind
    /// the documented nginx site.
    private func deployTwoReplicas(config: String = Sandbox.quietConfig) throws -> Deployment {
        try deploy(config: config, database: try PostgresCluster.running().makeDatabase(self), replicas: 2)
    }

    // MARK: - The clients through TLS

    func testRequestApproveAndWatchWorkThroughTheProxyWithTheCAFile() throws {
        let deployment = try deploy()
        let sandbox = deployment.sandbox
        let watch = try Spawned(["watch"] + deployment.options(as: "audrey"), in: sandbox.directory)
        try eventually("watch is live through nginx") { watch.stderr.contains("live at seq") }
        let request = try Spawned(
            ["request", "--kind", "deploy.proxy", "--summary", "through nginx", "--wait"] + deployment.options(as: "agent-1"),
            in: sandbox.directory)
        let pending = try sandbox.client(deployment.server, as: "alice").awaitPending()
        XCTAssertEqual(pending.summary, "through nginx")
        try eventually("watch shows the new action") { watch.stdout.contains(pending.id) }

        let approve = try TollgateBinary.run(
            ["approve", pending.id, "--db", sandbox.historyPath("alice")] + deployment.options(as: "alice"), in: sandbox.directory)
        XCTAssertEqual(approve.status, 0, approve.stderr)
        XCTAssertEqual(try request.wait(), 0, "request --wait sees the approval through nginx; stderr: \(request.stderr)")
        try eventually("watch shows the approval") {
            watch.stdout.split(separator: "\n").contains { $0.contains(pending.id) && $0.contains(#""status":"approved""#) }
        }
        watch.kill(SIGTERM)
        XCTAssertEqual(try watch.wait(), 0)
        let action = try sandbox.client(deployment.server, as: "alice").action(pending.id)
        XCTAssertEqual(action.decisions.map(\.approver), ["alice"], "the token reached the server: the decision is alice's")
    }

    /// A certificate the client cannot trust is refused by every command, which then gives up at
    /// once (status 2, one line saying the certificate was refused, one handshake): another try
    /// would be refused the same way.
    func testWithoutTheCAFileClientsRefuseTheProxysCertificateAtOnce() throws {
        let deployment = try deploy()
        let sandbox = deployment.sandbox
        let pending = try sandbox.client(deployment.server, as: "agent-1").submit(Fixtures.request())
        let other = try TestCertificateAuthority(self, name: "Someone else's CA")
        for (caFile, what) in [(String?.none, "no --ca-file"), (other.certificatePath, "another CA's certificate")] {
            try assertRefusedAtOnce(deployment, "\(what): request") {
                try TollgateBinary.run(
                    ["request", "--kind", "deploy.proxy", "--summary", "refused"] + deployment.options(as: "agent-1", caFile: caFile),
                    in: sandbox.directory)
            }
            try assertRefusedAtOnce(deployment, "\(what): approve") {
                try TollgateBinary.run(
                    ["approve", pending.id, "--db", sandbox.historyPath("alice")] + deployment.options(as: "alice", caFile: caFile),
                    in: sandbox.directory)
            }
            try assertRefusedAtOnce(deployment, "\(what): watch") {
                let watch = try TollgateBinary.run(["watch"] + deployment.options(as: "audrey", caFile: caFile), in: sandbox.directory)
                XCTAssertEqual(watch.stdout, "", "\(what): no action was shown from an unverified server")
                return watch
            }
        }
        XCTAssertEqual(try deployment.actions().map(\.id), [pending.id], "no submission reached the server")
        XCTAssertEqual(try sandbox.client(deployment.server, as: "alice").action(pending.id).status, .pending, "no decision either")
    }

    /// Runs a command that must give up at the first refusal of the proxy's certificate.
    private func assertRefusedAtOnce(_ deployment: Deployment, _ what: String, _ command: () throws -> TollgateBinary.Run) throws {
        let before = deployment.nginx.refusedHandshakes
        let run = try command()
        XCTAssertEqual(run.status, 2, "\(what): the man page's status; stderr: \(run.stderr)")
        let said = run.stderr.split(separator: "\n").filter { $0.contains("certificate") }
        XCTAssertEqual(said.count, 1, "\(what): one line says why: \(run.stderr)")
        XCTAssertTrue(said.first?.contains("the server's TLS certificate was refused: ") == true, "\(what): \(run.stderr)")
        XCTAssertEqual(deployment.nginx.refusedHandshakes - before, 1, "\(what): one try, not retried: \(deployment.nginx.errorLog)")
    }

    // MARK: - The feed through the proxy

    /// Opens the feed through the proxy, then submits an action through it and waits for its
    /// event. Nothing else is sent meanwhile (keepalives come every 15 s), so a proxy that holds
    /// a response until its buffer fills or the upstream closes never delivers the event: the
    /// wait fails, whatever the buffer's size.
    private func assertTheFeedStreams(through site: NginxSite) throws {
        let deployment = try deploy(site: site)
        let tunnel = try deployment.tunnel()
        defer { tunnel.close() }
        let feed = try FeedStream(connection: tunnel.connection, token: try deployment.sandbox.token("alice"))
        XCTAssertEqual(feed.head.status, 200)
        XCTAssertEqual(feed.head.header("content-type"), "text/event-stream")
        XCTAssertEqual(try feed.readUntilSync().types, ["sync"], "the empty snapshot arrives before anything else is written")
        let id = try deployment.submit("after the feed connected")
        let (event, before) = try feed.waitForAction { $0.id == id }
        XCTAssertEqual(event.action.status, .pending)
        XCTAssertEqual(before.count, 0)
    }

    func testTheFeedStreamsThroughTheDocumentedProxy() throws {
        try assertTheFeedStreams(through: try NginxSite.documented())
    }

    /// The documented `proxy_buffering off` alone streams the feed, should a proxy drop the
    /// server's `X-Accel-Buffering: no` on the way.
    func testTheDocumentedProxyStreamsTheFeedWithoutTheServersHeader() throws {
        let site = try NginxSite.documented().replacing("proxy_buffering off;", with: "proxy_buffering off; proxy_ignore_headers X-Accel-Buffering;")
        try assertTheFeedStreams(through: site)
    }

    /// The server's `X-Accel-Buffering: no` alone streams the feed through an nginx that buffers
    /// responses (its default), for a site written without `proxy_buffering off`.
    func testTheServersHeaderStreamsTheFeedThroughABufferingProxy() throws {
        let site = try NginxSite.documented().replacing("proxy_buffering off;", with: "proxy_buffering on;")
        try assertTheFeedStreams(through: site)
    }

    func testKeepaliveCommentsComeThroughTheProxy() throws {
        let deployment = try deploy(config: Sandbox.quietConfig + "\n[feed]\nkeepalive_seconds = 0.2\n")
        let tunnel = try deployment.tunnel()
        defer { tunnel.close() }
        let feed = try FeedStream(connection: tunnel.connection, token: try deployment.sandbox.token("audrey"))
        _ = try feed.readUntilSync()
        let offset = feed.transcript.count
        try feed.waitForText(": keepalive\n: keepalive\n", after: offset)
    }

    func testLastEventIDReachesTheServerThroughTheProxy() throws {
        let deployment = try deploy()
        let first = try deployment.submit("first")
        let second = try deployment.submit("second")
        let tunnel = try deployment.tunnel()
        defer { tunnel.close() }
        // Event 1 created the first action: resuming after it replays only the second's creation.
        // Without the header the server would take this for a first connect and send both.
        let feed = try FeedStream(connection: tunnel.connection, token: try deployment.sandbox.token("alice"), lastEventID: "1")
        let batch = try feed.readUntilSync()
        XCTAssertEqual(batch.types, ["action", "sync"])
        XCTAssertEqual(batch.actions.map(\.action.id), [second])
        XCTAssertFalse(batch.actions.contains { $0.action.id == first })
        XCTAssertEqual(batch.sync?.seq, 2)
    }

    // MARK: - The proxy's limits against the server's

    func testTheProxyPassesBodiesUpToTheServersLimit() throws {
        let deployment = try deploy()
        let limit = ServerConfiguration(environment: [:]).bodyLimit
        // Valid JSON of exactly the limit, not a valid submission: the server's 400 shows it got
        // there, where a proxy limit below the server's would answer 413 itself.
        let body = Array("{}".utf8) + [UInt8](repeating: UInt8(ascii: " "), count: limit - 2)
        let response = try deployment.postAction(body)
        XCTAssertEqual(response.status, 400, response.text.prefix(300).description)
        XCTAssertEqual(try response.protocolError().code, .badRequest)
    }

    /// nginx must close an idle connection to a replica before the replica does: a POST sent on
    /// one the replica is closing at that moment fails after it was sent, so nginx answers 502
    /// instead of retrying it.
    func testTheProxyClosesIdleConnectionsBeforeTheReplicasDo() throws {
        let text = try NginxSite.documented().text
        guard let match = text.firstMatch(of: /keepalive_timeout (\d+)s;/), let seconds = Double(match.1) else {
            return XCTFail("\(NginxSite.documentPath) sets no keepalive_timeout in seconds")
        }
        XCTAssertLessThan(seconds, ServerConfiguration(environment: [:]).idleTimeout)
    }

    // MARK: - A replica down

    func testAStoppedReplicaIsSkipped() throws {
        // The stopped replica is first in the upstream: nginx's first pick.
        let stopped = try Sandbox(self).startServer()
        try stopped.stop()
        let deployment = try deploy(replicasBefore: [stopped.port])
        for n in 1...4 {
            let response = try deployment.postAction(Fixtures.json(Fixtures.request(summary: "submission \(n)")))
            XCTAssertEqual(response.status, 201, "submission \(n) answered by the running replica: \(response.text)")
        }
        let log = deployment.nginx.errorLog
        XCTAssertTrue(log.contains("Connection refused) while connecting to upstream"), "nginx tried the stopped replica first: \(log)")
        XCTAssertTrue(log.contains("upstream server temporarily disabled"), "and took it out of rotation (max_fails): \(log)")
        XCTAssertEqual(try deployment.actions().count, 4, "each submission made once")
    }

    func testAPostThatReachedAReplicaIsNotSentToAnother() throws {
        // A replica that dies once it has the request: nginx cannot know whether it acted on it.
        let dying = try FakeFeedServer(self) { _, _ in }
        let deployment = try deploy(replicasBefore: [dying.port])
        let response = try deployment.postAction(Fixtures.json(Fixtures.request(summary: "sent once")))
        XCTAssertEqual(response.status, 502, "the failure is the client's to retry (with an Idempotency-Key): \(response.text)")
        XCTAssertEqual(dying.heads.count, 1)
        XCTAssertTrue(dying.heads.first?.hasPrefix("POST /v1/actions ") == true, "the dying replica had the POST: \(dying.heads)")
        XCTAssertEqual(try deployment.actions().count, 0, "not submitted a second time elsewhere")
    }

    /// The other side of the test above: nginx's 502 for a POST that reached a dying replica is
    /// the client's to retry, and `tollgate request` sends the submission again with the same
    /// Idempotency-Key (the server makes it once however many times it arrives).
    func testRequestSendsItsSubmissionAgainAfterTheProxysBadGateway() throws {
        let dying = try FakeFeedServer(self) { _, _ in }
        let deployment = try deploy(replicasBefore: [dying.port])
        let id = try deployment.submit("sent again")
        XCTAssertEqual(dying.heads.count, 1)
        let key = try XCTUnwrap(Self.header("idempotency-key", in: dying.heads.first ?? ""), "the dying replica had the POST: \(dying.heads)")
        XCTAssertEqual(deployment.nginx.accessLog.map(\.status), [502, 201], "nginx answered the first try itself")
        XCTAssertEqual(try deployment.actions().map(\.id), [id], "made once")
        let stored = try deployment.sandbox.ledgerTables.rows("SELECT key, action_id FROM idempotency")
        XCTAssertEqual(stored, ["\(key)|\(id)"], "the second try carried the first's key")
    }

    /// The value of header `name` in a request head, nil when absent.
    private static func header(_ name: String, in head: String) -> String? {
        head.split(separator: "\r\n").lazy.compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == name else { return nil }
            return parts[1].trimmingCharacters(in: .whitespaces)
        }.first
    }

    // MARK: - Two replicas on PostgreSQL

    func testTwoReplicasOnOneDatabaseServeTheClientsThroughTheProxy() throws {
        let deployment = try deployTwoReplicas()
        let sandbox = deployment.sandbox
        let watch = try Spawned(["watch"] + deployment.options(as: "audrey"), in: sandbox.directory)
        try eventually("watch is live through nginx") { watch.stderr.contains("live at seq") }
        let requests = try (1...4).map { n in
            try Spawned(
                ["request", "--kind", "deploy.proxy", "--summary", "replicated \(n)", "--risk", "low", "--wait"] + deployment.options(as: "agent-1"),
                in: sandbox.directory)
        }
        for request in requests {
            try eventually("request printed its id") { request.stdout.hasSuffix("\n") || !request.process.isRunning }
            let id = request.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !id.isEmpty else { return XCTFail("request through nginx failed: \(request.stderr)") }
            try eventually("watch shows \(id)") { watch.stdout.contains(id) }
            let approve = try TollgateBinary.run(
                ["approve", id, "--db", sandbox.historyPath("alice")] + deployment.options(as: "alice"), in: sandbox.directory)
            XCTAssertEqual(approve.status, 0, approve.stderr)
        }
        for request in requests { XCTAssertEqual(try request.wait(), 0, "request --wait saw the approval: \(request.stderr)") }
        let ids = Set(requests.map { $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines) })
        try eventually("watch shows every approval") { Set(try Self.shown(watch).filter { $0.status == .approved }.map(\.id)) == ids }

        // Round-robin over both: each replica answered some of the clients' requests.
        let answered = deployment.nginx.accessLog
        for replica in deployment.replicas {
            let address = "127.0.0.1:\(replica.port)"
            XCTAssertTrue(answered.contains { $0.replicas == [address] }, "nginx sent requests to \(address): \(answered)")
            XCTAssertTrue(
                replica.stderrText.contains(" POST /v1/actions"), "the replica on \(replica.port) took submissions or decisions:\n\(replica.stderrText)")
        }
    }

    func testClientsKeepWorkingWhenTheFeedsReplicaStops() throws {
        try assertClientsKeepWorking(whenTheFeedsReplica: "is stopped (SIGTERM)") { replica in
            XCTAssertEqual(try replica.stop(), 0, "a clean stop")
        }
    }

    func testClientsKeepWorkingWhenTheFeedsReplicaIsKilled() throws {
        try assertClientsKeepWorking(whenTheFeedsReplica: "is killed (SIGKILL)") { replica in replica.kill() }
    }

    /// Two replicas behind nginx, `watch` on one of them and two agents submitting with
    /// `request --wait` while an approver approves each with `approve`, all through the proxy;
    /// then `fault` strikes the replica the feed is on, and the clients go on. Every command must
    /// end as if nothing happened, the feed must resume on the other replica with every action
    /// the agents were acknowledged (none missing, no reset, nothing else), and the proxy may
    /// answer a client in a replica's place only where the documented site says it must: a POST
    /// the struck replica had taken, which the client sends again.
    private func assertClientsKeepWorking(whenTheFeedsReplica fault: String, _ strike: (ServerProcess) throws -> Void) throws {
        let deployment = try deployTwoReplicas()
        let sandbox = deployment.sandbox
        let watch = try Spawned(["watch"] + deployment.options(as: "audrey"), in: sandbox.directory)
        try eventually("watch is live through nginx") { watch.stderr.contains("live at seq") }
        let (struck, survivor) = try deployment.feedReplica()

        let crew = CommandLineCrew(self, directory: sandbox.directory)
        for agent in ["agent-1", "agent-2"] { crew.addAgent(agent, options: try deployment.options(as: agent)) }
        crew.addApprover(options: ["--db", sandbox.historyPath("alice")] + (try deployment.options(as: "alice")))
        try eventually(timeout: 120, "the crew's first requests are approved", { crew.report }) { crew.ended(since: 0) >= 4 }
        let mark = crew.requests.count
        try strike(struck)
        try eventually(timeout: 120, "requests made after the replica \(fault) are approved", { crew.report }) { crew.ended(since: mark) >= 4 }
        try crew.finish()

        let requests = crew.requests
        for request in requests {
            XCTAssertEqual(request.status, 0, "\(request.agent)'s request --wait \(request.id ?? "(no id)") ended approved: \(request.stderr)")
        }
        // Every approve recorded its decision, but for one whose POST the struck replica had
        // taken: nginx answers 502 rather than send it to another, approve keeps it in its
        // outbox (status 2), and the next approve sends it first (and finds it decided: 1).
        let approvals = crew.approvals
        for approval in approvals where approval.status != 0 {
            XCTAssertTrue(approval.keptInOutbox || approval.status == 1 && approval.sentFromOutbox, "approve \(approval.id): \(approval.stderr)")
        }
        for kept in approvals where kept.keptInOutbox {
            XCTAssertTrue(approvals.contains { $0.id == kept.id && $0.sentFromOutbox }, "\(kept.id)'s decision was sent from the outbox")
        }
        let acknowledged = Set(requests.compactMap(\.id))
        XCTAssertEqual(acknowledged.count, requests.count, "every request was acknowledged, once")
        try eventually("watch shows every acknowledged action approved") {
            Set(try Self.shown(watch).filter { $0.status == .approved }.map(\.id)) == acknowledged
        }
        XCTAssertEqual(Set(try Self.shown(watch).map(\.id)), acknowledged, "the feed showed nothing but the acknowledged actions")
        XCTAssertFalse(watch.stderr.contains(Self.resetSaid), "the feed resumed where it was, without a reset: \(watch.stderr)")
        XCTAssertTrue(survivor.stderrText.contains(Self.feedConnected), "the feed reconnected to the other replica")

        // nginx tried the struck replica for some request after the fault and moved on, and
        // answered a client itself (502) only for a POST the struck replica had taken, which
        // the client sent again (request under its Idempotency-Key, approve from its outbox).
        let answered = deployment.nginx.accessLog
        let struckAddress = "127.0.0.1:\(struck.port)"
        XCTAssertTrue(
            answered.contains { $0.replicas.count > 1 && $0.replicas.first == struckAddress }, "a request moved on from \(struckAddress): \(answered)")
        XCTAssertTrue(deployment.nginx.errorLog.contains("upstream: \"http://\(struckAddress)/"), "nginx said why it left \(struckAddress)")
        for failed in answered where failed.status >= 500 {
            let taken = failed.line.hasPrefix("POST ") && failed.replicas == [struckAddress] && failed.replicaConnectTimes != ["-"]
            XCTAssertTrue(taken, "the proxy's own failure reached a client for a request it could have sent elsewhere: \(failed)")
        }
    }

    /// A replica that has not read from the database yet what the feed showed the client on
    /// another: the client's resume through the proxy waits there for those events, where a
    /// replica that took the position for one it never issued would reset the client.
    func testTheFeedResumesThroughTheProxyOnAReplicaThatIsBehind() throws {
        let deployment = try deployTwoReplicas()
        let sandbox = deployment.sandbox
        let watch = try Spawned(["watch"] + deployment.options(as: "audrey"), in: sandbox.directory)
        try eventually("watch is live through nginx") { watch.stderr.contains("live at seq") }
        let (feed, behind) = try deployment.feedReplica()
        behind.suspend()
        let agent = try sandbox.client(feed, as: "agent-1")
        let ids = try (1...2).map { n in try agent.submit(Fixtures.request(summary: "while the other replica is frozen \(n)")).id }
        try eventually("watch shows both") { try Self.shown(watch).map(\.id) == ids }
        XCTAssertEqual(try feed.stop(), 0)
        // The watch reconnects through nginx to the one replica left, which is frozen; and once
        // thawed it cannot read the events table until the watch's resume has reached it.
        let lock = try TableLock("events", in: try XCTUnwrap(sandbox.database), directory: sandbox.directory)
        try eventually(timeout: 60, "the watch's resume waits in the frozen replica's socket") {
            try ReceiveQueue.bytesWaiting(atPort: behind.port) > 0
        }
        behind.resume()
        try eventually("the replica read the watch's resume") { try ReceiveQueue.bytesWaiting(atPort: behind.port) == 0 }
        try lock.release()
        try eventually("the watch is live again") { watch.stderr.components(separatedBy: "live at seq").count == 3 }
        XCTAssertFalse(watch.stderr.contains(Self.resetSaid), "resumed where it was: \(watch.stderr)")
        XCTAssertTrue(watch.stderr.contains("live at seq \(try Self.lastSequence(sandbox))"), watch.stderr)
        XCTAssertEqual(try Self.shown(watch).map(\.id), ids, "each action shown once")
    }

    /// The last event's sequence number in the ledger.
    private static func lastSequence(_ sandbox: Sandbox) throws -> String {
        try sandbox.ledgerTables.rows("SELECT max(seq) FROM events").joined()
    }

    /// What `watch` says when the server resets its feed.
    private static let resetSaid = "reset by the server"

    /// What a replica logs when a feed connects to it.
    private static let feedConnected = " GET /v1/feed 200 "

    /// The actions `watch` printed, one per JSON line, in order.
    private static func shown(_ watch: Spawned) throws -> [Action] {
        try watch.stdout.split(separator: "\n").map { try JSONDecoder().decode(Action.self, from: Data($0.utf8)) }
    }
}
