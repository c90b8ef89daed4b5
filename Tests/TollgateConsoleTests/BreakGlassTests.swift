import Foundation
import TollgateClient
import TollgateCore
import TollgateStore
import TollgateSync
import XCTest

@testable import TollgateConsole

/// `B`: a break-glass approval, offered to the `breakglass` role only, with a reason that says
/// what broke, confirmed in words no one can mistake, sent through the outbox with its flag,
/// and marked in the alert role wherever it is shown.
final class BreakGlassTests: XCTestCase {
    static let breaker = Principal(id: Fixture.me.id, roles: [.approver, .breakglass])
    static let longReason = "payments down, the on-call SRE is unreachable"

    private func sent(_ effects: [Effect]) -> DecisionIntent? {
        for effect in effects { if case .sendDecision(let intent) = effect { return intent } }
        return nil
    }

    private func hints(_ model: TestConsole) -> String {
        model.screenText.split(separator: "\n").last.map(String.init) ?? ""
    }

    private func pending() -> Action {
        PolicyConsoleTests.ruled("act-1", approvals: [PolicyConsoleTests.approval("bob")])
    }

    // MARK: - Who is offered B

    func testOnlyTheBreakglassRoleIsOfferedB() {
        var plain = PolicyConsoleTests.console([pending()], as: Fixture.me)
        XCTAssertFalse(hints(plain).contains("B break glass"), hints(plain))
        XCTAssertFalse(plain.isAvailable(.breakGlass))
        XCTAssertEqual(plain.press(.char("B")), [])
        XCTAssertNil(plain.prompt)
        XCTAssertEqual(plain.toast?.text, "Break-glass needs the breakglass role, which your token does not have")

        let breaker = PolicyConsoleTests.console([pending()], as: Self.breaker)
        XCTAssertTrue(hints(breaker).contains("B break glass"), hints(breaker))
        XCTAssertTrue(breaker.isAvailable(.breakGlass), "offered where a is not: the quorum does not apply to it")
        XCTAssertFalse(breaker.isAvailable(.approve))
    }

    func testBIsNotOfferedOnOnesOwnRequestNorTwice() {
        var own = PolicyConsoleTests.console(
            [PolicyConsoleTests.ruled("act-1", requester: "agent-1@example.com"), Fixture.action("act-2", onBehalfOf: Fixture.me.id)], as: Self.breaker)
        own.press(.char("j"))
        XCTAssertFalse(own.isAvailable(.breakGlass))
        XCTAssertEqual(own.press(.char("B")), [])
        XCTAssertEqual(own.toast?.text, "You requested this action (or it runs on your behalf): someone else must decide it")

        let voted = PolicyConsoleTests.console([PolicyConsoleTests.ruled("act-1", approvals: [PolicyConsoleTests.approval(Fixture.me.id)])], as: Self.breaker)
        XCTAssertFalse(voted.isAvailable(.breakGlass))
    }

    func testHelpListsB() {
        var model = Fixture.model([], width: 120, height: 200)
        model.press(.char("?"))
        XCTAssertTrue(model.screenText.contains("B                  break glass: approve alone"), model.screenText)
    }

    // MARK: - The reason and the confirmation

    func testAShortReasonIsRefusedSayingHowManyMore() {
        var model = PolicyConsoleTests.console([pending()], as: Self.breaker)
        model.press(.char("B"))
        XCTAssertTrue(model.screenText.contains("BREAK GLASS What broke?"), model.screenText)
        model.type("db down")
        XCTAssertEqual(model.press(.enter), [])
        XCTAssertEqual(model.prompt?.problem, "needs 20+ characters: 13 more")
        XCTAssertTrue(model.screenText.contains("needs 20+ characters: 13 more"), model.screenText)
        // Invisible characters and surrounding blanks do not count, as on the server.
        model.press(.ctrl("u"))
        model.type("   " + String(repeating: "\u{200B}", count: 30) + "abc   ")
        XCTAssertEqual(model.press(.enter), [])
        XCTAssertEqual(model.prompt?.problem, "needs 20+ characters: 17 more")
        XCTAssertEqual(DecisionRules.visibleLength(of: "  " + String(repeating: "x", count: 20) + "\u{2060}\n"), 20)
    }

    func testALongReasonAsksForABreakGlassConfirmationAndYSendsIt() {
        var model = PolicyConsoleTests.console([pending()], as: Self.breaker)
        model.press(.char("B"))
        model.type(Self.longReason)
        XCTAssertEqual(model.press(.enter), [])
        let frame = model.frame()
        let line = frame.plainText.split(separator: "\n").dropLast().last.map(String.init) ?? ""
        XCTAssertTrue(line.contains("BREAK GLASS Approve ALONE iam.grant \"Export customers table (act-1)\", risk CRIT in production? [y/N]"), line)
        XCTAssertTrue(line.contains("[y/N]"), line)
        let y = frame.height - 2
        XCTAssertEqual(frame[1, y].role, .alert, "BREAK GLASS is painted in the alert role")
        let intent = sent(model.press(.char("y")))
        XCTAssertEqual(
            intent,
            DecisionIntent(actionID: "act-1", verdict: .approve, reason: Self.longReason, digest: pending().digest, breakGlass: true))
        XCTAssertTrue(model.screenText.contains("sending break-glass approval..."), model.screenText)
    }

    func testAnythingButYCancelsTheBreakGlass() {
        var model = PolicyConsoleTests.console([pending()], as: Self.breaker)
        model.press(.char("B"))
        model.type(Self.longReason)
        model.press(.enter)
        XCTAssertEqual(model.press(.char("n")), [])
        XCTAssertNil(model.prompt)
        XCTAssertTrue(model.toast?.text.hasPrefix("Break glass cancelled: not approved") ?? false, model.toast?.text ?? "")
    }

