import Foundation
import TollgateCore
import XCTest

/// `--context NAME` against two real servers named in config.toml: each command reaches the
/// server it names with that server's token, and `history --server` keeps them apart.
final class ContextCommandTests: XCTestCase {
    /// The two servers, with `dual` (agent and approver) the token config.toml holds for each.
    private func startFleet(twin: Bool = false) throws -> ServerFleet {
        try ServerFleet(self, principal: "dual", twin: twin)
    }

    // MARK: - approve, deny

    func testApproveWithAContextReachesThatServerOnly() throws {
        let fleet = try startFleet(twin: true)
        let twin = try XCTUnwrap(fleet.twin)
        let ambiguous = try fleet.run(["approve", twin.id])
        XCTAssertEqual(ambiguous.status, 2, ambiguous.stderr)
        XCTAssertTrue(ambiguous.stderr.contains("names 2 servers (prod, staging): pass --context NAME to choose one"), ambiguous.stderr)

        let approve = try fleet.run(["approve", "--context", "staging", twin.id])
        XCTAssertEqual(approve.status, 0, approve.stderr)
        XCTAssertEqual(try fleet.stagingSandbox.client(fleet.staging, as: "alice").action(twin.id).status, .approved)
        XCTAssertEqual(try fleet.prodSandbox.client(fleet.prod, as: "alice").action(twin.id).status, .pending, "prod's twin is untouched")
    }

    func testDenyWithAContextReachesThatServerOnly() throws {
        let fleet = try startFleet(twin: true)
        let twin = try XCTUnwrap(fleet.twin)
        let deny = try fleet.run(["deny", "--context", "prod", twin.id, "--reason", "not this week"])
        XCTAssertEqual(deny.status, 0, deny.stderr)
        let denied = try fleet.prodSandbox.client(fleet.prod, as: "alice").action(twin.id)
        XCTAssertEqual(denied.status, .denied)
        XCTAssertEqual(denied.decisions.map(\.reason), ["not this week"])
        XCTAssertEqual(try fleet.stagingSandbox.client(fleet.staging, as: "alice").action(twin.id).status, .pending, "staging's twin is untouched")

        let unknown = try fleet.run(["deny", "--context", "qa", twin.id, "--reason", "no"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertEqual(unknown.stderr.split(separator: "\n").count, 1, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("--context: no server is named \"qa\""), unknown.stderr)
        XCTAssertTrue(unknown.stderr.hasSuffix("its servers are prod, staging\n"), unknown.stderr)
    }

    // MARK: - watch, request

    func testWatchWithAContextPrintsThatServersActions() throws {
        let fleet = try startFleet()
        let onProd = try fleet.prodSandbox.client(fleet.prod, as: "agent-1").submit(Fixtures.request(summary: "on prod"))
        let onStaging = try fleet.stagingSandbox.client(fleet.staging, as: "agent-1").submit(Fixtures.request(summary: "on staging"))
        for (context, expected) in [("staging", onStaging), ("prod", onProd)] {
            let watch = try fleet.run(["watch", "--once", "--context", context])
            XCTAssertEqual(watch.status, 0, watch.stderr)
            let printed = try watch.stdout.split(separator: "\n").map { try JSONDecoder().decode(Action.self, from: Data($0.utf8)) }
            XCTAssertEqual(printed.map(\.id), [expected.id], context)
            XCTAssertEqual(printed.map(\.summary), [expected.summary], context)
        }
    }

    /// request's --context also takes the action's key=value pairs: a value without = is the server.
    func testRequestWithAContextFilesOnThatServer() throws {
        let fleet = try startFleet()
        let request = try fleet.run([
            "request", "--context", "ticket=OPS-1", "--context", "staging", "--kind", "infra.apply", "--summary", "apply on staging",
            "--context", "rows=5",
        ])
        XCTAssertEqual(request.status, 0, request.stderr)
        let id = request.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let filed = try fleet.stagingSandbox.client(fleet.staging, as: "alice").action(id)
        XCTAssertEqual(filed.summary, "apply on staging")
        XCTAssertEqual(filed.context, [ContextEntry(key: "ticket", value: "OPS-1"), ContextEntry(key: "rows", value: "5")])
        XCTAssertEqual(try fleet.prodSandbox.client(fleet.prod, as: "alice").get("/v1/actions/\(id)").status, 404, "prod never heard of it")

        let both = try fleet.run(["request", "--context", "prod", "--server", fleet.prodURL, "--kind", "a.b", "--summary", "s"])
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.contains("--context and --server contradict each other"), both.stderr)
        let forgotten = try fleet.run(["request", "--context", "rows", "--kind", "a.b", "--summary", "s"])
        XCTAssertEqual(forgotten.status, 2)
        XCTAssertTrue(
            forgotten.stderr.hasSuffix("its servers are prod, staging (an action's context pair is key=value)\n"), forgotten.stderr)
        let two = try fleet.run(["request", "--context", "prod", "--context", "staging", "--kind", "a.b", "--summary", "s"])
        XCTAssertEqual(two.status, 2)
        XCTAssertTrue(two.stderr.contains("at most one server name, got 2 names"), two.stderr)
    }

    // MARK: - history --server

    func testHistoryServerListsOnlyThatServerWithItsName() throws {
        let fleet = try startFleet(twin: true)
        let twin = try XCTUnwrap(fleet.twin)
        XCTAssertEqual(try fleet.run(["approve", "--context", "staging", twin.id, "--reason", "fine on staging"]).status, 0)
        XCTAssertEqual(try fleet.run(["deny", "--context", "prod", twin.id, "--reason", "not on prod"]).status, 0)

        let everything = try fleet.run(["history", "--format", "jsonl"])
        XCTAssertEqual(everything.status, 0, everything.stderr)
        XCTAssertEqual(
            Set(try jsonl(everything.stdout).map { "\($0.server) \($0.status.rawValue)" }), ["\(fleet.prodURL) denied", "\(fleet.stagingURL) approved"])

        for name in ["staging", "STAGING", fleet.stagingURL] {
            let rows = try fleet.run(["history", "--server", name, "--format", "jsonl"])
            XCTAssertEqual(rows.status, 0, rows.stderr)
            let found = try jsonl(rows.stdout)
            XCTAssertEqual(found.map(\.server), [fleet.stagingURL], name)
            XCTAssertEqual(found.map(\.status), [.approved], name)
            XCTAssertEqual(found.map(\.id), [twin.id], name)
        }

        let table = try fleet.run(["history", "--server", "prod"])
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, table.stdout)
        XCTAssertEqual(lines.first?.split(separator: " ").prefix(4), ["CREATED", "SERVER", "STATUS", "RISK"])
        XCTAssertEqual(lines.last?.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).prefix(2), ["prod", "denied"])

