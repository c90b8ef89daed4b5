import TollgateClient
import TollgateCore
import XCTest

@testable import TollgateConsole

/// The console following several servers: rows kept apart by server, decisions routed to the
/// server each action came from, each server's state and identity its own.
final class FleetTests: XCTestCase {
    static let prod = ServerID(0)
    static let staging = ServerID(1)
    static let bob = Principal(id: "bob@example.com", roles: [.approver])

    /// A live console of `prod` and `staging`, where the token is carol on prod and bob on staging.
    static func fleet(_ prodActions: [Action], _ stagingActions: [Action], width: Int = 120, height: Int = 40) -> TestConsole {
        var model = TestConsole(
            ConsoleModel(
                now: Fixture.now, size: Size(width: width, height: height),
                servers: [
                    ServerState(name: "prod", url: "https://tollgate.prod.example.com"),
                    ServerState(name: "staging", url: "https://tollgate.staging.example.com"),
                ]))
        _ = model.update(.identity(Fixture.me, from: prod))
        _ = model.update(.identity(bob, from: staging))
        for (server, actions) in [(prod, prodActions), (staging, stagingActions)] {
            _ = model.update(.feed(.state(.live), from: server))
            for action in actions { model.receive(action, seq: nil, from: server) }
            _ = model.update(.feed(.event(.sync(seq: 1, pending: actions.count)), from: server))
        }
        return model
    }

    private func shown(_ model: TestConsole) -> [ActionKey] {
        (0..<model.queue.count).compactMap { model.queue.id(at: $0) }
    }

    func testTheSameIdOnTwoServersIsTwoActions() {
        let model = Self.fleet([Fixture.action("act-1", risk: .high)], [Fixture.action("act-1", risk: .low, summary: "Staging one")])
        XCTAssertEqual(Set(shown(model)), [ActionKey(server: Self.prod, id: "act-1"), ActionKey(server: Self.staging, id: "act-1")])
        XCTAssertEqual(model.pendingCount, 2)
        let text = model.screenText
        XCTAssertTrue(text.contains("SERVER"), "a SERVER column with several servers:\n\(text)")
        XCTAssertTrue(text.contains("prod") && text.contains("staging"))
        XCTAssertTrue(text.contains("Staging one"))
    }

    func testOneServerHasNoServerColumn() {
        let model = Fixture.model([Fixture.action("act-1")])
        XCTAssertFalse(model.screenText.contains("SERVER"))
    }

    func testTheHeaderNamesEachServersState() {
        var model = Self.fleet([Fixture.action("act-1")], [Fixture.action("act-2")])
        XCTAssertTrue(model.screenText.contains("prod live"), model.screenText)
        XCTAssertTrue(model.screenText.contains("staging live"))
        _ = model.update(.feed(.state(.offline("connection refused")), from: Self.staging))
        _ = model.update(.feed(.state(.reconnecting(at: Fixture.now.adding(seconds: 4), attempt: 2)), from: Self.staging))
        let header = model.screenText.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(header.contains("prod live"), header)
        XCTAssertTrue(header.contains("staging reconnecting in 4s"), header)
    }

    func testADecisionGoesToTheServerTheActionCameFrom() {
        var model = Self.fleet([Fixture.action("act-1", risk: .low)], [Fixture.action("act-1", risk: .high, summary: "On staging")])
        // Urgency order: the high one (staging) first.
        XCTAssertEqual(model.queueList.id, ActionKey(server: Self.staging, id: "act-1"))
        model.press(.char("a"))
        let effects = model.press(.char("y"))
        let expected = DecisionIntent(
            actionID: ActionKey(server: Self.staging, id: "act-1"), verdict: .approve, reason: "",
            digest: Fixture.action("act-1").digest)
        XCTAssertEqual(effects, [.sendDecision(expected)])
        XCTAssertNil(model.outcomes[ActionKey(server: Self.prod, id: "act-1")], "the prod action is untouched")
    }

    func testEachServerJudgesSelfApprovalByItsOwnIdentity() {
        // carol asked on staging, where the token is bob's: bob may decide it; on prod, carol may not.
        let carols = Fixture.action("act-1", requester: Fixture.me.id, onBehalfOf: nil)
        var model = Self.fleet([carols], [carols])
        let onProd = ActionKey(server: Self.prod, id: "act-1"), onStaging = ActionKey(server: Self.staging, id: "act-1")
        guard let prodRow = model.model.rows[onProd], let stagingRow = model.model.rows[onStaging] else { return XCTFail("rows missing") }
        XCTAssertNotNil(model.model.decisionBlocker(prodRow, readOnly: false, verdict: .approve))
        XCTAssertNil(model.model.decisionBlocker(stagingRow, readOnly: false, verdict: .approve))
        // Before staging's whoami, nothing there may be decided.
        model.model.servers[1].me = nil
        XCTAssertEqual(
            model.model.decisionBlocker(stagingRow, readOnly: false, verdict: .deny), "Still finding out who you are (whoami); try again in a moment")
    }

