import Foundation
import TollgateCore
import XCTest

@testable import TollgateServer

/// What one attempt's result means for a delivery: delivered, tried again after a jittered
/// backoff (no sooner than a capped Retry-After), or given up — at once for a refusal or a
/// redirect, after the last attempt for everything else.
final class DeliveryRulesTests: XCTestCase {
    private static let now = Timestamp(milliseconds: 1_700_000_000_000)

    /// Always the same number: 0 pins the jitter to no delay, `.max` to the ceiling.
    private struct FixedRandom: RandomNumberGenerator {
        var value: UInt64
        mutating func next() -> UInt64 { value }
    }

    /// Five attempts, the first retry within 2 s, none later than 60 s.
    private static func notifier(maxAttempts: Int = 5) -> NotifierSettings {
        var n = NotifierSettings(id: "hook", url: URL(fileURLWithPath: "/"))
        n.maxAttempts = maxAttempts
        n.retryInitialSeconds = 2
        n.retryMaxSeconds = 60
        return n
    }

    private static func outcome(
        _ result: DeliveryRules.Attempt, attempt: Int = 1, maxAttempts: Int = 5, random: UInt64 = .max
    ) -> Ledger.DeliveryOutcome {
        var generator = FixedRandom(value: random)
        return DeliveryRules.outcome(of: result, attempt: attempt, notifier: notifier(maxAttempts: maxAttempts), at: now, random: &generator)
    }

    /// The outcome in words: `delivered`, `retry in S s: E` or `failed: E`.
    private static func describe(_ outcome: Ledger.DeliveryOutcome) -> String {
        switch outcome {
        case .delivered: "delivered"
        case .retry(let at, let error): "retry in \(now.seconds(until: at)) s: \(error)"
        case .failed(let error): "failed: \(error)"
        }
    }

    private static func answered(_ status: Int, retryAfter: Double? = nil) -> DeliveryRules.Attempt {
        .answered(status: status, retryAfter: retryAfter)
    }

    // MARK: - Outcomes

    func testA2xxIsDeliveredEvenOnTheLastAttempt() {
        for status in [200, 201, 202, 204, 299] {
            XCTAssertEqual(Self.describe(Self.outcome(Self.answered(status))), "delivered", "\(status)")
            XCTAssertEqual(Self.describe(Self.outcome(Self.answered(status), attempt: 5)), "delivered", "\(status)")
        }
    }

    /// A timeout, too many requests, and a server's own failure pass: the same delivery is sent again.
    func testTimeoutsRateLimitsAndServerErrorsAreRetried() {
        for status in [408, 429, 500, 502, 503, 504, 599] {
            XCTAssertEqual(Self.describe(Self.outcome(Self.answered(status))), "retry in 2.0 s: HTTP \(status)")
        }
    }

    func testAnUnansweredAttemptIsRetriedWithItsReason() {
        XCTAssertEqual(Self.describe(Self.outcome(.unanswered("connection refused"))), "retry in 2.0 s: connection refused")
        XCTAssertEqual(Self.describe(Self.outcome(.unanswered("no answer within 10.0 s"), attempt: 2)), "retry in 4.0 s: no answer within 10.0 s")
    }

    /// A refusal will not change by asking again; a redirect is not followed (the URL is
    /// configured exactly, and following one would send the action elsewhere).
    func testRefusalsAndRedirectsAreGivenUpAtOnce() {
        for status in [400, 401, 403, 404, 405, 409, 410, 413, 422, 451, 499] {
            XCTAssertEqual(Self.describe(Self.outcome(Self.answered(status, retryAfter: 5))), "failed: HTTP \(status), not retried")
        }
        for status in [300, 301, 302, 303, 307, 308] {
            XCTAssertEqual(
                Self.describe(Self.outcome(Self.answered(status))),
                "failed: HTTP \(status), not retried (a redirect: webhook URLs are not followed elsewhere)")
        }
    }

