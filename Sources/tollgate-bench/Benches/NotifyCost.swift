import Foundation
import Glibc
import TollgateCore

/// What webhooks and metrics cost the server (issue #16), each figure beside a peer measured in
/// the same run: submission throughput with three `[[notify]]` webhooks whose receivers answer
/// at once, and with receivers that never answer, against none (each change writes its
/// deliveries into the outbox in its own transaction, so the writer pays for them); decision
/// latency with and without the webhooks; how long a `pending` delivery takes to reach its
/// receiver, beside the feed's latency for the same submissions; and what a `GET /metrics`
/// scrape costs with 10,000 pending and 1,000 subscribers, against an empty server.
enum NotifyCost {
    static func run(_ context: BenchContext) {
        throughput(context)
        decisionLatency(context)
        deliveryLag(context)
        scrape(context)
    }

    // MARK: - The notifiers

    /// A Slack channel, a signed JSON hook and a plain one, as an on-call team might have; each
    /// covers every action (any risk, any environment) and hears of `pending`, `resolved` and
    /// `break-glass` (the default events).
    static let notifiers = ["bench-slack", "bench-signed", "bench-json"]

    /// One receiver per notifier, as each would be a host of its own.
    private static func sinks(_ behaviour: WebhookSink.Behaviour) throws -> [WebhookSink] {
        try notifiers.map { _ in try WebhookSink(behaviour) }
    }

