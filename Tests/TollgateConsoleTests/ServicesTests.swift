import Foundation
import TollgateClient
import TollgateCore
import TollgateStore
import XCTest

@testable import TollgateConsole

/// The wiring below the UI loop, without a terminal: history pages, full records, a failing cache.
final class ServicesTests: XCTestCase {
    private func waitForMessages(_ inbox: Inbox, count: Int = 1) -> [Message] {
        var messages: [Message] = []
        for _ in 0..<500 where messages.count < count {
            messages += inbox.drain()
            if messages.count < count { usleep(10_000) }
        }
        return messages
    }

    func testHistoryPagesComeBackAsMessages() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-services-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        let store = try HistoryStore(path: path)
        let actions = (0..<5).map { i -> Action in
            var a = Fixture.action("h-\(i)", createdSecondsAgo: Double(i) * 60)
            a.status = i == 2 ? .denied : .approved
            return a
        }
        try store.upsert(actions, server: "https://a.example")

        let inbox = try Inbox()
        let services = ConsoleServices(inbox: inbox, servers: [], historyPath: path)
        services.loadHistory(HistoryRequest(filter: ActionFilter(), cursor: nil, limit: 3, generation: 7))
        guard case .historyPage(let generation, let page, let next)? = waitForMessages(inbox).first else {
            return XCTFail("no page")
        }
        XCTAssertEqual(generation, 7)
        XCTAssertEqual(page.map(\.action.id), ["h-0", "h-1", "h-2"], "newest first")
        XCTAssertNotNil(next)
        services.loadHistory(HistoryRequest(filter: ActionFilter(statuses: [.denied]), cursor: nil, limit: 3, generation: 8))
        guard case .historyPage(_, let denied, _)? = waitForMessages(inbox).first else { return XCTFail("no page") }
        XCTAssertEqual(denied.map(\.action.id), ["h-2"])
        services.stop()
    }

    /// History rows name their server: a followed one by its configured name and place; others
    /// by host and port, each with a place of its own, so the same id on two stays two actions.
    func testHistoryRowsNameTheirServerAndKeepSameIdsApart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-services-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        let store = try HistoryStore(path: path)
        for server in ["https://prod.example", "https://old-a.example:8443", "https://old-b.example"] {
            try store.upsert([Fixture.action("act-1")], server: server)
        }
        let inbox = try Inbox()
        let services = ConsoleServices(
            inbox: inbox, servers: [ServerContext(name: "prod", endpoint: ServerEndpoint(baseURL: "https://prod.example", token: "unused"))],
            historyPath: path)
        services.loadHistory(HistoryRequest(filter: ActionFilter(), cursor: nil, limit: 10, generation: 1))
        guard case .historyPage(_, let items, _)? = waitForMessages(inbox).first(where: { if case .historyPage = $0 { true } else { false } }) else {
            return XCTFail("no page")
        }
        XCTAssertEqual(Set(items.map(\.serverName)), ["prod", "old-a.example:8443", "old-b.example"])
        XCTAssertEqual(Set(items.map(\.key)).count, 3, "one id on three servers is three actions: \(items.map(\.key))")
        XCTAssertEqual(items.first { $0.serverName == "prod" }?.server, ServerID(0))
        services.stop()
    }

    func testAnUnusableCacheIsReportedAndMemoryTakesOver() throws {
        let inbox = try Inbox()
        let services = ConsoleServices(inbox: inbox, servers: [], historyPath: "/proc/tollgate-cannot-be-here/history.sqlite")
        guard case .cacheUnavailable(let why)? = inbox.drain().first else { return XCTFail("no report") }
        XCTAssertFalse(why.isEmpty)
        services.loadHistory(HistoryRequest(filter: ActionFilter(), cursor: nil, limit: 10, generation: 1))
        guard case .historyPage(_, let page, _)? = waitForMessages(inbox).first else { return XCTFail("memory cache did not answer") }
        XCTAssertTrue(page.isEmpty)
        services.stop()
    }

    /// The services are the model's archive: full records read back from the cache by id.
    func testFullRecordsAreReadBackFromTheCache() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-services-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        let server = "http://127.0.0.1:9"
        let stored = Fixture.action("act-stored", diffs: [ActionDiff(title: "t", text: Fixture.diffText)])
        try HistoryStore(path: path).upsert([stored], server: server)

        let services = ConsoleServices(
            inbox: try Inbox(), servers: [ServerContext(name: "local", endpoint: ServerEndpoint(baseURL: server, token: "unused"))], historyPath: path)
        guard case .records(let found, let missing, let problem, _) = services.records(["act-stored", "act-never-seen"]).first else {
            return XCTFail("the archive answers with .records")
        }
        XCTAssertEqual(found, [stored], "the whole record, diffs and all")
        XCTAssertEqual(missing, ["act-never-seen"])
        XCTAssertNil(problem)
        services.stop()
    }
}
