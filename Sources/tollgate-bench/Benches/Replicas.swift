import Foundation
import Glibc

/// Replicas on PostgreSQL (issue #15): what `tollgate serve --database` carries with 1,000 feed
/// subscribers as one replica and as two sharing the subscribers and the load, against SQLite
/// measured in the same run; whether two replicas fan out more than one; and how long an event
/// takes from a POST on one replica to the subscribers of another.
///
/// Runs on the cluster `scripts/with-postgres.sh` starts around the benchmark (`make bench`
/// does); each measurement makes a database of its own. Without a cluster, every row says why
/// it was not run and the rest of the benchmark goes on.
enum Replicas {
    /// The rows, with the targets the issue sets.
    private enum Row: CaseIterable {
        case oneReplica, twoReplicas, ledgerAlone, fanOut, latency

        var what: String {
            switch self {
            case .oneReplica: "capacity on PostgreSQL, one replica"
            case .twoReplicas: "capacity on PostgreSQL, two replicas"
            case .ledgerAlone: "capacity on PostgreSQL, no subscribers"
            case .fanOut: "fan-out, two replicas against one"
            case .latency: "feed latency across replicas"
            }
        }

        var target: String {
            switch self {
            case .oneReplica, .twoReplicas: "reported beside SQLite in the same run; every event delivered, no request failed"
            case .ledgerAlone: "(diagnostic)"
            case .fanOut: "two replicas carry more subscribers' fan-out than one"
            case .latency: "p99 < 10 ms from the POST at 200 submissions/s, none lost"
            }
        }
    }

    static func run(_ context: BenchContext) {
        let cluster: PostgresCluster
        do {
            cluster = try PostgresCluster.fromEnvironment()
        } catch {
            for row in Row.allCases { context.report.add(.notRun(row.what, target: row.target, "\(error)")) }
            return
        }
        let database = (try? databaseDescription(cluster)) ?? "PostgreSQL (its settings could not be read)"
        capacity(cluster, database: database, context)
        latency(cluster, database: database, context)
    }

    // MARK: - Capacity and fan-out

    private static func capacity(_ cluster: PostgresCluster, database: String, _ context: BenchContext) {
        let subscribers = context.size(1_000, quick: 200)
        let seconds = context.seconds(10, quick: 3)
        let clients = 16
        // The database's processes are children of its postmaster: their CPU is PostgreSQL's share.
        let databaseCPU: (() -> Double?)?
        do {
            let postmaster = try cluster.serverPID()
            databaseCPU = { ProcStatus.familyCPUSeconds(pid: postmaster) }
        } catch {
            Log.say("replicas: PostgreSQL's CPU is not reported: \(error)")
            databaseCPU = nil
        }

        var peer: ServerCapacity.HeldLoad?
        var peerText: String
        do {
            let server = try ServerProcess.tollgate(binary: context.tollgate, directory: try context.folder("replicas-sqlite"))
            defer { server.stop() }
            Log.say("replicas: the SQLite peer on port \(server.port), \(subscribers) subscribers")
            let held = try ServerCapacity.loadWithSubscribers([server], subscribers: subscribers, clients: clients, seconds: seconds)
            peer = held
            peerText =
                "SQLite in this run: \(Format.count(held.load.submissionsPerSecond)) submissions/s, \(Format.count(held.load.decisionsPerSecond)) decisions/s; "
                + held.load.cpuText + (held.received == held.expected ? "" : "; \(held.deliveryText)")
        } catch {
            peerText = "SQLite peer failed: \(Report.oneLine("\(error)"))"
        }

        let how =
            "\(database), a database of its own, rate limit off; \(clients) agents then \(clients) approvers on keep-alive connections, "
            + "closed loop, \(Int(seconds)) s each"
        var held: [Int: ServerCapacity.HeldLoad] = [:]
        for (replicas, row) in [(1, Row.oneReplica), (2, Row.twoReplicas)] {
            do {
                try withReplicas(replicas, database: "tollgate_bench_capacity_\(replicas)", cluster, context) { servers in
                    Log.say("replicas: \(replicas) on ports \(servers.map { String($0.port) }.joined(separator: ", ")), \(subscribers) subscribers")
                    let result = try ServerCapacity.loadWithSubscribers(
                        servers, subscribers: subscribers, clients: clients, seconds: seconds, databaseCPU: databaseCPU)
                    held[replicas] = result
                    context.report.add(capacityRow(row, result, replicas: replicas, how: how, peer: peer, peerText: peerText))
                    if replicas == 1 {
                        let bare = try ServerCapacity.load(servers, clients: clients, seconds: seconds, bodyOffset: 1_000_000, databaseCPU: databaseCPU)
                        var figure =
                            "\(Format.count(bare.submissionsPerSecond)) submissions/s, \(Format.count(bare.decisionsPerSecond)) decisions/s; \(bare.cpuText)"
                        if bare.failures > 0 { figure += "; \(bare.failures) requests failed" }
                        context.report.add(
                            ResultRow(
                                what: Row.ledgerAlone.what, how: "the same replica and load with every subscriber gone: the ledger alone", figure: figure,
                                target: Row.ledgerAlone.target, verdict: .reported))
                    }
                }
            } catch {
                context.report.add(.failed(row.what, "\(error)"))
                if replicas == 1 { context.report.add(.failed(Row.ledgerAlone.what, "the replica did not run")) }
            }
        }
        context.report.add(fanOutRow(one: held[1], two: held[2], peer: peer))
    }