    /// `[[notify]]` tables sending notifier i to `sinks[i]`, the signing key written beside the
    /// server's files; `timeoutSeconds` when a dead receiver should hold each send that long.
    private static func tables(_ sinks: [WebhookSink], directory: String, timeoutSeconds: Int? = nil) throws -> String {
        let secret = directory + "/webhook.secret"
        try (String(repeating: "5e", count: 32) + "\n").write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o600)
        let timeout = timeoutSeconds.map { "timeout_seconds = \($0)" } ?? ""
        return """
            [[notify]]
            id = "\(notifiers[0])"
            url = "http://127.0.0.1:\(sinks[0].port)/services/T000/B000/bench"
            format = "slack"
            \(timeout)

            [[notify]]
            id = "\(notifiers[1])"
            url = "http://127.0.0.1:\(sinks[1].port)/hooks/tollgate"
            format = "json"
            secret_file = \(JSONValue.string(secret).canonicalString)
            \(timeout)

            [[notify]]
            id = "\(notifiers[2])"
            url = "http://127.0.0.1:\(sinks[2].port)/hooks/tollgate"
            \(timeout)

            """
    }

    /// Deliveries of `event` the receivers have had, all together.
    private static func received(_ sinks: [WebhookSink], _ event: String) -> Int {
        sinks.reduce(0) { $0 + $1.count(event) }
    }

    /// Polls `done` every 10 ms for up to `seconds`; true once it holds.
    private static func wait(seconds: Double, until done: () -> Bool) -> Bool {
        let deadline = BenchClock.now() + UInt64(seconds * 1e9)
        while !done() {
            guard BenchClock.now() < deadline else { return false }
            BenchClock.sleep(nanoseconds: 10_000_000)
        }
        return true
    }

    // MARK: - Submission throughput

    private enum Setup: String, CaseIterable {
        case none
        /// Three notifiers, receivers answering 200 at once: the outbox and the dispatcher at work.
        case live
        /// Three notifiers, receivers that never answer: every send hangs until its 300 s timeout.
        case dead
    }

    private static func throughput(_ context: BenchContext) {
        let liveRow = "submission throughput, 3 webhooks vs none"
        let deadRow = "submission throughput, dead webhook receivers vs none"
        let rounds = context.size(8, quick: 1)
        let seconds = context.seconds(2.5, quick: 1)
        let warm = context.seconds(1, quick: 0.5)
        let clients = 16
        var loads: [Setup: [ServerCapacity.Load]] = [:]
        // Deliveries the answering receivers got during the measured windows, and how many
        // those windows' submissions queued.
        var sent = 0
        var queued = 0
        // The ledger's file after each server stopped, per submission it took (warm-up included).
        var bytesPerSubmission: [Setup: [Double]] = [:]
        do {
            let live = try sinks(.answer)
            let dead = try sinks(.silent)
            defer { (live + dead).forEach { $0.stop() } }
            for round in 0..<rounds {
                // Rotated, so each setup runs first, second and third alike and drift falls on all.
                for k in 0..<Setup.allCases.count {
                    let setup = Setup.allCases[(round + k) % Setup.allCases.count]
                    let directory = try context.folder("notify-\(setup.rawValue)-\(round)")
                    let configuration =
                        switch setup {
                        case .none: ""
                        case .live: try tables(live, directory: directory)
                        case .dead: try tables(dead, directory: directory, timeoutSeconds: 300)
                        }
                    // A fresh server for each measurement, stopped right after it: a server
                    // measured earlier must not be sending its backlog while another is measured.
                    let server = try ServerProcess.tollgate(binary: context.tollgate, directory: directory, configuration: configuration)
                    defer { server.stop() }
                    let warmed = try ServerCapacity.load([server], clients: clients, seconds: warm, bodyOffset: 0, decisions: false)
                    let before = received(live, "pending")
                    let load = try ServerCapacity.load([server], clients: clients, seconds: seconds, bodyOffset: 0, decisions: false)
                    if setup == .live {
                        sent += received(live, "pending") - before
                        queued += notifiers.count * load.submitted
                    }
                    loads[setup, default: []].append(load)
                    // Stopped first, so the ledger's last changes are in its file when it is measured.
                    server.stop()
                    let ledger = [directory + "/server.sqlite", directory + "/server.sqlite-wal"].reduce(0) {
                        $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0)
                    }
                    bytesPerSubmission[setup, default: []].append(Double(ledger) / Double(max(1, warmed.submitted + load.submitted)))
                }
                Log.say(
                    "notify: round \(round + 1) of \(rounds): "
                        + Setup.allCases.map { "\($0.rawValue) \(Format.count(loads[$0]?.last?.submissionsPerSecond ?? 0))/s" }.joined(separator: ", "))
            }
        } catch {
            context.report.add(.failed(liveRow, "\(error)"))
            context.report.add(.failed(deadRow, "\(error)"))
            return
        }
        let none = loads[.none] ?? [], live = loads[.live] ?? [], dead = loads[.dead] ?? []
        let liveRatio = Ratios(live, none), deadRatio = Ratios(dead, none), deadToLive = Ratios(dead, live)
        let failures = (none + live + dead).map(\.failures).reduce(0, +)
        let failureText = failures > 0 ? "; \(failures) requests failed" : ""
        let measured = Double(live.count) * seconds
        func kilobytes(_ setup: Setup) -> String {
            Format.fixed((Samples(bytesPerSubmission[setup] ?? []).median ?? 0) / 1024, 1) + " KB"
        }
        let how =
            "release tollgate serve (rate limit off), a fresh one per measurement: none, 3 [[notify]] webhooks covering every action "
            + "(slack, signed json, json; a loopback receiver each), or the same 3 with receivers that read and never answer (timeout_seconds = 300); "
            + "\(clients) agents, closed loop, submissions only (the capacity row's load), \(Format.fixed(warm, 1)) s warm-up then \(Format.fixed(seconds, 1)) s; "
            + "\(rounds) rounds, the order rotating"
        context.report.add(
            ResultRow(
                what: liveRow, how: how,
                figure: "none: \(Format.count(mean(none))) submissions/s (server CPU \(Format.fixed(cpu(none), 3)) ms each); "
                    + "3 webhooks: \(Format.count(mean(live))) submissions/s (\(Format.fixed(cpu(live), 3)) ms each, the dispatcher's sending included), "
                    + "the receivers getting \(Format.count(Double(sent) / measured)) deliveries/s meanwhile "
                    + "(\(Format.fixed(100 * Double(sent) / Double(max(1, queued)), 0))% of the \(Format.count(Double(queued) / measured))/s queued; the rest waits in the outbox); "
                    + "ratio, \(liveRatio.text); the ledger's file per submission: none \(kilobytes(.none)), 3 webhooks \(kilobytes(.live))" + failureText,
                target: "≥ 0.85 of none (the outbox costs at most ~15%), median round", verdict: liveRatio.median >= 0.85 && failures == 0 ? .meets : .misses,
                peer: "\(Format.fixed(liveRatio.median, 2))x the throughput without webhooks"))
        context.report.add(
            ResultRow(
                what: deadRow, how: "the same rounds: each notifier's 4 sends in flight hang, so nothing more is sent and the outbox only grows",
                figure: "dead receivers: \(Format.count(mean(dead))) submissions/s (\(Format.fixed(cpu(dead), 3)) ms each); ratio to none, \(deadRatio.text); "
                    + "to the answering receivers' server, median round \(Format.fixed(deadToLive.median, 3)); the ledger's file per submission \(kilobytes(.dead))"
                    + failureText,
                target: "≥ 0.95 of none (a dead receiver costs ~0%), median round", verdict: deadRatio.median >= 0.95 && failures == 0 ? .meets : .misses,
                peer: "\(Format.fixed(deadRatio.median, 2))x the throughput without webhooks"))
    }

    /// Submissions per second of `a` over `b`, round by round (each pair measured in the same round).
    private struct Ratios {
        var rounds: Samples
        var ofMeans: Double

        init(_ a: [ServerCapacity.Load], _ b: [ServerCapacity.Load]) {
            rounds = Samples(zip(a, b).map { $1.submissionsPerSecond > 0 ? $0.submissionsPerSecond / $1.submissionsPerSecond : 0 })
            let bMean = NotifyCost.mean(b)
            ofMeans = bMean > 0 ? NotifyCost.mean(a) / bMean : 0
        }

        /// Judged on the median round: a neighbour's burst spoils one round, which the median sets aside.
        var median: Double { rounds.median ?? 0 }

        var text: String {
            "median of the \(rounds.count) rounds \(Format.fixed(median, 3)) (min \(Format.fixed(rounds.min ?? 0, 3)), max \(Format.fixed(rounds.max ?? 0, 3)); "
                + "of the means \(Format.fixed(ofMeans, 3)))"
        }
    }

    private static func mean(_ loads: [ServerCapacity.Load]) -> Double {
        loads.map(\.submissionsPerSecond).reduce(0, +) / Double(max(1, loads.count))
    }

    /// The server's CPU per submission over all `loads`, in milliseconds.
    private static func cpu(_ loads: [ServerCapacity.Load]) -> Double {
        loads.map { $0.cpuPerSubmission * Double($0.submitted) }.reduce(0, +) / Double(max(1, loads.map(\.submitted).reduce(0, +)))
    }

    // MARK: - Decision latency

    /// Decisions sent on a fixed schedule, and what became of them.
    private struct Decisions: Sendable {
        /// From sending the POST to reading its answer, in milliseconds.
        var latencies: [Double] = []
        /// Answered with the action approved (resolved: one `resolved` delivery per notifier).
        var approved = 0
        var failed = 0
        /// Sent more than 5 ms after their slot: the load generator could not keep up.
        var late = 0

        mutating func add(_ other: Decisions) {
            latencies += other.latencies
            approved += other.approved
            failed += other.failed
            late += other.late
        }
    }

    private static func decisionLatency(_ context: BenchContext) {
        let what = "decision latency, 3 webhooks vs none"
        let rate = 200
        let seconds = context.seconds(10, quick: 2)
        let rounds = context.size(2, quick: 1)
        let count = Int(Double(rate) * seconds)
        var none = Decisions(), notified = Decisions()
        var resolvedDelivered = 0
        // With webhooks: seconds from the first submission to the last submission's 201, and
        // to the last pending delivery's arrival.
        var seeding = Samples(), drained = Samples()
        do {
            let sinks = try sinks(.answer)
            defer { sinks.forEach { $0.stop() } }
            for round in 0..<rounds {
                for withWebhooks in round % 2 == 0 ? [false, true] : [true, false] {
                    let directory = try context.folder("notify-decide-\(withWebhooks ? "webhooks" : "none")-\(round)")
                    let server = try ServerProcess.tollgate(
                        binary: context.tollgate, directory: directory, configuration: withWebhooks ? try tables(sinks, directory: directory) : "")
                    defer { server.stop() }
                    let pendingBefore = received(sinks, "pending")
                    let resolvedBefore = received(sinks, "resolved")
                    let seedStart = BenchClock.now()
                    let created = Seeding.created(server, count: count)
                    guard created.count == count else { throw BenchError("only \(created.count) of \(count) submissions were accepted") }
                    // The pending deliveries out of the way first, so the run measures what the
                    // decisions' own (resolved) deliveries cost.
                    if withWebhooks {
                        seeding.add(BenchClock.seconds(since: seedStart))
                        guard wait(seconds: 60, until: { received(sinks, "pending") - pendingBefore >= notifiers.count * count }) else {
                            throw BenchError(
                                "the receivers got \(received(sinks, "pending") - pendingBefore) of \(notifiers.count * count) pending deliveries within 60 s")
                        }
                        drained.add(BenchClock.seconds(since: seedStart))
                    }
                    Log.say(
                        "notify: decisions at \(rate)/s for \(Format.fixed(seconds, 0)) s, \(withWebhooks ? "3 webhooks" : "none"), round \(round + 1) of \(rounds)"
                    )
                    let run = decide(server, created, rate: rate)
                    if withWebhooks {
                        notified.add(run)
                        _ = wait(seconds: 30) { received(sinks, "resolved") - resolvedBefore >= notifiers.count * run.approved }
                        resolvedDelivered += received(sinks, "resolved") - resolvedBefore
                    } else {
                        none.add(run)
                    }
                }
            }
        } catch {
            context.report.add(.failed(what, "\(error)"))
            return
        }
        let plain = Samples(none.latencies), hooked = Samples(notified.latencies)
        let expected = notifiers.count * notified.approved
        var figure =
            "none: p50 \(Format.ms(plain.median)), p99 \(Format.ms(plain.percentile(99))), max \(Format.ms(plain.max)); "
            + "3 webhooks: p50 \(Format.ms(hooked.median)), p99 \(Format.ms(hooked.percentile(99))), max \(Format.ms(hooked.max)); "
            + "the receivers got \(Format.count(Double(resolvedDelivered))) of the \(Format.count(Double(expected))) resolved deliveries; "
            + "before the decisions, the \(Format.count(Double(notifiers.count * count))) pending deliveries of the \(Format.count(Double(count))) submissions "
            + "(sent in \(Format.fixed(seeding.median ?? 0, 1)) s on 4 connections) had all arrived \(Format.fixed(drained.median ?? 0, 1)) s after the first "
            + "(median of the runs: \(Format.count(Double(notifiers.count * count) / max(drained.median ?? 0, 1e-9))) deliveries/s)"
        let failed = none.failed + notified.failed, late = none.late + notified.late
        if failed > 0 { figure += "; \(failed) decisions failed" }
        if late > 0 { figure += "; \(late) decisions sent late" }
        func times(_ ours: Double?, _ theirs: Double?) -> String {
            guard let ours, let theirs, theirs > 0 else { return "n/a" }
            return Format.fixed(ours / theirs, 2) + "x"
        }
        context.report.add(
            ResultRow(
                what: what,
                how:
                    "release tollgate serve, a fresh one per run, with none or the 3 webhooks of the throughput rows (receivers answering at once); "
                    + "\(count) corpus actions submitted, their pending deliveries sent, then every one approved at \(rate)/s from 4 keep-alive connections; "
                    + "POST to its answer; \(rounds) runs of each, alternating",
                figure: figure, target: "(diagnostic)", verdict: .reported,
                peer: "p99 \(times(hooked.percentile(99), plain.percentile(99))), p50 \(times(hooked.median, plain.median)) those without webhooks"))
    }

    /// Approves each of `actions` at `rate` per second, from four connections.
    private static func decide(_ server: ServerProcess, _ actions: [Seeding.Created], rate: Int) -> Decisions {
        let approvers = server.principals.approvers
        let senders = PacedSenders.run(count: actions.count, rate: rate, port: server.port, initial: Decisions()) { k, sender, connection, result in
            let sent = BenchClock.now()
            guard let response = try? connection.approve(actions[k], token: approvers[sender % approvers.count]), response.status == 200 else {
                result.failed += 1
                return
            }
            result.latencies.append(Double(BenchClock.now() - sent) / 1e6)
            if response.body.withUnsafeBytes({ JSONScan.topLevelString("status", in: $0) }) == "approved" { result.approved += 1 }
        }
        var all = Decisions()
        for sender in senders {
            all.add(sender.result)
            all.failed += sender.unsent
            all.late += sender.late
        }
        return all
    }

    // MARK: - Delivery lag

    private static func deliveryLag(_ context: BenchContext) {
        let what = "webhook delivery lag"
        let rate = 200
        let seconds = context.seconds(30, quick: 5)
        let subscribers = notifiers.count
        let feed: FeedLatency.Outcome
        var arrived: [String: [String: UInt64]] = [:]
        var unreadable = 0
        do {
            let sinks = try sinks(.answer)
            defer { sinks.forEach { $0.stop() } }
            let directory = try context.folder("notify-lag")
            let server = try ServerProcess.tollgate(binary: context.tollgate, directory: directory, configuration: try tables(sinks, directory: directory))
            defer { server.stop() }
            Log.say("notify: delivery lag, \(rate) submissions/s for \(Format.fixed(seconds, 0)) s")
            sinks.forEach { $0.record(true) }
            feed = try FeedLatency.measure(server, subscribers: subscribers, rate: rate, seconds: seconds)
            // Stragglers: up to 30 s more for every pending delivery of the run's submissions.
            _ = wait(seconds: 30) { received(sinks, "pending") >= feed.submissions.count * notifiers.count }
            for sink in sinks {
                // The first arrival of each: a retry (none is expected here) would come later.
                for a in sink.arrivals { arrived[a.notifier, default: [:]][a.actionID] = min(a.at, arrived[a.notifier]?[a.actionID] ?? .max) }
                unreadable += sink.unreadable
            }
        } catch {
            context.report.add(.failed(what, "\(error)"))
            return
        }
        var fromAnswer = Samples(), fromRequest = Samples()
        var beforeAnswer = 0, lost = 0
        for submission in feed.submissions {
            for notifier in notifiers {
                guard let at = arrived[notifier]?[submission.id] else {
                    lost += 1
                    continue
                }
                fromRequest.add(Double(at - submission.sent) / 1e6)
                if at < submission.answered {
                    beforeAnswer += 1
                    fromAnswer.add(0)
                } else {
                    fromAnswer.add(Double(at - submission.answered) / 1e6)
                }
            }
        }
        let expected = feed.submissions.count * notifiers.count
        var figure =
            "from the 201: p50 \(Format.ms(fromAnswer.median)), p99 \(Format.ms(fromAnswer.percentile(99))), max \(Format.ms(fromAnswer.max))"
            + " (\(Format.fixed(100 * Double(beforeAnswer) / Double(max(1, fromAnswer.count)), 0))% arrived before the 201, counted 0); "
            + "from the POST: p50 \(Format.ms(fromRequest.median)), p99 \(Format.ms(fromRequest.percentile(99))), max \(Format.ms(fromRequest.max)); "
            + "lost \(lost) of \(Format.count(Double(expected)))"
        if unreadable > 0 { figure += "; \(unreadable) deliveries the receivers could not read" }
        figure += feed.problemsText
        let feedP99 = feed.fromRequest.percentile(99) ?? 0
        context.report.add(
            ResultRow(
                what: what,
                how:
                    "release tollgate serve with the 3 webhooks (receivers answering at once, each noting when a pending delivery's last byte arrived); "
                    + "agents submitting \(rate)/s for \(Format.fixed(seconds, 0)) s on 4 keep-alive connections (the feed latency load) while \(subscribers) feed subscribers read; "
                    + "each (action, notifier) from its 201 and from its POST",
                figure: figure, target: "(diagnostic)", verdict: .reported,
                peer: "p99 from the POST \(Format.fixed((fromRequest.percentile(99) ?? 0) / max(feedP99, 1e-9), 1))x the feed's for the same submissions "
                    + "(feed, \(subscribers) subscribers: from the 201 p50 \(Format.ms(feed.latencies.median)), p99 \(Format.ms(feed.latencies.percentile(99))); "
                    + "from the POST p50 \(Format.ms(feed.fromRequest.median)), p99 \(Format.ms(feedP99)); lost \(feed.lost) of \(Format.count(Double(feed.expected))))"
            ))
    }

    // MARK: - Scraping the metrics

    /// A series of scrapes of one server.
    private struct Scrapes {
        /// The first scrape, in milliseconds: it reads the risk of every action that became
        /// pending since the last one.
        var first = 0.0
        /// The scrapes after it, in milliseconds.
        var times = Samples()
        var bytes = 0
        /// The server's CPU time per scrape after the first, in milliseconds.
        var cpu = 0.0
        /// What the exposition said: pending actions (all risks) and feed subscribers.
        var pending = 0.0
        var subscribers = 0.0

        var text: String {
            "p50 \(Format.ms(times.median)), p99 \(Format.ms(times.percentile(99))), max \(Format.ms(times.max)), first \(Format.ms(first)); "
                + "\(Format.count(Double(bytes))) B; server CPU \(Format.ms(cpu)) per scrape"
        }
    }

    private static func scrape(_ context: BenchContext) {
        let what = "GET /metrics scrape"
        let pending = context.size(10_000, quick: 1_000)
        let subscribers = context.size(1_000, quick: 100)
        let count = context.size(200, quick: 20)
        let loaded: Scrapes, empty: Scrapes
        do {
            let sinks = try sinks(.answer)
            defer { sinks.forEach { $0.stop() } }
            loaded = try metricsServer(context, "notify-metrics-loaded", sinks) { server, metricsPort in
                let feed = FeedSubscribers(recordArrivals: false)
                try feed.connect(port: server.port, token: server.principals.watcher, count: subscribers)
                feed.start()
                defer {
                    feed.stop()
                    feed.disconnect()
                }
                guard feed.waitUntilSynced(seconds: 60) else {
                    throw BenchError("only \(feed.synced) of \(subscribers) subscribers got their sync within 60 s")
                }
                Log.say("notify: metrics, \(subscribers) subscribers, seeding \(pending) pending")
                let pendingBefore = received(sinks, "pending")
                let seeded = Seeding.submit(server, count: pending)
                guard seeded == pending else { throw BenchError("only \(seeded) of \(pending) submissions were accepted") }
                // Scraped at rest: every event read by every subscriber, every delivery sent.
                guard wait(seconds: 180, until: { feed.actionEvents >= seeded * subscribers }) else {
                    throw BenchError("the subscribers read \(feed.actionEvents) of \(seeded * subscribers) events within 180 s")
                }
                guard wait(seconds: 180, until: { received(sinks, "pending") - pendingBefore >= notifiers.count * seeded }) else {
                    throw BenchError("the receivers got \(received(sinks, "pending") - pendingBefore) of \(notifiers.count * seeded) deliveries within 180 s")
                }
                return try scrapes(server, port: metricsPort, count: count)
            }
            empty = try metricsServer(context, "notify-metrics-empty", sinks) { server, metricsPort in
                try scrapes(server, port: metricsPort, count: count)
            }
        } catch {
            context.report.add(.failed(what, "\(error)"))
            return
        }
        // The exposition must show the load, or the row measured something else.
        let shown = Int(loaded.pending) == pending && Int(loaded.subscribers) == subscribers
        var figure = "\(Format.count(Double(pending))) pending, \(Format.count(Double(subscribers))) subscribers: " + loaded.text
        if !shown {
            figure += "; the exposition showed \(Format.count(loaded.pending)) pending and \(Format.count(loaded.subscribers)) subscribers"
        }
        let slowest = max(loaded.first, loaded.times.max ?? .infinity)
        context.report.add(
            ResultRow(
                what: what,
                how:
                    "release tollgate serve with metrics_listen and the 3 webhooks; \(Format.count(Double(subscribers))) feed subscribers reading, then "
                    + "\(Format.count(Double(pending))) corpus actions submitted and left pending (every event read, every delivery sent); "
                    + "then 1 + \(count) scrapes one after another on a keep-alive connection, wall time to the last byte",
                figure: figure, target: "< 50 ms at 10,000 pending, every scrape (the first included)",
                verdict: shown && slowest < 50 ? .meets : .misses,
                peer: "p50 \(Format.fixed((loaded.times.median ?? 0) / max(empty.times.median ?? 0, 1e-9), 1))x an empty server's (\(empty.text))"))
    }

    /// Starts a server with metrics on a port of their own and `sinks`' webhooks, runs `body`
    /// with it and its metrics port, and stops it.
    private static func metricsServer(
        _ context: BenchContext, _ name: String, _ sinks: [WebhookSink], _ body: (ServerProcess, Int) throws -> Scrapes
    ) throws -> Scrapes {
        let directory = try context.folder(name)
        let server = try ServerProcess.tollgate(
            binary: context.tollgate, directory: directory, configuration: "metrics_listen = \"127.0.0.1:0\"\n\n" + (try tables(sinks, directory: directory)))
        defer { server.stop() }
        return try body(server, try metricsPort(server))
    }

    /// The metrics port `tollgate serve` names on stderr once that listener is bound.
    private static func metricsPort(_ server: ServerProcess) throws -> Int {
        let log = server.directory + "/serve.log"
        let marker = "metrics at http://127.0.0.1:"
        let deadline = BenchClock.now() + 10_000_000_000
        while BenchClock.now() < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), let range = text.range(of: marker),
                let port = Int(text[range.upperBound...].prefix { $0.isNumber })
            {
                return port
            }
            BenchClock.sleep(nanoseconds: 10_000_000)
        }
        throw BenchError("tollgate serve did not say where its metrics are within 10 s (see \(log))")
    }

    /// One scrape, then `count` more, timed one by one.
    private static func scrapes(_ server: ServerProcess, port: Int, count: Int) throws -> Scrapes {
        let connection = try HTTPConnection(port: port)
        func one() throws -> (milliseconds: Double, body: [UInt8]) {
            let start = BenchClock.now()
            let response = try connection.request("GET", "/metrics", token: "")
            let milliseconds = Double(BenchClock.now() - start) / 1e6
            guard response.status == 200 else { throw BenchError("GET /metrics answered \(response.status)") }
            return (milliseconds, response.body)
        }
        var out = Scrapes()
        let first = try one()
        out.first = first.milliseconds
        let text = String(decoding: first.body, as: UTF8.self)
        out.pending = total("tollgate_pending_actions", in: text)
        out.subscribers = total("tollgate_feed_subscribers", in: text)
        let cpuBefore = server.process.cpuSeconds ?? 0
        for _ in 0..<count {
            let scrape = try one()
            out.times.add(scrape.milliseconds)
            out.bytes = scrape.body.count
        }
        out.cpu = 1000 * ((server.process.cpuSeconds ?? 0) - cpuBefore) / Double(max(1, count))
        return out
    }

    /// The sum of a metric's samples, over every label set, in a Prometheus text exposition.
    static func total(_ name: String, in text: String) -> Double {
        var sum = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let next = line.dropFirst(name.count).first
            guard next == "{" || next == " ", let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            sum += value
        }
        return sum
    }
}
