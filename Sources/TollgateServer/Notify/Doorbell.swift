/// A wake-up call for a background loop: rings coalesce while the loop is busy (one pending
/// ring is enough to make it look again), so ringers never wait and never pile up.
public struct Doorbell: Sendable {
    /// What the loop iterates: one element per look it should take.
    public let rings: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (rings, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks the loop to look again.
    public func ring() { continuation.yield() }

    /// Ends the loop's iteration.
    public func close() { continuation.finish() }
}
