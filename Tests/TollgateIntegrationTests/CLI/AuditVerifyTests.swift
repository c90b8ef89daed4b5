import Foundation
import TollgateCore
import XCTest

/// `tollgate audit verify` against servers that misbehave or change: a page that does not move
/// forward is an error, not an endless loop; the cached chain belongs to the server's chain,
/// not to the URL as typed.
final class AuditVerifyTests: XCTestCase {
    /// Resolves `count` actions, so the server's audit chain has `count` records.
    private func resolve(_ count: Int, _ sandbox: Sandbox, _ server: ServerProcess, tag: String) throws {
        let agent = try sandbox.client(server, as: "agent-1")
        let alice = try sandbox.client(server, as: "alice")
        for i in 0..<count {
            let action = try agent.submit(Fixtures.request(summary: "\(tag) \(i)"))
            XCTAssertEqual(try alice.decide(action, .deny, reason: "\(tag) \(i)").status, 200)
        }
    }

    private func verify(_ sandbox: Sandbox, _ url: String, history: String) throws -> TollgateBinary.Run {
        try TollgateBinary.run(
            ["audit", "verify", "--db", history, "--server", url, "--token-file", try sandbox.tokenFile("audrey")],
            in: sandbox.directory)
    }

    func testAServerThatIgnoresAfterIsAnErrorNotAnEndlessLoop() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        try resolve(2, sandbox, server, tag: "cached by a proxy")
        let page = try sandbox.client(server, as: "audrey").get("/v1/audit?after=0").text
        XCTAssertEqual(page.split(separator: "\n").count, 2)
        // A cache in front of the server: the same two records whatever the query says.
        let proxy = try FakeFeedServer(self) { peer, _ in
            peer.write("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nContent-Length: \(page.utf8.count)\r\nConnection: close\r\n\r\n\(page)")
        }
        let run = try verify(sandbox, "http://127.0.0.1:\(proxy.port)", history: sandbox.historyPath("proxied"))
        XCTAssertEqual(run.status, 2, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains("ignores `after`"), run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "one line: \(run.stderr)")
        XCTAssertLessThanOrEqual(proxy.heads.count, 3, "the head request, the first page, the page that went nowhere")
    }

    func testEverySpellingOfTheURLSharesOneChainAndANewDatabaseIsNoticed() throws {
        let sandbox = try Sandbox(self)
        var server = try sandbox.startServer()
        let port = server.port
        let history = sandbox.historyPath("auditor")
        try resolve(2, sandbox, server, tag: "first database")

        let typed = try verify(sandbox, "http://127.0.0.1:\(port)/", history: history)
        XCTAssertEqual(typed.status, 0, typed.stdout + typed.stderr)
        XCTAssertTrue(typed.stdout.contains("intact: 2 records (2 new)"), typed.stdout)
        let respelt = try verify(sandbox, "http://localhost:\(port)", history: history)
        XCTAssertEqual(respelt.status, 0, respelt.stdout + respelt.stderr)
        XCTAssertTrue(respelt.stdout.contains("intact: 2 records (0 new)"), "the same chain, not a second one: \(respelt.stdout)")

        // Another database behind the same URL: a chain of its own, and said so.
        try server.stop()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sandbox.databasePath + suffix) }
        server = try sandbox.startServer(listen: "127.0.0.1:\(port)")
        try resolve(1, sandbox, server, tag: "second database")
        let replaced = try verify(sandbox, "http://127.0.0.1:\(port)/", history: history)
        XCTAssertEqual(replaced.status, 1, replaced.stdout + replaced.stderr)
        XCTAssertTrue(replaced.stdout.contains("intact: 1 records (1 new)"), replaced.stdout)
        XCTAssertTrue(replaced.stdout.contains("REPLACED"), replaced.stdout)
        let respeltAgain = try verify(sandbox, "http://localhost:\(port)", history: history)
        XCTAssertEqual(respeltAgain.status, 1, "the other spelling notices too: \(respeltAgain.stdout)")
        XCTAssertTrue(respeltAgain.stdout.contains("intact: 1 records (0 new)"), respeltAgain.stdout)
        let again = try verify(sandbox, "http://127.0.0.1:\(port)/", history: history)
        XCTAssertEqual(again.status, 0, "noticed once per URL, then this is the chain: \(again.stdout)")
    }
}
