/// How long the feed waits before reconnecting: the server's `retry:` first, then exponential
/// backoff with full jitter, capped.
///
/// Full jitter (a uniform delay between zero and the exponential ceiling) keeps a crowd of
/// consoles that lost the server together from reconnecting together. A pure value: the
/// random source is a parameter, so tests can pin it.
///
/// ```swift
/// var rng = SystemRandomNumberGenerator()
/// let seconds = Backoff(initial: 0.5, cap: 30).delay(attempt: 3, serverRetry: nil, using: &rng)  // in 0...2
/// ```
public struct Backoff: Hashable, Sendable {
    /// The ceiling of the first jittered delay, in seconds; it doubles with each attempt.
    public var initial: Double
    /// No delay is ever longer than this, in seconds.
    public var cap: Double

    public init(initial: Double = 0.5, cap: Double = 30) {
        self.initial = initial
        self.cap = cap
    }

    /// The delay before reconnect attempt `attempt` (1 for the first after a loss), in seconds.
    ///
    /// - Parameter serverRetry: the reconnection time the server set with `retry:`, in seconds.
    ///   The first attempt waits exactly that (the spec's behaviour, and the server's way to
    ///   spread its own restarts); later attempts back off from it, or from `initial` when it
    ///   is shorter, so a `retry: 0` cannot make the client hammer a failing server.
    public func delay<R: RandomNumberGenerator>(attempt: Int, serverRetry: Double?, using random: inout R) -> Double {
        let cap = cap.isFinite ? max(cap, 0) : 0
        if attempt <= 1, let retry = serverRetry, retry.isFinite {
            return min(max(retry, 0), cap)
        }
        let base = max(initial.isFinite ? initial : 0, serverRetry.map { $0.isFinite ? $0 : 0 } ?? 0, 0)
        // 2^62 seconds exceeds any cap, and the exponent stays within Double's exact range.
        let ceiling = min(cap, base * Double(sign: .plus, exponent: min(max(attempt - 1, 0), 62), significand: 1))
        // One draw scaled by hand rather than `Double.random(in:using:)`, whose rejection loop
        // never ends with a pinned generator: the top 53 bits give a uniform fraction in [0, 1).
        let fraction = Double(random.next() >> 11) * 0x1p-53
        return ceiling > 0 ? ceiling * fraction : 0
    }
}
