import Foundation
import TollgateClient
import TollgateCore

/// One agent's exchange with the server about one action — submit, long-poll, cancel — inside
/// an optional deadline, and abandoned at once when `abort` is raised.
///
/// The one wait loop behind `request --wait`, the Claude Code hook and the MCP tools. Without a
/// deadline it rides out outages for as long as it takes (`request --wait`). With one, every
/// call's timeout is cut to what is left of `deadline` plus half the `grace`, so waiting ends
/// within the deadline and the grace, server down or not: a hook and an MCP tool must answer
/// before their caller gives up on them.
struct AgentRound {
    let endpoint: ServerEndpoint
    /// When waiting for a decision stops; nil for no limit.
    var deadline: ContinuousClock.Instant?
    /// How far past `deadline` the last call (a cancel) may run.
    var grace: Duration = .milliseconds(1_500)
    /// Ends the round early: the call in flight within about a second, a pause at once.
    var abort: AbortSignal?
    /// The longest single long poll, in seconds: the protocol's 55, or less for more frequent news.
    var pollSeconds = 55
    /// Told the action as last seen, before each poll: for a progress line or notification.
    var onPoll: (Action) -> Void = { _ in }
    /// Told when the server could not be reached: the error and the seconds before the next try.
    var onOutage: (ClientError, Double) -> Void = { _, _ in }

    /// Why the round could not get an answer.
    enum Failure: Error, CustomStringConvertible {
        /// The server answered with a refusal that another try would not change (a 4xx).
        case refused(ClientError)
        /// The server could not be reached (or failed) up to the deadline.
        case unreachable(ClientError)
        /// The deadline left no time for the call.
        case outOfTime
        /// `abort` was raised.
        case abandoned

        var description: String {
            switch self {
            case .refused(let error): error.description
            case .unreachable(let error): "\(error) (gave up at the deadline)"
            case .outOfTime: "no time left to ask"
            case .abandoned: "abandoned: the caller cancelled"
            }
        }
    }

    /// Submits `request` under `key`, retrying transport errors and 5xx answers until the deadline.
    func submit(_ request: ActionRequest, key: String) throws(Failure) -> Action {
        try retrying { client throws(ClientError) in try client.submit(request, idempotencyKey: key) }
    }

    /// The action `id` as it stands now, retrying transport errors and 5xx answers until the deadline.
    func fetch(_ id: String) throws(Failure) -> Action {
        try retrying { client throws(ClientError) in try client.action(id: id) }
    }

    /// `action` once resolved, or still pending when the deadline came first.
    ///
    /// Throws when the server refuses to say (401, 403, 404), when it could not be reached at
    /// all by the deadline (an outage is an error, not a timeout), or when abandoned.
    func waitForDecision(_ action: Action) throws(Failure) -> Action {
        var current = action
        var unreachable: ClientError?
        var failures = 0
        var random = SystemRandomNumberGenerator()
        // The server's `max_wait_seconds` may be below 55: a refused wait is halved until it fits.
        var longest = max(pollSeconds, 1)
        while current.status == .pending {
            if abort?.isRaised == true { throw .abandoned }
            var wait = longest
            if let deadline {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { break }
                wait = min(longest, Int(left.components.seconds))
                // The server waits in whole seconds: the last fraction is slept here, then one last look.
                if wait == 0, !pause(Self.seconds(left)) { throw .abandoned }
            }
            guard let client = client(reserving: .seconds(wait)) else { break }
            onPoll(current)
            do {
                current = try client.action(id: current.id, wait: wait)
                unreachable = nil
                failures = 0
            } catch {
                if abort?.isRaised == true { throw .abandoned }
                if case .server(400, _) = error, wait > 1 {
                    longest = wait / 2
                    continue
                }
                guard Self.isTransient(error) else { throw .refused(error) }
                unreachable = error
                failures += 1
                var delay = Self.backoff.delay(attempt: failures, serverRetry: nil, using: &random)
                if let deadline { delay = min(delay, max(0, Self.seconds(deadline - ContinuousClock.now))) }
                onOutage(error, delay)
                if !pause(delay) { throw .abandoned }
            }
        }
        if current.status == .pending, let unreachable { throw .unreachable(unreachable) }
        return current
    }

    /// Withdraws `action`, best effort within the grace; the action as it then stands, nil when
    /// the server could not be asked. A decision that won the race comes back resolved.
    ///
    /// Runs even when the round was abandoned: nobody is left to act on an approval.
    func cancel(_ action: Action) -> Action? {
        guard let client = client(reserving: .zero, beyondDeadline: true, abortable: false) else { return nil }
        do { return try client.cancel(id: action.id) } catch {
            guard case .server = error, let again = self.client(reserving: .zero, beyondDeadline: true, abortable: false) else { return nil }
            return try? again.action(id: action.id)
        }
    }

    // MARK: - Time

    /// Runs `call`, again after transport errors and 5xx answers, until the deadline.
    private func retrying(_ call: (APIClient) throws(ClientError) -> Action) throws(Failure) -> Action {
        var last: ClientError?
        repeat {
            if abort?.isRaised == true { throw .abandoned }
            guard let client = client(reserving: .zero) else { break }
            do { return try call(client) } catch {
                if abort?.isRaised == true { throw .abandoned }
                guard Self.isTransient(error) else { throw .refused(error) }
                last = error
                let left = deadline.map { Self.seconds($0 - ContinuousClock.now) } ?? 0.5
                if !pause(min(0.5, max(0, left))) { throw .abandoned }
            }
        } while deadline.map({ ContinuousClock.now < $0 }) ?? true
        throw last.map(Failure.unreachable) ?? .outOfTime
    }

    /// A client whose calls end in time, `reserving` the long-poll's own wait; nil when no time is left.
    private func client(reserving wait: Duration, beyondDeadline: Bool = false, abortable: Bool = true) -> APIClient? {
        let signal = abortable ? abort : nil
        guard let deadline else { return APIClient(endpoint: endpoint, timeout: 30, abort: signal) }
        let end = beyondDeadline ? deadline + grace - .milliseconds(200) : deadline + grace / 2
        let left = end - ContinuousClock.now - wait
        guard left > .milliseconds(100) else { return nil }
        return APIClient(endpoint: endpoint, timeout: min(10, Self.seconds(left)), abort: signal)
    }

    /// Sleeps `seconds`; false when abandoned first.
    private func pause(_ seconds: Double) -> Bool {
        guard let abort else {
            Thread.sleep(forTimeInterval: seconds)
            return true
        }
        return abort.pause(seconds)
    }

    /// Between tries while the server is unreachable: from half a second up to ten, jittered.
    private static let backoff = Backoff(initial: 0.5, cap: 10)

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Worth another try: no answer, the server's own failure, or its rate limit.
    private static func isTransient(_ error: ClientError) -> Bool {
        switch error {
        // Retried like an outage, as it always was here: while waiting, the certificate was
        // accepted at submission (a refusal now is a proxy mid-renewal), and the hook and the
        // MCP tools give up at their deadline anyway.
        case .transport, .certificateRefused: true
        case .server(let status, _), .http(let status, _): status >= 500 || status == 429
        case .decoding: false
        }
    }
}
