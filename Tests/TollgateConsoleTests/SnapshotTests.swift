import TollgateClient
import TollgateCore
import XCTest

@testable import TollgateConsole

/// Every screen at 80x24 and 120x40, compared with golden files in Snapshots/.
///
/// Record with `RECORD_SNAPSHOTS=1 swift test --filter SnapshotTests`, then read the files.
final class SnapshotTests: XCTestCase {
    private static let sizes = [(80, 24), (120, 40)]

    private func sample() -> [Action] {
        var actions = [
            Fixture.action(
                "act-0001", risk: .critical, kind: "iam.grant", summary: "Grant admin on billing to deploy-bot",
                requester: "deploy-bot", onBehalfOf: nil, expiresIn: 45),
            Fixture.action(
                "act-0002", risk: .high, kind: "infra.apply", summary: "terraform apply: 3 to add, 1 to destroy",
                requester: "ci-pipeline", onBehalfOf: "dave@example.com", environment: "staging", createdSecondsAgo: 900,
                expiresIn: 3_000, required: 2,
                decisions: [
                    Decision(
                        approver: "erin@example.com", verdict: .approve, reason: "plan looks right", at: Fixture.now.adding(seconds: -60),
                        digest: "sha256:" + String(repeating: "ab", count: 32))
                ],
                diffs: [ActionDiff(title: "schema change", text: Fixture.diffText)]),
            Self.underRule(Fixture.action("act-0003", risk: .medium)),
            Fixture.action(
                "act-0004", risk: .low, kind: "db.query", summary: "SELECT count(*) FROM orders",
                onBehalfOf: nil, environment: nil, createdSecondsAgo: 7_200, expiresIn: 86_000),
        ]
        actions.append(Fixture.action("act-0005", risk: .high, summary: "Rotate signing key", requester: Fixture.me.id, onBehalfOf: nil, expiresIn: 4_000))
        // Submitted under server-side policy with no rule matching: the requester's values stand.
        actions[1].claimed = RequesterClaim(risk: .high, requiredApprovals: 2, ttlSeconds: 3_600, policy: actions[1].policy)
        return actions
    }

    /// `action` as the server stores it under a rule that needs one approver from security.
    private static func underRule(_ action: Action) -> Action {
        var ruled = action
        ruled.rule = AppliedRule(
            id: "prod-data-export", reason: "Exports from production need a human", risk: .medium,
            groups: [GroupMinimum(group: "security", count: 1)], maxTTLSeconds: 3_600, justificationRequired: true)
        ruled.claimed = RequesterClaim(risk: .low, requiredApprovals: 1, policy: nil)
        return ruled
    }

    /// `action` approved alone by a break-glass approver, after one ordinary approval.
    private static func brokenGlass(_ action: Action) -> Action {
        var broken = underRule(action)
        broken.requiredApprovals = 2
        broken.rule?.approvals = 2
        broken.status = .approved
        broken.resolvedAt = Fixture.now.adding(seconds: -30)
        broken.decisions = [
            Decision(approver: "erin@example.com", verdict: .approve, reason: "", at: Fixture.now.adding(seconds: -90), digest: broken.digest),
            Decision(
                approver: "dave@example.com", verdict: .approve, reason: "payments are down and security is unreachable",
                at: Fixture.now.adding(seconds: -30), digest: broken.digest, groups: ["sre"], breakGlass: true),
        ]
        return broken
    }

    private func each(_ body: (inout TestConsole) -> Void, named name: String, file: StaticString = #filePath, line: UInt = #line) {
        Snapshot.each(sample(), sizes: Self.sizes, body, named: name, file: file, line: line)
    }

