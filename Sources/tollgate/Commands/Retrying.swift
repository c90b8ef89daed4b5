import Foundation
import TollgateClient

/// Retries an idempotent call on transport errors, then gives up with a `CommandFailure` (exit 2).
enum Retrying {
    static func call<T>(_ what: String, attempts: Int = 5, _ body: () throws(ClientError) -> T) throws(CommandFailure) -> T {
        let backoff = Backoff(initial: 0.5, cap: 5)
        var rng = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            do { return try body() } catch {
                guard case .transport = error, attempt < attempts else { throw CommandFailure("\(what): \(error)") }
                Thread.sleep(forTimeInterval: backoff.delay(attempt: attempt, serverRetry: nil, using: &rng))
                attempt += 1
            }
        }
    }
}
