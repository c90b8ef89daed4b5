import Foundation
import XCTest

@_spi(Testing) @testable import TollgateCore

/// `Identity`: one principal under every spelling an agent can put in `on_behalf_of`, through
/// the comparison itself and every rule that uses it (self-approval, already decided, the
/// quorum's distinct approvers, cancelling). The spellings are `IdentitySpellings`, which the
/// console's and the server's tests attack with too.
final class IdentityTests: XCTestCase {
    static func spellings(of id: String) -> [String] { IdentitySpellings.of(id) }
    static let formPairs = IdentitySpellings.forms

    func testEverySpellingIsTheSameIdentity() {
        for id in ["alice", "alice@example.com", "Bob.Smith", "ci-runner_7"] {
            for spelling in Self.spellings(of: id) {
                XCTAssertTrue(Identity.same(id, spelling), "\(spelling.debugDescription) names \(id)")
                XCTAssertTrue(Identity.same(spelling, id), "symmetric: \(spelling.debugDescription)")
                XCTAssertEqual(Identity.key(spelling), Identity.key(id), spelling.debugDescription)
            }
        }
        for (id, spelling) in Self.formPairs {
            XCTAssertTrue(Identity.same(id, spelling), "\(spelling.debugDescription) names \(id)")
        }
    }

    func testDifferentPeopleStayDifferent() {
        let distinct = ["alice", "alicia", "alice2", "bob", "al1ce", "alice@example.com", "alice@example.org", "zoe", "fi", "alice-ops", ".alice"]
        for (i, a) in distinct.enumerated() {
            for b in distinct[(i + 1)...] { XCTAssertFalse(Identity.same(a, b), "\(a) and \(b) are two people") }
        }
        XCTAssertFalse(Identity.same("zoë", "zoe"), "a letter with an accent is another letter")
    }