        let detail = try fleet.run(["history", "--server", "staging", "--format", "detail"])
        XCTAssertEqual(detail.stdout.split(separator: "\n").dropFirst().first, "  server: staging (\(fleet.stagingURL))", detail.stdout)

        let csv = try fleet.run(["history", "--server", "prod", "--format", "csv"])
        XCTAssertEqual(csv.stdout.split(separator: "\r\n").dropFirst().map { String($0.prefix { $0 != "," }) }, [fleet.prodURL])

        let unknown = try fleet.run(["history", "--server", "qa"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertEqual(
            unknown.stderr,
            "tollgate: --server qa: neither a [[servers]] name of config.toml nor a server URL the cache holds "
                + "(there are prod, staging, \(fleet.stagingURL), \(fleet.prodURL))\n")
    }

    /// `history` reads the cache offline: a config.toml it cannot read only costs the servers'
    /// names (a warning), unless `--server` needs a name from it.
    func testHistoryGoesOnWithABrokenConfigUnlessServerNeedsIt() throws {
        let fleet = try startFleet()
        let action = try fleet.stagingSandbox.client(fleet.staging, as: "agent-1").submit(Fixtures.request(summary: "Resize search"))
        XCTAssertEqual(try fleet.run(["approve", "--context", "staging", action.id]).status, 0)
        let config = fleet.home.appendingPathComponent("config/tollgate/config.toml")
        try Data("[[servers]]\nname = \"prod\"\nurl = 42\n".utf8).write(to: config)

        let table = try fleet.run(["history"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stderr.hasPrefix("tollgate: warning: "), table.stderr)
        XCTAssertTrue(table.stderr.contains("servers are named by their host"), table.stderr)
        XCTAssertTrue(table.stdout.contains("127.0.0.1:\(fleet.staging.port)"), "named by host and port:\n\(table.stdout)")
        XCTAssertTrue(table.stdout.contains("approved"), table.stdout)

        let named = try fleet.run(["history", "--server", "staging"])
        XCTAssertEqual(named.status, 2, named.stdout)
        XCTAssertTrue(named.stderr.contains("config.toml"), named.stderr)
    }

    /// A jsonl row of `history`: the action object's fields and its server's URL.
    private struct Row {
        var server: String
        var status: ActionStatus
        var id: String
    }

    /// The jsonl rows of `text`.
    private func jsonl(_ text: String) throws -> [Row] {
        struct Server: Decodable { var server: String }
        return try text.split(separator: "\n").map { line in
            let data = Data(line.utf8)
            let action = try JSONDecoder().decode(Action.self, from: data)
            return Row(server: try JSONDecoder().decode(Server.self, from: data).server, status: action.status, id: action.id)
        }
    }
}
