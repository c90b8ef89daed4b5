import Foundation
import TollgateClient
import TollgateCore

/// Polls `condition` every 10 ms until it holds; false when `timeout` seconds pass first.
func eventually(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while !condition() {
        if Date() >= deadline { return false }
        usleep(10_000)
    }
    return true
}

/// Collects a feed's updates from its thread and lets a test wait for one, with a timeout.
final class UpdateLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var updates: [FeedUpdate] = []
    /// Called on the feed thread with each update, after it is recorded.
    private let reaction: (@Sendable (FeedUpdate) -> Void)?

    init(reaction: (@Sendable (FeedUpdate) -> Void)? = nil) { self.reaction = reaction }

    var callback: @Sendable (FeedUpdate) -> Void {
        { [self] update in
            condition.withLock {
                updates.append(update)
                condition.broadcast()
            }
            reaction?(update)
        }
    }

    var all: [FeedUpdate] { condition.withLock { updates } }

    var states: [ConnectionState] {
        all.compactMap { if case .state(let s) = $0 { s } else { nil } }
    }

    var events: [FeedEvent] {
        all.compactMap { if case .event(let e) = $0 { e } else { nil } }
    }

    /// Waits until `predicate` holds for the updates so far; false when `timeout` passes first.
    func wait(timeout: Double = 10, until predicate: ([FeedUpdate]) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(updates) {
            if !condition.wait(until: deadline) { return predicate(updates) }
        }
        return true
    }

    /// Waits for a state matching `match`.
    func waitForState(timeout: Double = 10, _ match: @escaping (ConnectionState) -> Bool) -> Bool {
        wait(timeout: timeout) { $0.contains { if case .state(let s) = $0 { match(s) } else { false } } }
    }
}
