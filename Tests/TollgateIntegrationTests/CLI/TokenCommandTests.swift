import Foundation
import XCTest

/// `tollgate token list` and `tollgate token revoke` on the real binary: what they print, their
/// exit codes, and that a hash never reaches the output.
final class TokenCommandTests: XCTestCase {
    private func hashes(in text: String) -> [String] {
        let regex = try? NSRegularExpression(pattern: "[0-9a-f]{64}")
        let matches = regex?.matches(in: text, range: NSRange(text.startIndex..., in: text)) ?? []
        return matches.compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }

    func testListShowsIdRolesGroupsAndKindPerTokenAndNeverAHash() throws {
        let sandbox = try Sandbox(self)
        XCTAssertEqual(hashes(in: try String(contentsOfFile: sandbox.tokensPath, encoding: .utf8)).count, 7, "the file has the hashes")

        let plain = try TollgateBinary.run(["token", "list", "--file", sandbox.tokensPath], in: sandbox.directory)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let lines = plain.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.map { $0.split(separator: " ").first.map(String.init) ?? "" }, TestPrincipal.standard.map(\.id))
        XCTAssertTrue(lines.contains("dual  roles=agent,approver  groups=-  kind=agent"), plain.stdout)
        XCTAssertEqual(hashes(in: plain.stdout), [])

        let json = try TollgateBinary.run(["token", "list", "--file", sandbox.tokensPath, "--json"], in: sandbox.directory)
        XCTAssertEqual(json.status, 0, json.stderr)
        let objects = try json.stdout.split(separator: "\n").map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        XCTAssertEqual(objects.count, 7)
        XCTAssertEqual(Set(objects.flatMap(\.keys)), ["id", "roles", "groups", "kind"])
        XCTAssertEqual(objects.first?["roles"] as? [String], ["agent"])
        XCTAssertEqual(hashes(in: json.stdout), [])
    }

    func testRevokeRemovesThePrincipalAndAnUnknownIdExitsOneLeavingTheFileAlone() throws {
        let sandbox = try Sandbox(self)
        let revoke = try TollgateBinary.run(["token", "revoke", "--file", sandbox.tokensPath, "--id", "BOB"], in: sandbox.directory)
        XCTAssertEqual(revoke.status, 0, revoke.stderr)
        XCTAssertEqual(revoke.stdout, "removed 1 token of \"BOB\"\n")
        let before = try Data(contentsOf: URL(fileURLWithPath: sandbox.tokensPath))
        XCTAssertFalse(String(decoding: before, as: UTF8.self).contains("\"bob\""))

        let again = try TollgateBinary.run(["token", "revoke", "--file", sandbox.tokensPath, "--id", "bob"], in: sandbox.directory)
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "tollgate: token revoke: \(sandbox.tokensPath): no principal \"bob\"\n", "one line says why")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: sandbox.tokensPath)), before, "the file is left as it was")
    }
}
