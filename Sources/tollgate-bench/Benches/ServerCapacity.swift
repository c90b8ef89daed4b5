import Foundation
import TollgateCore

/// Server capacity: 1,000 feed subscribers held open (and reading, as consoles do), agents
/// submitting and approvers deciding as fast as the server answers, every change a durable
/// SQLite commit; then the same load with no subscribers, which separates the ledger's cost
/// from the fan-out's; then, with the server stopped, the machine's ceiling for the fan-out
/// alone (`FanOutCeiling`), which says how much of the gap any server could close.
enum ServerCapacity {
    static func run(_ context: BenchContext) {
        let subscribers = context.size(1_000, quick: 200)
        let seconds = context.seconds(10, quick: 3)
        let clients = 16
        var submissionsPerSecond: Double?
        do {
            let server = try ServerProcess.tollgate(binary: context.tollgate, directory: try context.folder("capacity"))
            defer { server.stop() }
            Log.say("capacity: tollgate serve on port \(server.port), \(subscribers) subscribers")
            BenchClock.sleep(nanoseconds: 1_000_000_000)
            let before = server.residentBytes ?? 0
            var after = before
            let held = try loadWithSubscribers(
                [server], subscribers: subscribers, clients: clients, seconds: seconds, whenSynced: { after = server.residentBytes ?? 0 })
            let loaded = held.load
            let perSubscriber = Double(after - before) / Double(subscribers)
            let how =
                "release tollgate serve, WAL + synchronous=NORMAL (each change committed before its answer), rate limit off; "
                + "\(clients) agents then \(clients) approvers on keep-alive connections, closed loop, \(Int(seconds)) s each"
            var figure =
                "\(Format.count(loaded.submissionsPerSecond)) submissions/s, \(Format.count(loaded.decisionsPerSecond)) decisions/s "
                + "with \(subscribers) subscribers; \(Format.fixed(perSubscriber / 1024, 1)) KB RSS per idle subscriber "
                + "(\(Format.megabytes(before)) → \(Format.megabytes(after)))"
            figure += "; \(held.deliveryText)"
            figure += "; \(loaded.cpuText)"
            if loaded.failures > 0 { figure += "; \(loaded.failures) requests failed" }
            context.report.add(
                ResultRow(
                    what: "server capacity", how: "\(subscribers) feed subscribers held open and reading; " + how, figure: figure,
                    target: "≥ 2,000 submissions/s, ≥ 1,000 decisions/s, memory per idle subscriber reported",
                    verdict: loaded.submissionsPerSecond >= 2_000 && loaded.decisionsPerSecond >= 1_000 && loaded.failures == 0 ? .meets : .misses))
            submissionsPerSecond = loaded.submissionsPerSecond

            let bare = try load([server], clients: clients, seconds: seconds, bodyOffset: 1_000_000)
            context.report.add(
                ResultRow(
                    what: "server capacity, no subscribers", how: "the same load with every subscriber gone: the ledger alone",
                    figure: "\(Format.count(bare.submissionsPerSecond)) submissions/s, \(Format.count(bare.decisionsPerSecond)) decisions/s; \(bare.cpuText)"
                        + (bare.failures > 0 ? "; \(bare.failures) requests failed" : ""),
                    target: "(diagnostic)", verdict: .reported))
        } catch {
            context.report.add(.failed("server capacity", "\(error)"))
        }
        ceiling(subscribers: subscribers, seconds: seconds, serverRate: submissionsPerSecond, context: context)
    }

    /// The fan-out ceiling's row; `serverRate` is the server's submissions/s with subscribers.
    private static func ceiling(subscribers: Int, seconds: Double, serverRate: Double?, context: BenchContext) {
        let what = "server capacity, fan-out ceiling"
        Log.say("capacity: fan-out ceiling, \(subscribers) subscribers")
        do {
            let ceiling = try FanOutCeiling.run(subscribers: subscribers, seconds: seconds)
            var figure =
                "\(Format.count(ceiling.eventsPerSecond)) events/s to each of \(subscribers) subscribers "
                + "(\(Format.fixed(ceiling.gigabytesPerSecond, 2)) GB/s of events); subscribers received "
                + "\(Format.count(Double(ceiling.delivered))) of \(Format.count(Double(ceiling.published * subscribers))) events"
                + "; CPU: the writer \(Format.fixed(100 * ceiling.writerCPU / ceiling.seconds, 0))% of a core, the bench process "
                + "\(Format.fixed(100 * ceiling.processCPU / ceiling.seconds, 0))% (of 200%)"
            if let serverRate {
                figure +=
                    "; the server's \(Format.count(serverRate)) submissions/s with subscribers is \(Format.fixed(100 * serverRate / ceiling.eventsPerSecond, 0))% of it"
            }
            context.report.add(
                ResultRow(
                    what: what,
                    how:
                        "the server stopped; the same ~\(Format.fixed(ceiling.eventBytes, 0)) B events (corpus actions encoded and framed as the server sends them, in HTTP chunks) to the same "
                        + "reading and parsing subscribers, by the simplest writer: one thread, non-blocking send on sockets it accepted on 127.0.0.1, "
                        + "no HTTP framework, no database; writes of up to 256 KB, publishing while the slowest subscriber is less than 256 KB behind; \(Int(seconds)) s",
                    figure: figure, target: "(diagnostic)", verdict: .reported))
        } catch {
            context.report.add(.failed(what, "\(error)"))
        }
    }

