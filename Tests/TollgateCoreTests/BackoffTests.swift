import TollgateCore
import XCTest

/// The reconnect delay: the server's retry first, then capped exponential backoff with full jitter.
final class BackoffTests: XCTestCase {
    /// Always the same number: 0 pins the jitter to zero, `.max` to the ceiling.
    private struct FixedRandom: RandomNumberGenerator {
        var value: UInt64
        mutating func next() -> UInt64 { value }
    }

    /// splitmix64, so a failure is reproducible.
    private struct SeededRandom: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private let backoff = Backoff(initial: 0.5, cap: 30)

    func testTheFirstAttemptWaitsExactlyTheServersRetry() {
        var random = SeededRandom(state: 1)
        XCTAssertEqual(backoff.delay(attempt: 1, serverRetry: 2.5, using: &random), 2.5)
        XCTAssertEqual(backoff.delay(attempt: 1, serverRetry: 0, using: &random), 0)
        XCTAssertEqual(backoff.delay(attempt: 1, serverRetry: 3600, using: &random), 30, "retry is capped too")
    }

    func testCeilingDoublesFromInitialUpToTheCap() {
        var top = FixedRandom(value: .max)
        let ceilings = (1...10).map { backoff.delay(attempt: $0, serverRetry: nil, using: &top) }
        for (delay, expected) in zip(ceilings, [0.5, 1, 2, 4, 8, 16, 30, 30, 30, 30]) {
            XCTAssertEqual(delay, expected, accuracy: expected * 1e-9)
        }
        XCTAssertEqual(backoff.delay(attempt: 10_000, serverRetry: nil, using: &top), 30, accuracy: 1e-9)
    }

    func testLaterAttemptsBackOffFromTheServersRetry() {
        var top = FixedRandom(value: .max)
        XCTAssertEqual(backoff.delay(attempt: 2, serverRetry: 5, using: &top), 10, accuracy: 1e-9)
        XCTAssertEqual(backoff.delay(attempt: 3, serverRetry: 5, using: &top), 20, accuracy: 1e-9)
        XCTAssertEqual(backoff.delay(attempt: 3, serverRetry: 0, using: &top), 2, accuracy: 1e-9, "retry: 0 cannot make it hammer")
    }

    func testJitterSpansZeroToTheCeiling() {
        var bottom = FixedRandom(value: 0)
        XCTAssertEqual(backoff.delay(attempt: 6, serverRetry: nil, using: &bottom), 0)

        var random = SeededRandom(state: 42)
        let samples = (0..<2000).map { _ in backoff.delay(attempt: 6, serverRetry: nil, using: &random) }
        XCTAssertTrue(samples.allSatisfy { (0...16).contains($0) })
        XCTAssertLessThan(samples.min() ?? 16, 1, "full jitter reaches near zero")
        XCTAssertGreaterThan(samples.max() ?? 0, 15, "and near the ceiling")
        XCTAssertGreaterThan(Set(samples).count, 1900, "every delay is drawn afresh")
    }

    func testNonsenseSettingsGiveFiniteDelays() {
        var top = FixedRandom(value: .max)
        XCTAssertEqual(Backoff(initial: .nan, cap: 30).delay(attempt: 3, serverRetry: nil, using: &top), 0)
        XCTAssertEqual(Backoff(initial: 1, cap: -5).delay(attempt: 3, serverRetry: nil, using: &top), 0)
        XCTAssertEqual(Backoff(initial: 1, cap: .infinity).delay(attempt: 3, serverRetry: .infinity, using: &top), 0)
        XCTAssertEqual(Backoff(initial: 1e300, cap: 30).delay(attempt: 60, serverRetry: nil, using: &top), 30, accuracy: 1e-9)
    }
}
