import Foundation
import TollgateCore
import TollgateStore
import XCTest

/// Actions and folders the store tests share.
enum Fixture {
    static let serverA = "https://gate-a.example"
    static let serverB = "https://gate-b.example"
    /// 2026-09-21T…Z: a fixed "now" so times never depend on the clock.
    static let t0 = Timestamp(milliseconds: 1_790_000_000_000)

    /// An action created `minutes` after `t0`; every field can be set.
    static func action(
        _ id: String, minutes: Int64 = 0, status: ActionStatus = .pending, risk: Risk = .medium,
        kind: String = "db.query", environment: String? = "production", requester: String = "agent-1",
        onBehalfOf: String? = nil, summary: String? = nil, command: String? = nil, resource: String? = nil,
        justification: String? = nil, context: [ContextEntry] = [], decisions: [Decision] = []
    ) -> Action {
        let created = t0.adding(seconds: Double(minutes) * 60)
        return Action(
            id: id, status: status, createdAt: created, expiresAt: created.adding(seconds: 3600),
            resolvedAt: status.isResolved ? created.adding(seconds: 60) : nil,
            requester: Requester(id: requester, kind: .agent, onBehalfOf: onBehalfOf, session: nil),
            kind: kind, summary: summary ?? "action \(id)", command: command, resource: resource,
            environment: environment, risk: risk, policy: Policy(id: "p1", reason: "needs a human"),
            justification: justification, context: context, requiredApprovals: 1, decisions: decisions,
            digest: "sha256:" + String(repeating: "a", count: 64))
    }

    static func decision(_ approver: String, _ verdict: Verdict = .approve, reason: String = "", minutes: Int64 = 1) -> Decision {
        Decision(
            approver: approver, verdict: verdict, reason: reason, at: t0.adding(seconds: Double(minutes) * 60),
            digest: "sha256:" + String(repeating: "a", count: 64))
    }

    /// Every page of `query`, following cursors; fails on a repeated cursor.
    static func allPages(
        _ store: HistoryStore, _ query: HistoryQuery, limit: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> [StoredAction] {
        var out: [StoredAction] = []
        var cursor: String?
        var seen = Set<String>()
        repeat {
            let page = try store.page(query, limit: limit, cursor: cursor)
            XCTAssertLessThanOrEqual(page.actions.count, limit, file: file, line: line)
            out += page.actions
            cursor = page.nextCursor
            if let c = cursor {
                guard seen.insert(c).inserted else {
                    XCTFail("cursor \(c) came back twice", file: file, line: line)
                    return out
                }
                XCTAssertFalse(page.actions.isEmpty, "a page with a next cursor must not be empty", file: file, line: line)
            }
        } while cursor != nil
        return out
    }

    static func ids(_ page: [StoredAction]) -> [String] { page.map(\.action.id) }
}

/// A fresh folder under the system temp folder, removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("tollgate-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// The permission bits of `path` (0o600 and so on).
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}