    func testTheLastAttemptGivesUp() {
        XCTAssertEqual(Self.describe(Self.outcome(Self.answered(503), attempt: 5)), "failed: HTTP 503; gave up after 5 attempts")
        XCTAssertEqual(Self.describe(Self.outcome(.unanswered("connection reset"), attempt: 5)), "failed: connection reset; gave up after 5 attempts")
        XCTAssertEqual(Self.describe(Self.outcome(Self.answered(429), attempt: 1, maxAttempts: 1)), "failed: HTTP 429; gave up after 1 attempts")
        XCTAssertEqual(Self.describe(Self.outcome(Self.answered(500), attempt: 4)), "retry in 16.0 s: HTTP 500", "the one before the last retries")
    }

    // MARK: - Delays

    func testTheCeilingDoublesFromTheFirstRetryUpToTheLongest() {
        let ceilings = (1...8).map { Self.describe(Self.outcome(Self.answered(500), attempt: $0, maxAttempts: 100)) }
        XCTAssertEqual(ceilings, [2.0, 4, 8, 16, 32, 60, 60, 60].map { "retry in \($0) s: HTTP 500" })
    }

    func testAPinnedZeroDrawRetriesAtOnce() {
        XCTAssertEqual(Self.describe(Self.outcome(Self.answered(500), attempt: 3, random: 0)), "retry in 0.0 s: HTTP 500")
    }

    /// Full jitter: each delay anywhere in [0, ceiling], spread across it, so receivers that
    /// failed together are not hit together again.
    func testDelaysAreJitteredWithinTheirCeiling() {
        var random = SplitMix64(seed: 16)
        for (attempt, ceiling) in [(1, 2.0), (2, 4), (3, 8), (6, 60), (40, 60)] {
            var delays: [Double] = []
            for _ in 0..<500 {
                guard
                    case .retry(let at, _) = DeliveryRules.outcome(
                        of: Self.answered(503), attempt: attempt, notifier: Self.notifier(maxAttempts: 100), at: Self.now, random: &random)
                else { return XCTFail("not a retry") }
                delays.append(Self.now.seconds(until: at))
            }
            let low = delays.min() ?? -1, high = delays.max() ?? -1
            XCTAssertGreaterThanOrEqual(low, 0, "attempt \(attempt)")
            XCTAssertLessThanOrEqual(high, ceiling, "attempt \(attempt)")
            XCTAssertLessThan(low, ceiling * 0.1, "attempt \(attempt): spread down to near zero")
            XCTAssertGreaterThan(high, ceiling * 0.9, "attempt \(attempt): spread up to near the ceiling")
        }
    }

    /// A receiver's Retry-After is a minimum, capped at the longest delay: a receiver cannot
    /// park a delivery for a day, nor have it hammer back sooner than the backoff.
    func testRetryAfterIsHonouredButCapped() {
        XCTAssertEqual(Self.describe(Self.outcome(Self.answered(503, retryAfter: 30), random: 0)), "retry in 30.0 s: HTTP 503")
        XCTAssertEqual(Self.describe(Self.outcome(Self.answered(429, retryAfter: 30), random: 0)), "retry in 30.0 s: HTTP 429")
        XCTAssertEqual(Self.describe(Self.outcome(Self.answered(503, retryAfter: 86_400), random: 0)), "retry in 60.0 s: HTTP 503", "capped")
        XCTAssertEqual(Self.describe(Self.outcome(Self.answered(503, retryAfter: 1), attempt: 3)), "retry in 8.0 s: HTTP 503", "never sooner than the backoff")
        for ignored: Double in [0, -5, .infinity, -.infinity, .nan] {
            XCTAssertEqual(Self.describe(Self.outcome(Self.answered(503, retryAfter: ignored), random: 0)), "retry in 0.0 s: HTTP 503", "\(ignored)")
        }
        XCTAssertEqual(Self.describe(Self.outcome(Self.answered(503, retryAfter: 30), attempt: 5)), "failed: HTTP 503; gave up after 5 attempts")
    }

    // MARK: - Retry-After

    func testRetryAfterTakesTheSecondsFormOnly() {
        XCTAssertEqual(DeliveryRules.retryAfter("120"), 120)
        XCTAssertEqual(DeliveryRules.retryAfter(" 7\t"), 7)
        XCTAssertEqual(DeliveryRules.retryAfter("0"), 0)
        for ignored in [nil, "", " ", "-5", "1.5", "1e3", "12 s", "0x10", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999999999999999", "٣"] {
            XCTAssertNil(DeliveryRules.retryAfter(ignored), ignored ?? "nil")
        }
    }
}