    func testIdsMayNotHoldWhatComparisonIgnores() {
        for good in ["alice", "alice@example.com", "Zoë", "deploy-bot", "ci.runner", "ｆｕｌｌ", "\u{FB01}ona", "alice."] {
            XCTAssertNil(Identity.problem(in: good), good)
        }
        let bad: [(String, String)] = [
            ("", "must not be empty"), ("al ice", "white space (U+0020)"), (" alice", "white space (U+0020)"),
            ("alice\t", "white space (U+0009)"), ("alice\u{00A0}", "white space (U+00A0)"), ("alice\u{3000}", "white space (U+3000)"),
            ("alice\n", "white space (U+000A)"), ("ali\u{0}ce", "a control character (U+0000)"), ("alice\u{1B}", "a control character (U+001B)"),
            ("alice\u{7F}", "a control character (U+007F)"), ("alice\u{85}", "white space (U+0085)"),
            ("ali\u{200B}ce", "invisible (default-ignorable) character (U+200B)"), ("ali\u{200C}ce", "(U+200C)"), ("ali\u{200D}ce", "(U+200D)"),
            ("al\u{00AD}ice", "(U+00AD)"), ("\u{FEFF}alice", "(U+FEFF)"), ("alice\u{FE0F}", "(U+FE0F)"), ("alice\u{E0100}", "(U+E0100)"),
            ("ali\u{2060}ce", "(U+2060)"), ("ali\u{180E}ce", "(U+180E)"), ("..", "more than dots"),
        ]
        for (id, expected) in bad {
            let problem = Identity.problem(in: id)
            XCTAssertTrue(problem?.contains(expected) == true, "\(id.debugDescription): \(problem ?? "accepted")")
        }
        // Messages show what the comparison ignores, since it cannot be seen.
        XCTAssertEqual(Identity.quoted("ali\u{200B}ce\u{00A0}\"\n"), #""ali\u{200B}ce\u{A0}\u{22}\u{A}""#)
        XCTAssertEqual(Identity.quoted("zoë"), "\"zoë\"")
        // Two encodings of one letter are two spellings, though Swift's `==` calls them equal.
        XCTAssertFalse(Identity.identical("zoë", "zoe\u{0308}"))
        XCTAssertTrue(Identity.same("zoë", "zoe\u{0308}"))
    }

    // MARK: - The rules that compare ids

    func testNoSpellingOfTheOneItIsDoneForMayDecideIt() throws {
        for (id, spellings) in [("alice", Self.spellings(of: "alice"))] + Self.formPairs.map({ ($0.id, [$0.spelling]) }) {
            let approver = Principal(id: id, roles: [.approver])
            for spelling in spellings {
                let action = Self.action(onBehalfOf: spelling)
                XCTAssertTrue(action.isRequested(by: id), spelling.debugDescription)
                XCTAssertTrue(Requester.names(id, id: "agent-1", onBehalfOf: spelling), spelling.debugDescription)
                for verdict in Verdict.allCases {
                    XCTAssertThrowsError(
                        try DecisionRules.decide(action, by: approver, DecisionRequest(verdict: verdict, reason: "mine", digest: action.digest), at: Self.now)
                    ) {
                        XCTAssertEqual(($0 as? ProtocolError)?.code, .selfApproval, spelling.debugDescription)
                    }
                }
            }
        }
        // The requester itself, spelt otherwise by a second principal's id, is refused too.
        let byRequester = Self.action(requester: "Dual", onBehalfOf: nil)
        XCTAssertThrowsError(
            try DecisionRules.decide(
                byRequester, by: Principal(id: "dual", roles: [.approver]),
                DecisionRequest(verdict: .approve, reason: "", digest: byRequester.digest), at: Self.now))
        // Someone else may still decide.
        let decided = try DecisionRules.decide(
            Self.action(onBehalfOf: "Alice "), by: Principal(id: "bob", roles: [.approver]),
            DecisionRequest(verdict: .approve, reason: "", digest: "sha256:d"), at: Self.now)
        XCTAssertEqual(decided.status, .approved)
    }

    func testOneApproverUnderTwoSpellingsVotesOnceAndCountsOnce() throws {
        var action = Self.action(onBehalfOf: nil)
        action.requiredApprovals = 2
        let first = try DecisionRules.decide(
            action, by: Principal(id: "alice", roles: [.approver]),
            DecisionRequest(verdict: .approve, reason: "", digest: action.digest), at: Self.now)
        for spelling in Self.spellings(of: "alice") {
            XCTAssertTrue(first.hasDecision(by: spelling), spelling.debugDescription)
            XCTAssertThrowsError(
                try DecisionRules.decide(
                    first, by: Principal(id: spelling, roles: [.approver]),
                    DecisionRequest(verdict: .approve, reason: "", digest: action.digest), at: Self.now)
            ) {
                XCTAssertEqual(($0 as? ProtocolError)?.code, .alreadyDecided, spelling.debugDescription)
            }
            // A ledger written before the rule (or two tokens the file should not have had) still counts one person once.
            var twice = first
            twice.decisions.append(Decision(approver: spelling, verdict: .approve, reason: "", at: Self.now, digest: action.digest))
            XCTAssertEqual(twice.approvalCount, 1, spelling.debugDescription)
        }
        var two = first
        two.decisions.append(Decision(approver: "bob", verdict: .approve, reason: "", at: Self.now, digest: action.digest))
        XCTAssertEqual(two.approvalCount, 2)
    }

    func testTheRequesterCancelsUnderItsIdAndNoOneElseDoes() throws {
        let action = Self.action(requester: "agent-1", onBehalfOf: nil)
        XCTAssertEqual(try DecisionRules.cancel(action, by: Principal(id: "Agent-1", roles: [.agent]), at: Self.now).status, .cancelled)
        XCTAssertThrowsError(try DecisionRules.cancel(action, by: Principal(id: "agent-2", roles: [.agent]), at: Self.now)) {
            XCTAssertEqual(($0 as? ProtocolError)?.code, .forbidden)
        }
    }

    // MARK: - Helpers

    static let now = Timestamp(milliseconds: 1_800_000_000_000)

    static func action(requester: String = "agent-1", onBehalfOf: String?) -> Action {
        Action(
            id: "act_1", createdAt: now, expiresAt: now.adding(seconds: 600), requester: Requester(id: requester, onBehalfOf: onBehalfOf),
            kind: "data.export", summary: "s", risk: .high, policy: Policy(id: "p", reason: "r"), digest: "sha256:d")
    }
}