    func testTheServersBreakGlassRefusalsAreItsOwnWords() {
        var model = PolicyConsoleTests.console([pending()], as: Self.breaker)
        model.press(.char("B"))
        model.type(Self.longReason)
        model.press(.enter)
        guard let intent = sent(model.press(.char("y"))) else { return XCTFail("nothing sent") }
        let message = "carol@example.com lacks the breakglass role, which a break-glass approval needs"
        model.update(.decisionResult(intent, .rejected(status: 403, code: .forbidden, message: message, action: nil)))
        let text = model.screenText
        XCTAssertTrue(text.contains("refused: break-glass not allowed"), text)
        XCTAssertTrue(text.contains("Refused: " + message), text)
    }

    // MARK: - Marked where it is shown

    private func brokenGlass(_ id: String) -> Action {
        var action = PolicyConsoleTests.ruled(id, approvals: [PolicyConsoleTests.approval("bob")])
        action.decisions.append(PolicyConsoleTests.approval("dave@example.com", breakGlass: true, reason: Self.longReason))
        action.status = .approved
        action.resolvedAt = Fixture.now
        return action
    }

    /// The cells of `frame` that show `text` on some row, and their roles.
    private func roles(of text: String, in frame: Frame) -> Set<ThemeRole>? {
        let rows = frame.plainText.split(separator: "\n", omittingEmptySubsequences: false)
        for (y, row) in rows.enumerated() {
            guard let range = row.range(of: text) else { continue }
            let x = row.distance(from: row.startIndex, to: range.lowerBound)
            return Set((x..<x + text.count).map { frame[$0, y].role })
        }
        return nil
    }

    func testTheQueueAndTheDetailMarkABreakGlassApprovalInTheAlertRole() {
        var model = PolicyConsoleTests.console([pending()], as: Fixture.me)
        model.press(.enter)
        model.receive(brokenGlass("act-1"), seq: 2)
        let detail = model.frame()
        XCTAssertTrue(detail.plainText.contains("BREAK-GLASS approval by dave@example.com: " + Self.longReason), detail.plainText)
        XCTAssertEqual(roles(of: "BREAK-GLASS approval by dave@example.com", in: detail), [.alert])
        XCTAssertTrue(detail.plainText.contains("approve BREAK-GLASS dave@example.com"), detail.plainText)
        model.press(.escape)
        let list = model.frame()
        XCTAssertTrue(list.plainText.contains("[approved] BREAK-GLASS "), list.plainText)
        XCTAssertEqual(roles(of: "BREAK-GLASS", in: list), [.alert])
    }

    func testTheHistoryMarksABreakGlassApproval() {
        var model = Fixture.model([])
        model.press(.char("H"))
        model.update(.historyPage(generation: model.history.generation, items: [brokenGlass("old-1")].map(HistoryItem.init), next: nil))
        let list = model.frame()
        XCTAssertEqual(roles(of: "BREAK-GLASS", in: list), [.alert], list.plainText)
        model.press(.enter)
        XCTAssertEqual(roles(of: "BREAK-GLASS approval by dave@example.com", in: model.frame()), [.alert])
    }

    func testMyOwnBreakGlassApprovalIsAcknowledgedAsSuch() {
        var model = PolicyConsoleTests.console([pending()], as: Self.breaker)
        model.press(.char("B"))
        model.type(Self.longReason)
        model.press(.enter)
        guard let intent = sent(model.press(.char("y"))) else { return XCTFail("nothing sent") }
        var after = brokenGlass("act-1")
        after.decisions[1].approver = Fixture.me.id
        model.update(.decisionResult(intent, .accepted(after)))
        let list = model.frame()
        XCTAssertTrue(list.plainText.contains("▶ CRIT iam.grant        BREAK-GLASS approved by you · Export cust"), list.plainText)
        XCTAssertEqual(roles(of: "BREAK-GLASS", in: list), [.alert])
        XCTAssertEqual(model.toast?.text, "BREAK-GLASS approved by you: iam.grant: Export customers table (act-1)")
    }

    // MARK: - The outbox keeps the flag

    func testTheOutboxKeepsTheBreakGlassFlagForItsRetry() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-breakglass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        do {
            let store = try HistoryStore(path: path)
            _ = try store.enqueueDecision(
                server: "https://a.example", actionID: "act-1", verdict: .approve, reason: Self.longReason, digest: "d", at: Fixture.now)
            _ = try store.enqueueDecision(
                server: "https://a.example", actionID: "act-2", verdict: .approve, reason: Self.longReason, digest: "d", breakGlass: true, at: Fixture.now)
        }
        let reopened = try HistoryStore(path: path)
        XCTAssertEqual(try reopened.pendingOutbox(server: "https://a.example").map(\.breakGlass), [false, true])
    }

    func testAnOutboxWrittenBeforeBreakGlassReadsAsOrdinaryDecisions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-breakglass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        do {
            let store = try HistoryStore(path: path)
            _ = try store.enqueueDecision(server: "https://a.example", actionID: "act-1", verdict: .approve, reason: "ok", digest: "d", at: Fixture.now)
        }
        // Back to the schema before the column: the migration runs again on the next open.
        try Shell.sqlite(
            path,
            "ALTER TABLE outbox DROP COLUMN break_glass; DELETE FROM grdb_migrations WHERE identifier = 'v4: break-glass decisions in the outbox';")
        let reopened = try HistoryStore(path: path)
        XCTAssertEqual(try reopened.pendingOutbox(server: "https://a.example").map(\.breakGlass), [false])
    }
}

/// `sqlite3` for what a test does to a cache file behind the store's back.
private enum Shell {
    static func sqlite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