    func testQueue() { each({ _ in }, named: "queue") }
    func testQueueSecondRowSelected() { each({ $0.press(.char("j")) }, named: "queue-j") }
    func testDetail() { each({ $0.press(.char("j"), .enter) }, named: "detail") }
    func testDiff() { each({ $0.press(.char("j"), .enter, .char("D"), .char("n")) }, named: "diff") }
    func testHelp() { each({ $0.press(.char("?")) }, named: "help") }
    func testSelfRequestedDetail() { each({ $0.press(.char("j"), .char("j"), .enter) }, named: "detail-own") }
    /// The rule and the claim apart, and `a` not offered to an approver outside security.
    func testDetailUnderARule() { each({ $0.press(.char("j"), .char("j"), .char("j"), .enter) }, named: "detail-rule") }
    /// A break-glass approval as the history shows it: list, then detail.
    func testBreakGlassInTheHistory() {
        each(
            { model in
                model.press(.char("H"))
                var denied = Fixture.action("old-1", risk: .low, summary: "Restart the staging API", createdSecondsAgo: 7_200)
                denied.status = .denied
                let broken = Self.brokenGlass(Fixture.action("old-0", risk: .critical, kind: "iam.grant", summary: "Grant admin on billing"))
                _ = model.update(.historyPage(generation: model.history.generation, items: [broken, denied].map(HistoryItem.init), next: nil))
            }, named: "history-break-glass")
        each(
            { model in
                model.press(.char("H"))
                let broken = Self.brokenGlass(Fixture.action("old-0", risk: .critical, kind: "iam.grant", summary: "Grant admin on billing"))
                _ = model.update(.historyPage(generation: model.history.generation, items: [broken].map(HistoryItem.init), next: nil))
                model.press(.enter)
            }, named: "detail-break-glass")
    }
    func testDenyPrompt() { each({ $0.press(.char("d")) }, named: "deny-prompt") }
    func testConfirmation() { each({ $0.press(.char("j"), .char("a")) }, named: "confirm") }
    func testCommandLine() {
        each(
            {
                $0.press(.char(":")); $0.type("filter risk=high")
            }, named: "command")
    }
    func testOutcomeOnRow() {
        each(
            { model in
                model.press(.char("j"), .char("a"), .char("y"))
                let intent = DecisionIntent(actionID: "act-0002", verdict: .approve, reason: "", digest: "")
                _ = model.update(.decisionResult(intent, .rejected(status: 410, code: .expired, message: "expired", action: nil)))
            }, named: "outcome")
    }

    func testHistory() {
        each(
            { model in
                model.press(.char("H"))
                let old = (0..<30).map { i -> Action in
                    var a = Fixture.action(String(format: "old-%03d", i), risk: Risk.allCases[i % 4], createdSecondsAgo: Double(i) * 3_600)
                    a.status = [ActionStatus.approved, .denied, .expired, .cancelled][i % 4]
                    return a
                }
                _ = model.update(.historyPage(generation: model.history.generation, items: old.map(HistoryItem.init), next: "next"))
            }, named: "history")
    }

    func testEmptyQueueAndOffline() {
        for (w, h) in Self.sizes {
            var model = TestConsole(ConsoleModel(now: Fixture.now, size: Size(width: w, height: h), server: "https://tollgate.example.com"))
            _ = model.update(.feed(.state(.offline("connect to 127.0.0.1 port 9: Connection refused")), from: .first))
            _ = model.update(.feed(.state(.reconnecting(at: Fixture.now.adding(seconds: 3), attempt: 3)), from: .first))
            Snapshot.assert(model.frame(), named: "reconnecting-\(w)x\(h)")
        }
    }

    func testOfflineHistory() {
        for (w, h) in Self.sizes {
            var model = TestConsole(ConsoleModel(now: Fixture.now, size: Size(width: w, height: h), server: nil))
            let effects = model.update(.resize(Size(width: w, height: h)))
            guard case .loadHistory(let request)? = effects.first else { return XCTFail("no first page") }
            let old = (0..<8).map { i -> Action in
                var a = Fixture.action("old-\(i)", risk: Risk.allCases[i % 4], createdSecondsAgo: Double(i) * 86_400)
                a.status = [ActionStatus.approved, .denied, .expired, .cancelled][i % 4]
                return a
            }
            _ = model.update(.historyPage(generation: request.generation, items: old.map(HistoryItem.init), next: nil))
            model.press(.char("j"), .enter)
            Snapshot.assert(model.frame(), named: "offline-detail-\(w)x\(h)")
        }
    }

    func testSplitView() {
        var model = Fixture.model(sample(), width: 160, height: 40)
        model.press(.char("j"))
        Snapshot.assert(model.frame(), named: "split-160x40")
    }

    func testAsciiOnly() {
        var model = Fixture.model(sample(), width: 80, height: 24, asciiOnly: true)
        model.press(.char("j"), .enter)
        let frame = model.frame()
        XCTAssertTrue(frame.cells.allSatisfy { $0.text.unicodeScalars.allSatisfy(\.isASCII) }, "ASCII only, borders too")
        Snapshot.assert(frame, named: "detail-ascii-80x24")
    }

    func testTooSmall() {
        var model = Fixture.model(sample(), width: 20, height: 5)
        Snapshot.assert(model.frame(), named: "queue-20x5")
        _ = model.update(.resize(Size(width: 12, height: 3)))
        Snapshot.assert(model.frame(), named: "too-small-12x3")
    }
}
