import Foundation
import TollgateClient
import TollgateCore

/// Retries an idempotent call while the server gives no answer, then gives up with a
/// `CommandFailure` (exit 2).
enum Retrying {
    static func call<T>(_ what: String, attempts: Int = 5, _ body: () throws(ClientError) -> T) throws(CommandFailure) -> T {
        let backoff = Backoff(initial: 0.5, cap: 5)
        var rng = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            do { return try body() } catch {
                guard isUnanswered(error), attempt < attempts else { throw CommandFailure("\(what): \(error)") }
                Thread.sleep(forTimeInterval: backoff.delay(attempt: attempt, serverRetry: nil, using: &rng))
                attempt += 1
            }
        }
    }

    /// No answer from the server: none at all, or a proxy's or the server's word that it cannot
    /// answer now (502, 503 `unavailable`, 504). A proxy answers 502 for a POST its replica took
    /// and then died on, which only the caller's Idempotency-Key makes safe to send again.
    /// A refused certificate is not retried: another try is refused the same way.
    private static func isUnanswered(_ error: ClientError) -> Bool {
        switch error {
        case .transport: true
        case .server(let status, _), .http(let status, _): [502, 503, 504].contains(status)
        case .certificateRefused, .decoding: false
        }
    }
}
