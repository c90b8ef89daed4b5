import Foundation
import Synchronization

/// A token bucket per principal: `rate` requests a second, bursts up to `burst`.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let rate: Double
    private let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// Takes one token for `key`; returns the seconds to wait when none is left, nil when allowed.
    public func acquire(_ key: String, now: ContinuousClock.Instant = .now) -> Double? {
        guard rate > 0 else { return nil }
        return buckets.withLock { buckets in
            var b = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - b.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            b.tokens = min(burst, b.tokens + seconds * rate)
            b.updated = now
            defer { buckets[key] = b }
            if b.tokens >= 1 {
                b.tokens -= 1
                return nil
            }
            return (1 - b.tokens) / rate
        }
    }
}