    func testAServerThatIsDownKeepsItsRowsMarkedStaleAndTheOtherGoesOn() {
        var model = Self.fleet([Fixture.action("act-p", summary: "Prod export")], [Fixture.action("act-s", summary: "Staging export")])
        _ = model.update(.feed(.state(.offline("connection refused")), from: Self.staging))
        let lines = model.screenText.split(separator: "\n").map(String.init)
        let staging = lines.first { $0.contains("Staging export") } ?? ""
        let prod = lines.first { $0.contains("Prod export") } ?? ""
        XCTAssertTrue(staging.contains(QueueView.staleMarker), staging)
        XCTAssertFalse(prod.contains(QueueView.staleMarker), prod)
        model.receive(Fixture.action("act-p2", summary: "Arrived meanwhile"), seq: 2, from: Self.prod)
        XCTAssertTrue(model.screenText.contains("Arrived meanwhile"))
        _ = model.update(.feed(.state(.live), from: Self.staging))
        XCTAssertFalse(model.screenText.contains(QueueView.staleMarker), "live again: no longer stale")
    }

    func testAResetOnOneServerDropsOnlyItsOwnVanishedRows() {
        var model = Self.fleet([Fixture.action("act-1")], [Fixture.action("act-1"), Fixture.action("act-2")])
        _ = model.update(.feed(.event(.reset), from: Self.staging))
        model.receive(Fixture.action("act-2"), seq: 9, from: Self.staging)
        let effects = model.update(.feed(.event(.sync(seq: 9, pending: 1)), from: Self.staging))
        XCTAssertEqual(effects, [.refreshActions([ActionKey(server: Self.staging, id: "act-1")])])
        XCTAssertEqual(Set(shown(model)), [ActionKey(server: Self.prod, id: "act-1"), ActionKey(server: Self.staging, id: "act-2")])
    }

    func testTheFilterTakesServerNames() {
        var model = Self.fleet([Fixture.action("act-1")], [Fixture.action("act-2")])
        model.press(.char(":"))
        model.type("filter server=STAGING")
        model.press(.enter)
        XCTAssertEqual(shown(model), [ActionKey(server: Self.staging, id: "act-2")])
        XCTAssertTrue(model.screenText.contains("server=staging"), "the header spells it as configured")
        model.press(.char(":"))
        model.type("filter server=qa")
        model.press(.enter)
        XCTAssertTrue(model.screenText.contains("server=qa: expected prod, staging"), model.screenText)
        XCTAssertEqual(shown(model), [ActionKey(server: Self.staging, id: "act-2")], "a bad filter changes nothing")
    }

    func testCtxFollowsSomeServersAndAllAgain() {
        var model = Self.fleet([Fixture.action("act-1")], [Fixture.action("act-2")])
        model.press(.char(":"))
        model.type("ctx staging")
        XCTAssertEqual(model.press(.enter), [.follow(Self.prod, false)])
        XCTAssertEqual(shown(model), [ActionKey(server: Self.staging, id: "act-2")])
        XCTAssertEqual(model.pendingCount, 1)
        XCTAssertFalse(model.screenText.contains("SERVER"), "one server followed: no SERVER column")
        // What the stopped feed still says is ignored.
        model.receive(Fixture.action("act-9"), seq: 3, from: Self.prod)
        XCTAssertEqual(shown(model).count, 1)
        model.press(.char(":"))
        model.type("ctx nope")
        XCTAssertEqual(model.press(.enter), [])
        XCTAssertTrue(model.screenText.contains("no server \"nope\""))
        model.press(.char(":"))
        model.type("ctx all")
        XCTAssertEqual(model.press(.enter), [.follow(Self.prod, true)])
        XCTAssertTrue(model.screenText.contains("prod connecting"), "followed again, from the start:\n\(model.screenText)")
    }

    func testRecordsAreAskedOfTheRightServer() {
        var model = Self.fleet([Fixture.action("act-1", risk: .low)], [Fixture.action("act-1", risk: .high, summary: "Staging record")])
        model.answersRecords = false
        XCTAssertEqual(model.press(.enter), [.loadRecords([ActionKey(server: Self.staging, id: "act-1")])])
        _ = model.update(model.archive.records([ActionKey(server: Self.staging, id: "act-1")]))
        guard case .detail(let d) = model.screen else { return XCTFail("the detail opens") }
        XCTAssertEqual(d.actionID, ActionKey(server: Self.staging, id: "act-1"))
        XCTAssertTrue(model.screenText.contains("Staging record"))
        XCTAssertTrue(model.screenText.contains("server staging"), "the detail names its server")
    }

    func testFleetQueueFrames() {
        for (w, h) in [(80, 24), (120, 40)] {
            var model = Self.fleet(
                [Fixture.action("act-0001", risk: .critical, kind: "iam.grant", summary: "Grant admin on billing", expiresIn: 45)],
                [
                    Fixture.action("act-0001", risk: .medium, summary: "Export staging customers"),
                    Fixture.action("act-0002", risk: .low, kind: "db.query", summary: "SELECT count(*) FROM orders"),
                ],
                width: w, height: h)
            _ = model.update(.feed(.state(.offline("connection refused")), from: Self.staging))
            _ = model.update(.feed(.state(.reconnecting(at: Fixture.now.adding(seconds: 3), attempt: 1)), from: Self.staging))
            Snapshot.assert(model.frame(), named: "fleet-queue-\(w)x\(h)")
        }
    }
}