    private static func capacityRow(
        _ row: Row, _ held: ServerCapacity.HeldLoad, replicas: Int, how: String, peer: ServerCapacity.HeldLoad?, peerText: String
    ) -> ResultRow {
        let load = held.load
        var figure =
            "\(Format.count(load.submissionsPerSecond)) submissions/s, \(Format.count(load.decisionsPerSecond)) decisions/s with \(held.subscribers) subscribers; "
            + "\(held.deliveryText); \(load.cpuText)"
        if load.failures > 0 { figure += "; \(load.failures) requests failed" }
        var ratio = peerText
        if let peer {
            ratio =
                "submissions: \(Format.ratio(load.submissionsPerSecond, peer.load.submissionsPerSecond, peer: "SQLite", higherIsBetter: true)); "
                + "decisions: \(Format.ratio(load.decisionsPerSecond, peer.load.decisionsPerSecond, peer: "SQLite", higherIsBetter: true)) (\(peerText))"
        }
        let spread =
            replicas == 1
            ? "one release replica"
            : "\(replicas) release replicas sharing one database, the subscribers split evenly between them, each client on one replica "
                + "(approvers decide actions submitted on either)"
        return ResultRow(
            what: row.what, how: "\(held.subscribers) feed subscribers held open and reading; \(spread); " + how, figure: figure, target: row.target,
            verdict: load.failures == 0 && held.received == held.expected ? .reported : .misses, peer: ratio)
    }

    private static func fanOutRow(one: ServerCapacity.HeldLoad?, two: ServerCapacity.HeldLoad?, peer: ServerCapacity.HeldLoad?) -> ResultRow {
        let row = Row.fanOut
        guard let one, let two else { return .failed(row.what, "needs both the one-replica and the two-replica rows, and one failed") }
        let figure =
            "one replica: \(Format.count(one.deliveriesPerSecond)) events/s delivered to \(one.subscribers) subscribers; two replicas: "
            + "\(Format.count(two.deliveriesPerSecond)) events/s to \(two.subscribers / 2) + \(two.subscribers - two.subscribers / 2); "
            + "two carry \(Format.fixed(two.deliveriesPerSecond / max(one.deliveriesPerSecond, 1), 2))x what one does"
        let complete = one.received == one.expected && two.received == two.expected
        return ResultRow(
            what: row.what,
            how:
                "events (submissions and decisions) delivered to all subscribers together per second, from the load's start to the last event's arrival, "
                + "in the two capacity rows above",
            figure: figure + (complete ? "" : "; some events did not arrive (see the capacity rows)"), target: row.target,
            verdict: complete && two.deliveriesPerSecond > one.deliveriesPerSecond ? .meets : .misses,
            peer: peer.map { "SQLite, one server: \(Format.count($0.deliveriesPerSecond)) events/s" } ?? "")
    }

