import Foundation
import TollgateCore
import TollgateServer
import XCTest

/// The deployment the docs show, run for real: Debian's nginx terminating TLS with a throwaway
/// CA in front of `tollgate serve`, configured by docs/deploy/nginx.conf itself, and the
/// `tollgate` clients and raw feeds going through it.
final class NginxTLSTests: XCTestCase {
    /// One server behind nginx, and what a test needs to reach it through the proxy.
    private struct Deployment {
        var sandbox: Sandbox
        var server: ServerProcess
        var authority: TestCertificateAuthority
        var nginx: NginxProxy

        /// The connection options of `principal` through the proxy, trusting the test CA.
        func options(as principal: String) throws -> [String] {
            try options(as: principal, caFile: authority.certificatePath)
        }

        /// The same with `caFile` as `--ca-file` (nil: none).
        func options(as principal: String, caFile: String?) throws -> [String] {
            ["--server", "https://127.0.0.1:\(nginx.port)", "--token-file", try sandbox.tokenFile(principal)]
                + (caFile.map { ["--ca-file", $0] } ?? [])
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

    /// A server with `config`, nginx in front of it (and of the replicas on `extraUpstreams`
    /// before it) with `site`.
    private func deploy(site: NginxSite? = nil, config: String = Sandbox.quietConfig, replicasBefore extraUpstreams: [Int] = []) throws -> Deployment {
        let sandbox = try Sandbox(self, config: config)
        let server = try sandbox.startServer()
        let authority = try TestCertificateAuthority(self)
        let nginx = try NginxProxy(self, upstreams: extraUpstreams + [server.port], authority: authority, site: site)
        return Deployment(sandbox: sandbox, server: server, authority: authority, nginx: nginx)
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

    func testWithoutTheCAFileClientsRefuseTheProxysCertificate() throws {
        let deployment = try deploy()
        let sandbox = deployment.sandbox
        let alice = try sandbox.client(deployment.server, as: "alice")
        let other = try TestCertificateAuthority(self, name: "Someone else's CA")
        for (caFile, what) in [(String?.none, "no --ca-file"), (other.certificatePath, "another CA's certificate")] {
            let request = try TollgateBinary.run(
                ["request", "--kind", "deploy.proxy", "--summary", "refused"] + deployment.options(as: "agent-1", caFile: caFile),
                in: sandbox.directory)
            XCTAssertEqual(request.status, 2, "\(what): the man page's status for a server that cannot be reached")
            XCTAssertTrue(request.stderr.contains("certificate"), "\(what): says why: \(request.stderr)")
        }
        XCTAssertEqual(try deployment.actions().count, 0, "nothing reached the server")

        let pending = try sandbox.client(deployment.server, as: "agent-1").submit(Fixtures.request())
        let approve = try TollgateBinary.run(
            ["approve", pending.id, "--db", sandbox.historyPath("alice")] + deployment.options(as: "alice", caFile: nil), in: sandbox.directory)
        XCTAssertEqual(approve.status, 2, "the action cannot be fetched: \(approve.stderr)")
        XCTAssertTrue(approve.stderr.contains("certificate"), approve.stderr)
        XCTAssertEqual(try alice.action(pending.id).status, .pending)

        let watch = try Spawned(["watch"] + deployment.options(as: "audrey", caFile: nil), in: sandbox.directory)
        try eventually("watch says it cannot verify the certificate") { watch.stderr.contains("certificate") }
        XCTAssertEqual(watch.stdout, "", "no action was shown from an unverified server")
        watch.kill(SIGTERM)
        XCTAssertEqual(try watch.wait(), 0, "watch keeps retrying until stopped, as the man page says")
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
}
