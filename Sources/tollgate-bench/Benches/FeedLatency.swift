import Foundation
import TollgateCore

/// Feed latency, end to end: agents submit at a steady rate while many subscribers read the
/// feed; for every event at every subscriber, the time from the submission's 201 to the moment
/// the event's bytes came off the subscriber's socket.
///
/// Run against `tollgate serve` and against the sse-starlette peer with the same client.
enum FeedLatency {
    struct Outcome {
        /// From the agent reading the 201 to the subscriber reading the event.
        var latencies: Samples
        /// From the agent sending the POST to the subscriber reading the event: what a person
        /// watching the console waits for, the server's durable commit included.
        var fromRequest: Samples
        /// Events that reached a subscriber before their agent had read the 201 (counted as 0 ms):
        /// the server publishes before it answers.
        var beforeResponse: Int
        var lost: Int
        var expected: Int
        var submitted: Int
        var failedSubmissions: Int
        /// Submissions sent more than 5 ms after their slot: the load generator could not keep up.
        var late: Int
        var dropped: Int
        /// Every answered submission, with its times (other rows measure other arrivals from them).
        var submissions: [Submission] = []

        /// Every event reached every subscriber, and every submission was answered.
        var clean: Bool { lost == 0 && failedSubmissions == 0 && dropped == 0 }

        /// The share of the events received that arrived before their 201, in percent.
        var beforeResponsePercent: Double { 100 * Double(beforeResponse) / Double(max(1, expected - lost)) }

        /// What went wrong in the run, each part after "; " (empty when nothing did).
        var problemsText: String {
            var text = ""
            if failedSubmissions > 0 { text += "; \(failedSubmissions) submissions failed" }
            if late > 0 { text += "; \(late) submissions sent late" }
            if dropped > 0 { text += "; \(dropped) subscribers dropped" }
            return text
        }
    }

    static func run(_ context: BenchContext) {
        let subscribers = 100
        let rate = 200
        let seconds = context.seconds(30, quick: 5)
        let how =
            "\(subscribers) subscribers (sockets + SSEParser), agents submitting \(rate)/s for \(Int(seconds)) s on 4 keep-alive connections, ~1.5 KB actions"
        let ours: Outcome
        do {
            let server = try ServerProcess.tollgate(binary: context.tollgate, directory: try context.folder("latency-tollgate"))
            defer { server.stop() }
            Log.say("feed latency: tollgate serve on port \(server.port)")
            ours = try measure(server, subscribers: subscribers, rate: rate, seconds: seconds)
        } catch {
            context.report.add(.failed("feed latency, end to end", "\(error)"))
            return
        }
        var peerText = ""
        do {
            let peer = try ServerProcess.pythonPeer(
                python: context.python, script: context.scripts + "/peer_feed_server.py",
                directory: try context.folder("latency-python"))
            defer { peer.stop() }
            Log.say("feed latency: sse-starlette + uvicorn peer on port \(peer.port)")
            let theirs = try measure(peer, subscribers: subscribers, rate: rate, seconds: seconds)
            let p99 = theirs.fromRequest.percentile(99) ?? 0
            peerText =
                Format.ratio(ours.fromRequest.percentile(99) ?? 0, p99, peer: "sse-starlette + uvicorn", higherIsBetter: false)
                + " at p99 from the POST (theirs: p50 \(Format.ms(theirs.fromRequest.median)), p99 \(Format.ms(p99)), lost \(theirs.lost) of \(theirs.expected);"
                + " from the 201: p50 \(Format.ms(theirs.latencies.median)), p99 \(Format.ms(theirs.latencies.percentile(99))))"
        } catch {
            peerText = "peer failed: \(Report.oneLine("\(error)"))"
        }
        let p50 = ours.latencies.median ?? .infinity
        let p99 = ours.latencies.percentile(99) ?? .infinity
        var figure = "from the 201: p50 \(Format.ms(p50)), p99 \(Format.ms(p99)), max \(Format.ms(ours.latencies.max))"
        figure += " (\(Format.fixed(ours.beforeResponsePercent, 0))% arrived before the 201, counted 0)"
        figure +=
            "; from the POST: p50 \(Format.ms(ours.fromRequest.median)), p99 \(Format.ms(ours.fromRequest.percentile(99))), max \(Format.ms(ours.fromRequest.max))"
        figure += "; lost \(ours.lost) of \(Format.count(Double(ours.expected)))" + ours.problemsText
        context.report.add(
            ResultRow(
                what: "feed latency, end to end", how: "release tollgate serve on 127.0.0.1; " + how,
                figure: figure, target: "p50 < 2 ms, p99 < 10 ms, none lost (held to both clocks)",
                verdict: ours.clean && p50 < 2 && p99 < 10 && (ours.fromRequest.median ?? .infinity) < 2 && (ours.fromRequest.percentile(99) ?? .infinity) < 10
                    ? .meets : .misses, peer: peerText))
    }

