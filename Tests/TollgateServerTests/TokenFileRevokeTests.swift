import Foundation
import TollgateCore
import XCTest

@testable import TollgateServer

/// `tollgate token revoke`'s edit of the text: every table of the identity goes, with the
/// comments written above it, and every other byte stays.
final class TokenFileRevokeTests: XCTestCase {
    private static func hash(_ c: Character) -> String { String(repeating: c, count: 64) }

    /// Two tokens of alice apart from each other, comments everywhere, odd spacing kept.
    private static let file = """
        # Tollgate tokens: one [[principals]] table per token.
        # Keep this file 0600.

        # alice's laptop
        [[principals]]
        id = "alice@example.com"
        roles = ["approver"]
        token_sha256 = "\(hash("a"))"

        [[principals]]   # the CI runner
        id   =   "ci"
        roles = ["agent"]   # submits only
        kind = "pipeline"
        token_sha256 = "\(hash("b"))"
        # (rotated monthly)

        # alice's phone
        # (second token)
        [[principals]]
        id = "alice@example.com"
        roles = ["approver"]
        token_sha256 = "\(hash("c"))"

        [[principals]]
        id = "bob"
        roles = ["approver", "auditor"]
        groups = ["ops"]
        token_sha256 = "\(hash("d"))"

        """

    func testEveryTableOfTheIdentityGoesInAnySpellingAndTheRestStaysByteForByte() throws {
        // A file holds one spelling per identity (the parser refuses two), so the id asked for
        // is the other spelling: case and a trailing dot.
        let text = Self.file
        let (revoked, removed) = try TokenFile.removing(id: "ALICE@example.com.", from: text, file: "tokens.toml")
        XCTAssertEqual(removed, 2)
        XCTAssertEqual(
            revoked,
            """
            # Tollgate tokens: one [[principals]] table per token.
            # Keep this file 0600.

            [[principals]]   # the CI runner
            id   =   "ci"
            roles = ["agent"]   # submits only
            kind = "pipeline"
            token_sha256 = "\(Self.hash("b"))"
            # (rotated monthly)

            [[principals]]
            id = "bob"
            roles = ["approver", "auditor"]
            groups = ["ops"]
            token_sha256 = "\(Self.hash("d"))"

            """)
        XCTAssertEqual(try TokenRegistry.parse(revoked, file: "tokens.toml").entries.map(\.principal.id), ["ci", "bob"])
    }

    func testRemovingTheLastTableTakesTheBlankLinesBeforeIt() throws {
        let text = Self.file
        let (revoked, removed) = try TokenFile.removing(id: "bob", from: text, file: "tokens.toml")
        XCTAssertEqual(removed, 1)
        XCTAssertTrue(revoked.hasSuffix("token_sha256 = \"\(Self.hash("c"))\"\n"), revoked)
        XCTAssertEqual(String(text.prefix(revoked.utf8.count)), revoked, "everything before bob's table is as it was")
    }

    func testWindowsLineEndsAreKept() throws {
        let text =
            "# crlf\r\n\r\n[[principals]]\r\nid = \"a\"\r\nroles = [\"agent\"]\r\ntoken_sha256 = \"\(Self.hash("a"))\"\r\n\r\n"
            + "[[principals]]\r\nid = \"b\"\r\nroles = [\"agent\"]\r\ntoken_sha256 = \"\(Self.hash("b"))\"\r\n"
        let (revoked, _) = try TokenFile.removing(id: "a", from: text, file: "tokens.toml")
        XCTAssertEqual(revoked, "# crlf\r\n\r\n[[principals]]\r\nid = \"b\"\r\nroles = [\"agent\"]\r\ntoken_sha256 = \"\(Self.hash("b"))\"\r\n")
    }

    func testAnUnknownIdChangesNothing() throws {
        let text = Self.file
        let (same, removed) = try TokenFile.removing(id: "carol", from: text, file: "tokens.toml")
        XCTAssertEqual(removed, 0)
        XCTAssertEqual(same, text)
    }

    func testABrokenFileIsRefusedNamingItsLine() {
        XCTAssertThrowsError(try TokenFile.removing(id: "a", from: "[[principals]]\nid = \"a\"\nroles = [\"root\"]\n", file: "tokens.toml")) { error in
            XCTAssertEqual((error as? ConfigError)?.line, 3)
        }
    }

    // MARK: - On disk

    func testRevokeRewritesTheFileOwnerOnlyAndRefusesToWriteABrokenOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-revoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tokens.toml").path
        let text = Self.file
        try OwnerOnlyFile.write(text, to: path)
        XCTAssertEqual(chmod(path, 0o400), 0)  // owner-only and read-only: still readable

        XCTAssertEqual(try TokenFile.revoke(path: path, id: "ci"), 1)
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertEqual(try TokenFile.list(path: path).map(\.principal.id), ["alice@example.com", "alice@example.com", "bob"])

        XCTAssertEqual(try TokenFile.revoke(path: path, id: "nobody"), 0)
        let broken = "[[principals]]\nid = \"bob\"\nroles = [\"root\"]\ntoken_sha256 = \"\(Self.hash("d"))\"\n"
        try OwnerOnlyFile.write(broken, to: path)
        XCTAssertThrowsError(try TokenFile.revoke(path: path, id: "bob"))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), broken, "a broken file is left as it was")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["tokens.toml"], "no temporary file is left")
    }
}
