import Foundation
@_spi(Testing) import TollgateCore
import XCTest

/// No spelling of an approver's id in `on_behalf_of` lets them approve what is done for them,
/// through the real server; and the tokens file cannot hold two spellings of one identity.
final class IdentitySpellingTests: XCTestCase {
    static let principals =
        TestPrincipal.standard + [
            TestPrincipal(id: "fiona", roles: [.approver]), TestPrincipal(id: "zoë", roles: [.approver]),
            TestPrincipal(id: "strauss", roles: [.approver]), TestPrincipal(id: "alice@example.com", roles: [.approver]),
        ]

    /// Approvers of `principals`, each with a spelling of their id that names them: an action on
    /// behalf of that spelling is theirs to keep their hands off (the replica tests try them too).
    static var selfApprovalCases: [(approver: String, spelling: String)] {
        var cases: [(approver: String, spelling: String)] = []
        for id in ["alice", "alice@example.com"] { cases += IdentitySpellings.of(id).map { (id, $0) } }
        cases += IdentitySpellings.forms.filter { form in principals.contains { $0.id == form.id } }.map { ($0.id, $0.spelling) }
        return cases + [("fiona", "ＦＩＯＮＡ"), ("zoë", "ZOË.")]
    }

    func testEverySpellingOfTheOneItIsDoneForIsRefusedSelfApproval() throws {
        let sandbox = try Sandbox(self, principals: Self.principals)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        var actions: [(approver: String, spelling: String, action: Action)] = []
        for (approver, spelling) in Self.selfApprovalCases {
            let action = try agent.submit(Fixtures.request(summary: "for \(spelling.debugDescription)", onBehalfOf: spelling))
            XCTAssertEqual(action.requester.onBehalfOf, spelling, "the spelling is kept as sent, for approvers to see")
            actions.append((approver, spelling, action))
        }
        for (approver, spelling, action) in actions {
            let client = try sandbox.client(server, as: approver)
            for (verdict, reason) in [(Verdict.approve, ""), (.deny, "mine")] {
                let response = try client.decide(action, verdict, reason: reason)
                XCTAssertEqual(response.status, 403, "\(approver) \(verdict) on behalf of \(spelling.debugDescription): \(response.text)")
                XCTAssertEqual(try? response.decode(ProtocolError.self).code, .selfApproval, spelling.debugDescription)
            }
        }
        // Nothing was recorded, and someone else may still decide each one.
        let bob = try sandbox.client(server, as: "bob")
        for (_, spelling, action) in actions {
            XCTAssertEqual(try bob.action(action.id).decisions, [], spelling.debugDescription)
            XCTAssertEqual(try bob.decide(action, .approve).status, 200, spelling.debugDescription)
        }
    }

    func testTheTokensFileRefusesTwoSpellingsOfOneIdentityAndInvisibleIds() throws {
        let hash = { (n: Int) in String(repeating: String(n % 10), count: 64) }
        func file(_ ids: [String]) -> String {
            ids.enumerated().map { n, id in
                "[[principals]]\nid = \(String(decoding: try! JSONEncoder().encode(id), as: UTF8.self))\nroles = [\"approver\"]\ntoken_sha256 = \"\(hash(n))\"\n"
            }.joined(separator: "\n")
        }
        let cases: [(ids: [String], line: Int, says: String)] = [
            (["alice", "Alice"], 7, "another spelling of \"alice\" (line 2)"),
            (["alice", "bob", "alice."], 12, "another spelling of \"alice\" (line 2)"),
            (["alice@example.com", "ALICE@EXAMPLE.COM"], 7, "another spelling"),
            (["alice", "ａｌｉｃｅ"], 7, "another spelling"),
            (["fiona", "\u{FB01}ona"], 7, "another spelling"),
            (["zoë", "zoe\u{0308}"], 7, "another spelling"),
            (["ali\u{200B}ce"], 2, "invisible (default-ignorable) character (U+200B)"),
            (["alice\u{FEFF}"], 2, "(U+FEFF)"),
            (["al\u{00AD}ice"], 2, "(U+00AD)"),
            (["alice\u{00A0}"], 2, "white space (U+00A0)"),
            (["ali ce"], 2, "white space (U+0020)"),
            (["alice\t"], 2, "white space (U+0009)"),
            (["alice\u{1B}"], 2, "a control character (U+001B)"),
        ]
        for (ids, line, says) in cases {
            let sandbox = try Sandbox(self, principals: [])
            try TestFiles.create(sandbox.tokensPath, Data(file(ids).utf8), ownerOnly: true)
            let run = try TollgateBinary.run(
                [
                    "serve", "--listen", "127.0.0.1:0", "--db", sandbox.databasePath, "--tokens", sandbox.tokensPath,
                    "--config", sandbox.configPath,
                ], in: sandbox.directory, timeout: 30)
            XCTAssertNotEqual(run.status, 0, "\(ids) must stop the server")
            XCTAssertTrue(run.stderr.contains("\(sandbox.tokensPath):\(line): principals"), "\(ids): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(says), "\(ids): \(run.stderr)")
            XCTAssertFalse(run.stdout.contains("listening"))
        }
        // One id with two tokens is one principal with two tokens: still allowed.
        let sandbox = try Sandbox(self, principals: [])
        try TestFiles.create(sandbox.tokensPath, Data(file(["alice", "alice"]).utf8), ownerOnly: true)
        XCTAssertNoThrow(try sandbox.startServer())
    }

    func testTokenAddRefusesInvisibleIdsAndSpellingsOfAnExistingOne() throws {
        let sandbox = try Sandbox(self, principals: [TestPrincipal(id: "alice", roles: [.approver])])
        let before = try String(contentsOfFile: sandbox.tokensPath, encoding: .utf8)
        let cases: [(id: String, says: String)] = [
            ("ali\u{200B}ce", "token add: --id \"ali\\u{200B}ce\": must not contain an invisible (default-ignorable) character (U+200B)"),
            ("bob\u{2060}", "(U+2060)"), ("\u{FEFF}bob", "(U+FEFF)"), ("b\u{00AD}ob", "(U+00AD)"), ("bob\u{FE0F}", "(U+FE0F)"),
            ("bo b", "white space (U+0020)"), (" bob", "white space"), ("bob\t", "white space"), ("bob\u{00A0}", "white space (U+00A0)"),
            ("bob\u{7}", "a control character (U+0007)"), ("", "must not be empty"),
            ("Alice", "another spelling of \"alice\""), ("ALICE.", "another spelling"), ("ａｌｉｃｅ", "another spelling"),
        ]
        for (id, says) in cases {
            let run = try TollgateBinary.run(["token", "add", "--file", sandbox.tokensPath, "--id", id, "--role", "approver"], in: sandbox.directory)
            XCTAssertNotEqual(run.status, 0, id.debugDescription)
            XCTAssertTrue(run.stderr.contains(says), "\(id.debugDescription): \(run.stderr)")
            XCTAssertEqual(run.stderr.trimmingCharacters(in: .newlines).components(separatedBy: "\n").count, 1, "one line: \(run.stderr)")
            XCTAssertEqual(run.stdout, "", "no token for an id that was not stored")
        }
        XCTAssertEqual(try String(contentsOfFile: sandbox.tokensPath, encoding: .utf8), before, "the file is untouched")
    }
}