    // MARK: - One run

    /// Submissions go to `server`; the subscribers read the feed of `feedServer` (another
    /// replica of the same ledger), or of `server` when it is nil.
    static func measure(_ server: ServerProcess, feedFrom feedServer: ServerProcess? = nil, subscribers count: Int, rate: Int, seconds: Double) throws
        -> Outcome
    {
        let feed = FeedSubscribers(recordArrivals: true)
        try feed.connect(port: (feedServer ?? server).port, token: server.principals.watcher, count: count)
        feed.start()
        guard feed.waitUntilSynced(seconds: 30) else {
            feed.stop()
            throw BenchError("only \(feed.synced) of \(count) subscribers got their sync within 30 s")
        }
        // The catch-up before `sync` replays what is pending as `action` events: not this run's.
        let caughtUp = feed.actionEvents
        let total = Int(Double(rate) * seconds)
        let bodies = requestBodies(total)
        let tokens = server.principals.agents
        let senders = PacedSenders.run(count: total, rate: rate, port: server.port, initial: SenderResult()) { k, sender, connection, result in
            let sent = BenchClock.now()
            do {
                let response = try connection.request("POST", "/v1/actions", token: tokens[sender % tokens.count], body: bodies[k])
                let at = BenchClock.now()
                guard response.status == 201, let id = response.body.withUnsafeBytes({ JSONScan.topLevelString("id", in: $0) }) else {
                    result.failed += 1
                    return
                }
                result.responses.append(Submission(id: id, sent: sent, answered: at))
            } catch {
                result.failed += 1
            }
        }
        let results = senders.map(\.result)
        let responses = results.flatMap(\.responses)
        // Stragglers: wait until every subscriber has every event, or 10 s.
        let deadline = BenchClock.now() + 10_000_000_000
        while BenchClock.now() < deadline {
            if feed.actionEvents - caughtUp >= responses.count * (count - feed.closedByServer) { break }
            BenchClock.sleep(nanoseconds: 20_000_000)
        }
        feed.stop()
        var outcome = Outcome(
            latencies: Samples(), fromRequest: Samples(), beforeResponse: 0, lost: 0, expected: responses.count * count,
            submitted: responses.count, failedSubmissions: results.reduce(0) { $0 + $1.failed } + senders.reduce(0) { $0 + $1.unsent },
            late: senders.reduce(0) { $0 + $1.late }, dropped: feed.streams.filter(\.closed).count, submissions: responses)
        for stream in feed.streams {
            for submission in responses {
                guard let arrived = stream.arrivals[submission.id] else {
                    outcome.lost += 1
                    continue
                }
                outcome.fromRequest.add(Double(arrived - submission.sent) / 1e6)
                if arrived < submission.answered {
                    outcome.beforeResponse += 1
                    outcome.latencies.add(0)
                } else {
                    outcome.latencies.add(Double(arrived - submission.answered) / 1e6)
                }
            }
        }
        feed.disconnect()
        return outcome
    }

    /// One answered submission: its action's id, when the POST went out and when its 201 was read.
    struct Submission: Sendable {
        var id: String
        var sent: UInt64
        var answered: UInt64
    }

    private struct SenderResult: Sendable {
        var responses: [Submission] = []
        var failed = 0
    }

    /// The JSON bodies of `count` realistic submissions, encoded before the clock starts.
    static func requestBodies(_ count: Int, offset: Int = 0) -> [[UInt8]] {
        let encoder = JSONEncoder()
        let corpus = Corpus()
        return (0..<count).map { i in
            // Encoding a value built in memory cannot fail; a failure here is a bug in the corpus.
            guard let data = try? encoder.encode(corpus.request(offset + i)) else { fatalError("cannot encode corpus request \(i)") }
            return Array(data)
        }
    }
}
