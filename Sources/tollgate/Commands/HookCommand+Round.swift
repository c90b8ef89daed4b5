import Foundation
import TollgateClient
import TollgateCore

/// One hook's exchange with the server — submit, long-poll, cancel — all inside one deadline.
///
/// Unlike `Waiter`, which rides out outages for as long as it takes, a hook must answer before
/// Claude Code gives up on it: every call's timeout is cut to what is left of `deadline` plus
/// `grace` (the time to print the answer), so the whole round ends within the hook's `--wait`
/// and two seconds, server down or not.
struct HookRound {
    let endpoint: ServerEndpoint
    /// When waiting for a decision stops.
    let deadline: ContinuousClock.Instant
    /// How far past `deadline` the last call (the cancel) may run.
    var grace: Duration = .milliseconds(1_500)

    /// Why the round could not get an answer.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Submits `request` under `key`, retrying transport errors and 5xx answers until the deadline.
    func submit(_ request: ActionRequest, key: String) throws(Failure) -> Action {
        var last: ClientError?
        repeat {
            guard let client = client(reserving: .zero) else { break }
            do { return try client.submit(request, idempotencyKey: key) } catch {
                guard Self.isTransient(error) else { throw Failure(description: error.description) }
                last = error
                pause()
            }
        } while ContinuousClock.now < deadline
        throw Failure(description: last.map { "\($0) (gave up at the deadline)" } ?? "no time left to submit")
    }

    /// `action` once resolved, or still pending when the deadline came first.
    ///
    /// Throws when the server refuses to say (401, 403, 404), or when it could not be reached at
    /// all by the deadline: an outage is an error, not a timeout.
    func waitForDecision(_ action: Action) throws(Failure) -> Action {
        var current = action
        var unreachable: ClientError?
        // The server's `max_wait_seconds` may be below 55: a refused wait is halved until it fits.
        var longest = 55
        while current.status == .pending {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { break }
            let wait = min(longest, Int(left.components.seconds))
            // The server waits in whole seconds: the last fraction is slept here, then one last look.
            if wait == 0 { Thread.sleep(forTimeInterval: Self.seconds(left)) }
            guard let client = client(reserving: .seconds(wait)) else { break }
            do {
                current = try client.action(id: current.id, wait: wait)
                unreachable = nil
            } catch {
                if case .server(400, _) = error, wait > 1 {
                    longest = wait / 2
                    continue
                }
                guard Self.isTransient(error) else { throw Failure(description: error.description) }
                unreachable = error
                pause()
            }
        }
        if current.status == .pending, let unreachable { throw Failure(description: unreachable.description) }
        return current
    }

    /// Withdraws `action`, best effort within the grace; the action as it then stands, nil when
    /// the server could not be asked. A decision that won the race comes back resolved.
    func cancel(_ action: Action) -> Action? {
        guard let client = client(reserving: .zero, beyondDeadline: true) else { return nil }
        do { return try client.cancel(id: action.id) } catch {
            guard case .server = error, let again = self.client(reserving: .zero, beyondDeadline: true) else { return nil }
            return try? again.action(id: action.id)
        }
    }

    // MARK: - Time

    /// A client whose calls end in time, `reserving` the long-poll's own wait; nil when no time is left.
    private func client(reserving wait: Duration, beyondDeadline: Bool = false) -> APIClient? {
        let end = beyondDeadline ? deadline + grace - .milliseconds(200) : deadline + grace / 2
        let left = end - ContinuousClock.now - wait
        guard left > .milliseconds(100) else { return nil }
        return APIClient(endpoint: endpoint, timeout: min(10, Self.seconds(left)))
    }

    private func pause() {
        let left = deadline - ContinuousClock.now
        if left > .zero { Thread.sleep(forTimeInterval: min(0.5, Self.seconds(left))) }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Worth another try: no answer, or the server's own failure.
    private static func isTransient(_ error: ClientError) -> Bool {
        switch error {
        case .transport: true
        case .server(let status, _), .http(let status, _): status >= 500
        case .decoding: false
        }
    }
}