    struct Load {
        var submitted = 0
        var decided = 0
        var submissionsPerSecond = 0.0
        var decisionsPerSecond = 0.0
        var failures = 0
        /// The servers' CPU time per request in each phase (all replicas together), in milliseconds.
        var cpuPerSubmission = 0.0
        var cpuPerDecision = 0.0
        /// The database server's, when it is a process of its own (PostgreSQL), in milliseconds.
        var databaseCPUPerSubmission: Double?
        var databaseCPUPerDecision: Double?

        var cpuText: String {
            var text = "server CPU \(Format.fixed(cpuPerSubmission, 2)) ms per submission, \(Format.fixed(cpuPerDecision, 2)) ms per decision"
            if let databaseCPUPerSubmission, let databaseCPUPerDecision {
                text +=
                    "; PostgreSQL CPU \(Format.fixed(databaseCPUPerSubmission, 2)) ms per submission, \(Format.fixed(databaseCPUPerDecision, 2)) ms per decision"
            }
            return text
        }
    }

    /// A load run while feed subscribers read every event it makes.
    struct HeldLoad {
        var load: Load
        var subscribers: Int
        /// `action` events the subscribers received, and how many they should have.
        var received: Int
        var expected: Int
        /// Subscribers the server closed as too slow.
        var dropped: Int
        /// Events delivered to all subscribers together per second, from the load's start to the
        /// last event's arrival (the backlog the load left behind included).
        var deliveriesPerSecond: Double

        var deliveryText: String {
            "subscribers received \(Format.count(Double(received))) of \(Format.count(Double(expected))) events, \(dropped) dropped as too slow"
        }
    }

    /// `subscribers` feed subscribers, spread evenly over `servers`, connected and synced;
    /// `whenSynced` runs once they are (and have idled 2 s); then `load` while they read, and up
    /// to 10 s more for the events still in flight.
    static func loadWithSubscribers(
        _ servers: [ServerProcess], subscribers: Int, clients: Int, seconds: Double, databaseCPU: (() -> Double?)? = nil,
        whenSynced: () -> Void = {}
    ) throws -> HeldLoad {
        let feed = FeedSubscribers(recordArrivals: false)
        for (i, server) in servers.enumerated() {
            let share = subscribers / servers.count + (i < subscribers % servers.count ? 1 : 0)
            try feed.connect(port: server.port, token: server.principals.watcher, count: share)
        }
        feed.start()
        guard feed.waitUntilSynced(seconds: 60) else {
            feed.stop()
            throw BenchError("only \(feed.synced) of \(subscribers) subscribers got their sync within 60 s")
        }
        BenchClock.sleep(nanoseconds: 2_000_000_000)
        whenSynced()
        // The catch-up before `sync` replays what is pending as `action` events: not this load's.
        let caughtUp = feed.actionEvents
        let start = BenchClock.now()
        let loaded = try load(servers, clients: clients, seconds: seconds, bodyOffset: 0, databaseCPU: databaseCPU)
        let events = loaded.submitted + loaded.decided
        // Events still in flight when the load stops: give them up to 10 s to arrive.
        let deadline = BenchClock.now() + 10_000_000_000
        while feed.actionEvents - caughtUp < (subscribers - feed.closedByServer) * events, BenchClock.now() < deadline {
            BenchClock.sleep(nanoseconds: 20_000_000)
        }
        let elapsed = BenchClock.seconds(since: start)
        feed.stop()
        let received = feed.actionEvents - caughtUp
        let held = HeldLoad(
            load: loaded, subscribers: subscribers, received: received, expected: events * subscribers, dropped: feed.closedByServer,
            deliveriesPerSecond: Double(received) / elapsed)
        feed.disconnect()
        return held
    }

