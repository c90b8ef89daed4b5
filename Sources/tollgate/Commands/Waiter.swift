import Foundation
import TollgateClient
import TollgateCore

/// Long-polls an action until it is resolved, riding out restarts and network drops.
struct Waiter: Sendable {
    let client: APIClient
    let action: Action

    /// The resolved action; a `CommandFailure` when the server refuses to say (401, 403, 404).
    func wait() throws(CommandFailure) -> Action {
        let progress = isatty(STDERR_FILENO) == 1
        var current = action
        let backoff = Backoff(initial: 0.5, cap: 10)
        var failures = 0
        var rng = SystemRandomNumberGenerator()
        while current.status == .pending {
            if progress { ProgressLine.show(current) }
            do {
                current = try client.action(id: current.id, wait: 55)
                failures = 0
            } catch {
                switch error {
                case .server(let status, let e) where [401, 403, 404].contains(status):
                    if progress { ProgressLine.clear() }
                    throw CommandFailure("waiting for \(current.id): \(e.code.rawValue): \(Printable.line(e.message))")
                default:
                    failures += 1
                    let delay = backoff.delay(attempt: failures, serverRetry: nil, using: &rng)
                    if progress { ProgressLine.note("server unreachable (\(error)); retrying in \(Int(delay.rounded(.up))) s") }
                    Thread.sleep(forTimeInterval: delay)
                }
            }
        }
        if progress { ProgressLine.clear() }
        return current
    }
}
