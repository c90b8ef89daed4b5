import Foundation
import TollgateCore

/// What an attempt's result means for a delivery: pure, the rules the dispatcher follows.
///
/// A 2xx is delivered. An error with no answer (refused, reset, timed out), 408, 429 and any 5xx
/// are tried again after an exponential backoff with full jitter, no sooner than a Retry-After
/// the receiver sent (capped at the notifier's longest delay); any other answer (4xx, and 3xx:
/// redirects are not followed, a webhook URL is configured exactly) is a refusal, given up at
/// once. The last attempt's failure gives up too.
public enum DeliveryRules {
    /// One attempt's result as the sender saw it.
    public enum Attempt: Sendable {
        case answered(status: Int, retryAfter: Double?)
        case unanswered(String)
    }

    /// The outcome to record for attempt number `attempt` (1 for the first) of `delivery`'s
    /// `notifier`, which ended in `result` at `now`; `random` draws the jitter.
    public static func outcome<R: RandomNumberGenerator>(
        of result: Attempt, attempt: Int, notifier: NotifierSettings, at now: Timestamp, random: inout R
    ) -> Ledger.DeliveryOutcome {
        let error: String
        var retryAfter: Double?
        switch result {
        case .answered(let status, _) where (200...299).contains(status):
            return .delivered
        case .answered(let status, let after) where status == 408 || status == 429 || (500...599).contains(status):
            error = "HTTP \(status)"
            retryAfter = after
        case .answered(let status, _):
            let why = (300...399).contains(status) ? " (a redirect: webhook URLs are not followed elsewhere)" : ""
            return .failed(error: "HTTP \(status), not retried\(why)")
        case .unanswered(let why):
            error = why
        }
        guard attempt < notifier.maxAttempts else { return .failed(error: "\(error); gave up after \(attempt) attempts") }
        let backoff = Backoff(initial: notifier.retryInitialSeconds, cap: notifier.retryMaxSeconds)
        var delay = backoff.delay(attempt: attempt, serverRetry: nil, using: &random)
        if let retryAfter, retryAfter.isFinite, retryAfter > 0 { delay = max(delay, min(retryAfter, notifier.retryMaxSeconds)) }
        return .retry(at: now.adding(seconds: delay), error: error)
    }

    /// A `Retry-After` header's seconds (the delta form; an HTTP date is ignored).
    public static func retryAfter(_ header: String?) -> Double? {
        guard let header, let seconds = Int(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return Double(seconds)
    }
}
