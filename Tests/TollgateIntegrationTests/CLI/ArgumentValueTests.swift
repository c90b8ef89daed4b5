import Foundation
import TollgateCore
import XCTest

/// Options that take one of a fixed set of words (risk, status, role, requester kind) are parsed
/// by argument-parser: every wrong spelling is refused before anything is sent or written, with
/// one line naming the option and the allowed words, and exit 2 as every usage error.
final class ArgumentValueTests: XCTestCase {
    /// The first line of stderr when argument-parser refuses `value` for `option`.
    private func assertRefused(
        _ run: TollgateBinary.Run, value: String, option: String, allowed: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(run.status, 2, "exit 2: \(run.stderr)", file: file, line: line)
        XCTAssertEqual(run.stdout, "", "nothing printed on stdout", file: file, line: line)
        let first = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        XCTAssertEqual(
            first, "Error: The value '\(value)' is invalid for '\(option)'. Please provide one of \(allowed).",
            "one line says what and where: \(run.stderr)", file: file, line: line)
    }

    func testEveryWrongSpellingOfAnEnumOptionIsRefusedAndNothingIsSubmitted() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let connection = try sandbox.connection(server, as: "agent-1")
        let risks = "'low', 'medium', 'high' or 'critical'"
        let spellings: [([String], String)] = [
            (["--risk", "extreme"], "extreme"), (["--risk=extreme"], "extreme"), (["--risk", "High"], "High"), (["--risk", "CRITICAL"], "CRITICAL"),
            (["--risk", ""], ""), (["--risk", "medium "], "medium "), (["--risk", " low"], " low"), (["--risk", "1"], "1"),
            (["--risk", "hïgh"], "hïgh"), (["--risk", "critical,high"], "critical,high"),
        ]
        for (index, (option, value)) in spellings.enumerated() {
            let run = try TollgateBinary.run(
                ["request", "--kind", "cli.args", "--summary", "refused spelling \(index)"] + option + connection,
                in: sandbox.directory)
            assertRefused(run, value: value, option: "--risk <risk>", allowed: risks)
        }
        let pending = try sandbox.client(server, as: "alice").get("/v1/actions?status=pending")
        XCTAssertEqual(pending.status, 200, pending.text)
        XCTAssertFalse(pending.text.contains("refused spelling"), "no refused request reached the server")

        let accepted = try TollgateBinary.run(
            ["request", "--kind", "cli.args", "--summary", "accepted", "--risk=critical"] + connection, in: sandbox.directory)
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        let id = accepted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try sandbox.client(server, as: "alice").action(id).risk, .critical, "a valid spelling still gets through")
    }

    func testHistoryFiltersRefuseUnknownStatusesAndRisks() throws {
        let sandbox = try Sandbox(self)
        let history = sandbox.historyPath("alice")
        let statuses = "'pending', 'approved', 'denied', 'expired' or 'cancelled'"
        for (option, value, name, allowed) in [
            (["--status", "done"], "done", "--status <status>", statuses), (["--status=Pending"], "Pending", "--status <status>", statuses),
            (["--status", "approved", "--status", "rejected"], "rejected", "--status <status>", statuses),
            (["--risk", "severe"], "severe", "--risk <risk>", "'low', 'medium', 'high' or 'critical'"),
        ] {
            let run = try TollgateBinary.run(["history", "--db", history] + option, in: sandbox.directory)
            assertRefused(run, value: value, option: name, allowed: allowed)
        }
        let valid = try TollgateBinary.run(["history", "--db", history, "--status", "denied", "--risk", "high", "--format", "csv"], in: sandbox.directory)
        XCTAssertEqual(valid.status, 0, valid.stderr)
    }

    func testTokenAddRefusesUnknownRolesAndKindsWithoutWritingTheFile() throws {
        let sandbox = try Sandbox(self)
        let file = sandbox.directory.appendingPathComponent("new-tokens.toml").path
        let roles = "'agent', 'approver', 'auditor' or 'breakglass'"
        for (option, value, name, allowed) in [
            (["--role", "wizard"], "wizard", "--role <role>", roles), (["--role=Approver"], "Approver", "--role <role>", roles),
            (["--role", "agent", "--role", "admin"], "admin", "--role <role>", roles),
            (["--role", "agent", "--kind", "robot"], "robot", "--kind <kind>", "'agent', 'pipeline' or 'human'"),
            (["--role", "agent", "--kind", "Human"], "Human", "--kind <kind>", "'agent', 'pipeline' or 'human'"),
        ] {
            let run = try TollgateBinary.run(["token", "add", "--file", file, "--id", "new@example.com"] + option, in: sandbox.directory)
            assertRefused(run, value: value, option: name, allowed: allowed)
            XCTAssertFalse(FileManager.default.fileExists(atPath: file), "\(option): no tokens file is written")
        }
        let made = try TollgateBinary.run(
            ["token", "add", "--file", file, "--id", "new@example.com", "--role", "approver", "--role", "auditor", "--kind", "human"],
            in: sandbox.directory)
        XCTAssertEqual(made.status, 0, made.stderr)
        let written = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(written.contains("\"approver\", \"auditor\""), written)
        XCTAssertTrue(written.contains("kind = \"human\""), written)
    }

    func testServeRefusesAnUnknownLogLevelInOneLine() throws {
        let sandbox = try Sandbox(self)
        let run = try TollgateBinary.run(
            ["serve", "--listen", "127.0.0.1:0", "--tokens", sandbox.tokensPath, "--db", sandbox.databasePath, "--log-level", "loud"],
            in: sandbox.directory)
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertEqual(run.stderr, "tollgate: --log-level: unknown level \"loud\"; expected trace, debug, info, notice, warning, error or critical\n")
    }
}
