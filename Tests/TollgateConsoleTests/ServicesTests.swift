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
