import TollgateClient
import TollgateCore
import TollgateSync
import XCTest

@testable import TollgateConsole

/// Marked rows, the bulk preview and its results at 80x24 and 120x40, compared with golden
/// files in Snapshots/.
///
/// Record with `RECORD_SNAPSHOTS=1 swift test --filter BulkSnapshotTests`, then read the files.
final class BulkSnapshotTests: XCTestCase {
    private static let sizes = [(80, 24), (120, 40)]

    /// In urgency order: a critical grant, a high apply, the approver's own request, a medium
    /// export, a low query.
    private func sample() -> [Action] {
        [
            Fixture.action(
                "act-0001", risk: .critical, kind: "iam.grant", summary: "Grant admin on billing to deploy-bot",
                requester: "deploy-bot", onBehalfOf: nil, expiresIn: 45),
            Fixture.action(
                "act-0002", risk: .high, kind: "infra.apply", summary: "terraform apply: 3 to add, 1 to destroy",
                requester: "ci-pipeline", onBehalfOf: "dave@example.com", environment: "staging", createdSecondsAgo: 900,
                expiresIn: 3_000),
            Fixture.action("act-0003", risk: .high, summary: "Rotate signing key", requester: Fixture.me.id, onBehalfOf: nil, expiresIn: 4_000),
            Fixture.action("act-0004", risk: .medium),
            Fixture.action(
                "act-0005", risk: .low, kind: "db.query", summary: "SELECT count(*) FROM orders",
                onBehalfOf: nil, environment: nil, createdSecondsAgo: 7_200, expiresIn: 86_000),
        ]
    }

    private func each(_ body: (inout TestConsole) -> Void, named name: String, file: StaticString = #filePath, line: UInt = #line) {
        Snapshot.each(sample(), sizes: Self.sizes, body, named: name, file: file, line: line)
    }

    /// Four of five marked, the last by a range still being drawn: the gutter's third column.
    func testMarkedQueue() {
        each(
            {
                $0.press(.char(" "), .char(" "), .char("j"), .char("V"), .char("j")); $0.update(.tick(Fixture.now.adding(seconds: 5)))
            }, named: "marks-queue")
    }

    /// `d` on four marks: the approver's own request is left out; the reason half typed.
    func testDenyPreview() {
        each(
            { model in
                model.press(.char("*"))
                model.press(.char("d"))
                model.type("Wrong target")
            }, named: "bulk-deny-preview")
    }

    /// `a` on every mark: the critical one and the approver's own are left out, and why.
    func testApprovePreview() { each({ $0.press(.char("*"), .char("a")) }, named: "bulk-approve-preview") }

    /// Marks on two servers: the preview names each action's server, and judges each by the
    /// token's identity there (carol's own request on prod is left out; on staging she is bob).
    func testPreviewAcrossTwoServers() {
        for (w, h) in Self.sizes {
            let own = Fixture.action("act-1", risk: .high, summary: "Rotate signing key", requester: Fixture.me.id, onBehalfOf: nil)
            var model = FleetTests.fleet(
                [own, Fixture.action("act-2", summary: "Export prod customers")], [own, Fixture.action("act-3", risk: .low, summary: "Staging export")],
                width: w, height: h)
            model.press(.char("*"), .char("d"))
            let frame = model.frame()
            FrameCheck.assertWellFormed(frame)
            Snapshot.assert(frame, named: "bulk-fleet-preview-\(w)x\(h)")
        }
    }

    /// The deny sent: one answer accepted, one too late, one refused, one on its way.
    func testResults() {
        each(
            { model in
                model.press(.char("*"), .char("d"), .char("5"), .enter)
                var intents: [DecisionIntent] = []
                for effect in model.press(.char("y")) { if case .sendDecision(let intent) = effect { intents.append(intent) } }
                guard intents.count == 4 else { return XCTFail("four denies, not \(intents.count)") }
                let actions = Dictionary(uniqueKeysWithValues: sample().map { ($0.id, $0) })
                func resolved(_ id: String, _ status: ActionStatus) -> Action? {
                    var action = actions[id]
                    action?.status = status
                    return action
                }
                if let denied = resolved(intents[0].actionID.id, .denied) { model.update(.decisionResult(intents[0], .accepted(denied))) }
                model.update(
                    .decisionResult(
                        intents[1],
                        .rejected(status: 409, code: .alreadyResolved, message: "already approved", action: resolved(intents[1].actionID.id, .approved))))
                model.update(
                    .decisionResult(intents[2], .rejected(status: 403, code: .notEligible, message: "this needs 1 more from security", action: nil)))
                model.update(.tick(Fixture.now.adding(seconds: 11)))
            }, named: "bulk-results")
    }
}
