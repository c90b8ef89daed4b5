import Foundation
import Synchronization
import TollgateCore
import XCTest

/// What the clients of a fault test were told succeeded: every submission answered 201 and
/// every decision answered 200, collected from many threads, to be found again after the fault.
final class AcknowledgedWrites: Sendable {
    private let state = Mutex((submitted: [Action](), decided: [(id: String, approver: String)](), queue: [Action]()))

    func submitted(_ action: Action) {
        state.withLock {
            $0.submitted.append(action); $0.queue.append(action)
        }
    }
    func decided(_ id: String, by approver: String) { state.withLock { $0.decided.append((id, approver)) } }
    /// The next acknowledged submission nobody has tried to decide yet.
    func nextToDecide() -> Action? { state.withLock { $0.queue.isEmpty ? nil : $0.queue.removeFirst() } }
    var submissions: [Action] { state.withLock { $0.submitted } }
    var decisions: [(id: String, approver: String)] { state.withLock { $0.decided } }

    /// Checks that `auditor` (on the server that outlived the fault) finds every acknowledged
    /// submission as it was acknowledged, and every acknowledged decision on its action once.
    func assertAllStored(on auditor: APIClient, file: StaticString = #filePath, line: UInt = #line) throws {
        var found: [String: Action] = [:]
        for id in Set(submissions.map(\.id) + decisions.map(\.id)) {
            let response = try auditor.get("/v1/actions/\(id)")
            guard response.status == 200 else {
                XCTFail("the acknowledged \(id) is not found: \(response.status) \(response.text.prefix(200))", file: file, line: line)
                continue
            }
            found[id] = try response.action()
        }
        for action in submissions {
            guard let stored = found[action.id] else { continue }
            XCTAssertEqual(stored.digest, action.digest, "\(action.id) came back as acknowledged", file: file, line: line)
        }
        for (id, approver) in decisions {
            guard let stored = found[id] else { continue }
            XCTAssertEqual(
                stored.decisions.filter { $0.approver == approver }.count, 1, "\(approver)'s acknowledged decision on \(id) is there once",
                file: file, line: line)
        }
    }
}
