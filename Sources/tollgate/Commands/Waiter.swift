import Foundation
import TollgateClient
import TollgateCore

/// Long-polls an action until it is resolved, riding out restarts and network drops, with a
/// progress line on a terminal: `request --wait`'s use of `AgentRound` without a deadline.
struct Waiter: Sendable {
    let client: APIClient
    let action: Action

    /// The resolved action; a `CommandFailure` when the server refuses to say (401, 403, 404).
    func wait() throws(CommandFailure) -> Action {
        let progress = isatty(STDERR_FILENO) == 1
        var round = AgentRound(endpoint: client.endpoint)
        if progress {
            round.onPoll = { ProgressLine.show($0) }
            round.onOutage = { error, delay in ProgressLine.note("server unreachable (\(error)); retrying in \(Int(delay.rounded(.up))) s") }
        }
        defer { if progress { ProgressLine.clear() } }
        do { return try round.waitForDecision(action) } catch {
            switch error {
            case .refused(.server(_, let e)): throw CommandFailure("waiting for \(action.id): \(e.code.rawValue): \(Printable.line(e.message))")
            default: throw CommandFailure("waiting for \(action.id): \(error)")
            }
        }
    }
}
