import Foundation
import Hummingbird
import Logging
import TollgateCore
import XCTest

@testable import TollgateServer

/// A reload closes the feeds of tokens that may no longer read it, and only those.
final class FeedRevocationTests: XCTestCase {
    private func makeHub() -> FeedHub {
        FeedHub(window: 10_000, subscriberBuffer: 4_096, retryMilliseconds: 2_000, logger: Logger(label: "tollgate.test") { _ in SwiftLogNoOpLogHandler() })
    }

    private func publish(_ hub: FeedHub, _ seqs: ClosedRange<Int64>) {
        for seq in seqs {
            hub.stage([Ledger.Event(seq: seq, actionID: "act_\(seq)", isPending: true, json: "{\"id\":\"act_\(seq)\"}")])
            hub.release()
        }
    }

    /// The sequence numbers of the action events of every take until nil.
    private func taken(_ hub: FeedHub, _ id: Int) -> [Int64] {
        var parser = SSEParser()
        var seqs: [Int64] = []
        while let batch = hub.take(id) {
            seqs += parser.feed(Array(batch.bytes.readableBytesView)).filter { $0.type == "action" }.compactMap { Int64($0.lastEventID) }
        }
        return seqs
    }

    /// True when `doorbell` finishes within `seconds` (a deadline, so a broken hub fails the test
    /// instead of hanging it).
    private static func ends(_ doorbell: AsyncStream<Void>, within seconds: Double) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in doorbell {}
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func entry(_ id: String, _ roles: [Role], hash: Character) -> TokenEntry {
        TokenEntry(principal: Principal(id: id, roles: roles), requesterKind: .human, tokenSHA256: String(repeating: hash, count: 64))
    }

    func testOnlyTheFeedsOfTokensOutsideTheAllowedSetAreClosedAndTheOthersMissNothing() async {
        let hub = makeHub()
        let revoked = hub.subscribe(lastEventID: nil, token: "revoked")
        let kept = hub.subscribe(lastEventID: nil, token: "kept")
        let untagged = hub.subscribe(lastEventID: nil)
        publish(hub, 1...3)
        XCTAssertEqual(taken(hub, kept.id), [1, 2, 3])

        XCTAssertEqual(hub.disconnect(tokensOutside: ["kept"]), 1)
        XCTAssertEqual(hub.subscriberCount, 2)
        let ended = await Self.ends(revoked.doorbell, within: 10)
        XCTAssertTrue(ended, "the revoked feed's doorbell finishes, so its writer ends the response")
        XCTAssertEqual(taken(hub, revoked.id), [], "a revoked feed is owed nothing, not even what it had not yet taken")

        publish(hub, 4...5)
        XCTAssertEqual(taken(hub, kept.id), [4, 5], "the other feed goes on without a gap")
        XCTAssertEqual(taken(hub, untagged.id), [1, 2, 3, 4, 5], "a feed without a token is never closed by a reload")
        XCTAssertEqual(taken(hub, revoked.id), [])
        XCTAssertEqual(hub.disconnect(tokensOutside: ["kept"]), 0, "a closed feed is not counted twice")
    }

    func testTheFeedMayBeReadByApproversAndAuditorsOnly() {
        let registry = TokenRegistry(entries: [
            entry("alice", [.approver], hash: "a"), entry("audrey", [.auditor], hash: "b"), entry("agent-1", [.agent], hash: "c"),
            entry("glass", [.breakglass], hash: "d"),
        ])
        XCTAssertEqual(FeedAccess.tokens(in: registry), [String(repeating: "a", count: 64), String(repeating: "b", count: 64)])
        XCTAssertTrue(FeedAccess.allows(String(repeating: "b", count: 64), in: registry))
        XCTAssertFalse(FeedAccess.allows(String(repeating: "c", count: 64), in: registry), "an agent's token may not read the feed")
        XCTAssertFalse(FeedAccess.allows(String(repeating: "e", count: 64), in: registry), "an unknown token may not")
    }
}