    private struct PhaseResult: Sendable {
        var created: [Seeding.Created] = []
        var done = 0
        var failures = 0
    }

    /// Submissions for `seconds`, then (unless `decisions` is false) decisions on what was
    /// submitted for `seconds`. Client `c` talks to `servers[c % servers.count]`, so replicas
    /// share the load (and decide actions submitted on another); `databaseCPU` reads the
    /// database server's CPU seconds so far.
    static func load(
        _ servers: [ServerProcess], clients: Int, seconds: Double, bodyOffset: Int, decisions withDecisions: Bool = true,
        databaseCPU: (() -> Double?)? = nil
    ) throws -> Load {
        guard let first = servers.first else { throw BenchError("no server to load") }
        let bodies = FeedLatency.requestBodies(2_000, offset: bodyOffset)
        let ports = servers.map(\.port)
        let agents = first.principals.agents
        let approvers = first.principals.approvers
        let budget = UInt64(seconds * 1e9)
        let serverCPU = { servers.reduce(0) { $0 + ($1.process.cpuSeconds ?? 0) } }

        let cpuAtStart = serverCPU()
        let databaseAtStart = databaseCPU?()
        let submitStart = BenchClock.now()
        let submissions = onThreads(clients) { client -> PhaseResult in
            var result = PhaseResult()
            guard let connection = try? HTTPConnection(port: ports[client % ports.count]) else { result.failures = 1; return result }
            let deadline = submitStart + budget
            var k = client
            while BenchClock.now() < deadline {
                defer { k += clients }
                guard let response = try? connection.request("POST", "/v1/actions", token: agents[client % agents.count], body: bodies[k % bodies.count]),
                    response.status == 201
                else {
                    result.failures += 1
                    continue
                }
                let fields = response.body.withUnsafeBytes { (JSONScan.topLevelString("id", in: $0), JSONScan.topLevelString("digest", in: $0)) }
                guard let id = fields.0, let digest = fields.1 else { result.failures += 1; continue }
                result.created.append(Seeding.Created(id: id, digest: digest))
                result.done += 1
            }
            return result
        }
        let submitSeconds = BenchClock.seconds(since: submitStart)
        let cpuAfterSubmissions = serverCPU()
        let databaseAfterSubmissions = databaseCPU?()
        let created = submissions.flatMap(\.created)

        let next = Counter()
        let decideStart = BenchClock.now()
        let decisions = onThreads(withDecisions ? clients : 0) { client -> PhaseResult in
            var result = PhaseResult()
            guard let connection = try? HTTPConnection(port: ports[client % ports.count]) else { result.failures = 1; return result }
            let deadline = decideStart + budget
            while BenchClock.now() < deadline {
                let index = next.next()
                guard index < created.count else { break }
                guard let response = try? connection.approve(created[index], token: approvers[client % approvers.count]), response.status == 200 else {
                    result.failures += 1
                    continue
                }
                result.done += 1
            }
            return result
        }
        let decideSeconds = BenchClock.seconds(since: decideStart)
        let cpuAfterDecisions = serverCPU()
        let databaseAfterDecisions = databaseCPU?()
        var load = Load()
        load.submitted = submissions.reduce(0) { $0 + $1.done }
        load.decided = decisions.reduce(0) { $0 + $1.done }
        load.submissionsPerSecond = Double(load.submitted) / submitSeconds
        load.decisionsPerSecond = Double(load.decided) / decideSeconds
        load.failures = submissions.reduce(0) { $0 + $1.failures } + decisions.reduce(0) { $0 + $1.failures }
        load.cpuPerSubmission = 1000 * (cpuAfterSubmissions - cpuAtStart) / Double(max(1, load.submitted))
        load.cpuPerDecision = 1000 * (cpuAfterDecisions - cpuAfterSubmissions) / Double(max(1, load.decided))
        if let databaseAtStart, let databaseAfterSubmissions, let databaseAfterDecisions {
            load.databaseCPUPerSubmission = 1000 * (databaseAfterSubmissions - databaseAtStart) / Double(max(1, load.submitted))
            load.databaseCPUPerDecision = 1000 * (databaseAfterDecisions - databaseAfterSubmissions) / Double(max(1, load.decided))
        }
        return load
    }
}
