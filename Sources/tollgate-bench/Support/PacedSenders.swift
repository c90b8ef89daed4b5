/// Requests on a fixed schedule, so latency is measured under a steady load rather than a
/// closed loop's (where a slow answer also slows the next request): request k of `count` goes
/// out at `start + k / rate` from sender k % `senders`, each sender a thread with its own
/// keep-alive connection to 127.0.0.1.
enum PacedSenders {
    /// What one sender did: its own results, and how its schedule went.
    struct Outcome<Result: Sendable>: Sendable {
        var result: Result
        /// Requests sent more than 5 ms after their slot: the load generator could not keep up.
        var late = 0
        /// Requests never sent, because the sender could not connect.
        var unsent = 0
    }

    /// Sends `count` requests at `rate` per second to `port`; `send(k, sender, connection,
    /// &result)` makes request k and notes what it did in its sender's `result` (which starts
    /// as `initial`). Returns each sender's outcome once all are done.
    static func run<Result: Sendable>(
        count: Int, rate: Int, senders: Int = 4, port: Int, initial: Result,
        _ send: @escaping @Sendable (_ k: Int, _ sender: Int, _ connection: HTTPConnection, _ result: inout Result) -> Void
    ) -> [Outcome<Result>] {
        let interval = UInt64(1_000_000_000 / rate)
        let start = BenchClock.now() + 200_000_000
        return onThreads(senders) { sender -> Outcome<Result> in
            var outcome = Outcome(result: initial)
            guard let connection = try? HTTPConnection(port: port) else {
                outcome.unsent = max(0, count - sender + senders - 1) / senders
                return outcome
            }
            for k in stride(from: sender, to: count, by: senders) {
                let slot = start + UInt64(k) * interval
                BenchClock.sleep(until: slot)
                if BenchClock.now() > slot + 5_000_000 { outcome.late += 1 }
                send(k, sender, connection, &outcome.result)
            }
            return outcome
        }
    }
}