    // MARK: - Latency across replicas

    private static func latency(_ cluster: PostgresCluster, database: String, _ context: BenchContext) {
        let row = Row.latency
        let subscribers = 100
        let rate = 200
        let seconds = context.seconds(30, quick: 5)
        do {
            try withReplicas(2, database: "tollgate_bench_latency", cluster, context) { servers in
                let (a, b) = (servers[0], servers[1])
                Log.say("replicas: feed latency, POST on port \(a.port), subscribers on \(b.port)")
                let across = try FeedLatency.measure(a, feedFrom: b, subscribers: subscribers, rate: rate, seconds: seconds)
                Log.say("replicas: feed latency, POST and subscribers on port \(a.port)")
                let same = try FeedLatency.measure(a, subscribers: subscribers, rate: rate, seconds: seconds)
                let p99 = across.fromRequest.percentile(99) ?? .infinity
                let figure =
                    "from the POST on A: p50 \(Format.ms(across.fromRequest.median)), p99 \(Format.ms(p99)), max \(Format.ms(across.fromRequest.max)); "
                    + "from A's 201: p50 \(Format.ms(across.latencies.median)), p99 \(Format.ms(across.latencies.percentile(99))) "
                    + "(\(Format.fixed(across.beforeResponsePercent, 0))% arrived before the 201, counted 0); "
                    + "lost \(across.lost) of \(Format.count(Double(across.expected)))" + across.problemsText
                let sameP99 = same.fromRequest.percentile(99) ?? .infinity
                let peer =
                    "\(Format.ratio(p99, sameP99, peer: "the same replica", higherIsBetter: false)) at p99 from the POST (POST and subscribers both on A, "
                    + "run next: p50 \(Format.ms(same.fromRequest.median)), p99 \(Format.ms(sameP99)), lost \(same.lost) of \(Format.count(Double(same.expected)))\(same.problemsText))"
                context.report.add(
                    ResultRow(
                        what: row.what,
                        how:
                            "two release replicas A and B on one PostgreSQL database (\(database)); \(subscribers) subscribers of B "
                            + "(sockets + SSEParser), agents submitting \(rate)/s to A for \(Int(seconds)) s on 4 keep-alive connections, ~1.5 KB actions; "
                            + "an event reaches B through PostgreSQL (NOTIFY, then B reads the events table)",
                        figure: figure, target: row.target, verdict: across.clean && p99 < 10 ? .meets : .misses, peer: peer))
            }
        } catch {
            context.report.add(.failed(row.what, "\(error)"))
        }
    }

    // MARK: - Replicas

    /// Runs `body` with `count` replicas of `tollgate serve` on a fresh database `database`, then
    /// stops them and drops it.
    private static func withReplicas(
        _ count: Int, database name: String, _ cluster: PostgresCluster, _ context: BenchContext, _ body: ([ServerProcess]) throws -> Void
    ) throws {
        let database = try cluster.createDatabase(name)
        defer { cluster.dropDatabase(database) }
        var servers: [ServerProcess] = []
        defer { servers.forEach { $0.stop() } }
        // One after another: the first migrates the new database, and the bench measures the
        // replicas, not their start (the tests start two at the same moment).
        for i in 0..<count {
            servers.append(try ServerProcess.tollgate(binary: context.tollgate, directory: try context.folder("\(name)-\(i)"), database: database))
        }
        try body(servers)
    }

    /// `PostgreSQL 15.18, fsync on, synchronous_commit on (each commit flushed before its answer)`.
    private static func databaseDescription(_ cluster: PostgresCluster) throws -> String {
        let version = try cluster.setting("server_version").split(separator: " ").first.map(String.init) ?? "?"
        let fsync = try cluster.setting("fsync")
        let synchronous = try cluster.setting("synchronous_commit")
        let flushed = fsync == "on" && synchronous == "on" ? " (each commit flushed to disk before its answer)" : ""
        return "PostgreSQL \(version), fsync \(fsync), synchronous_commit \(synchronous)\(flushed)"
    }
}
