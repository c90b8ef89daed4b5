import Foundation
import Synchronization

/// A one-way switch that ends blocking client work early: a transfer in progress within about
/// a second, a pause between retries at once.
///
/// Raised from any thread (an MCP client's cancellation arrives on another one); the transfer
/// sees it from libcurl's progress callback, which libcurl calls about once a second even while
/// a long poll waits in silence.
public final class AbortSignal: Sendable {
    private let raised = Atomic<Bool>(false)
    private let condition = NSCondition()

    public init() {}

    /// True once `raise()` was called.
    public var isRaised: Bool { raised.load(ordering: .acquiring) }

    /// Stops the work: the transfer fails with `ClientError.transport`, a pause ends.
    public func raise() {
        condition.lock()
        raised.store(true, ordering: .releasing)
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps up to `seconds`; returns false when the signal was raised before or during it.
    @discardableResult
    public func pause(_ seconds: Double) -> Bool {
        let until = Date(timeIntervalSinceNow: max(0, seconds))
        condition.lock()
        defer { condition.unlock() }
        while !isRaised, condition.wait(until: until) {}
        return !isRaised
    }
}
