import Foundation
import TollgateCore
import TollgateStore

/// History at scale: a cache of a million actions; FTS5 search, filtered first pages and
/// opening the history, each a `HistoryStore.page` of 200 rows (the console's page) decoded to
/// actions; the `sqlite3` shell runs the same SQL on the same file as the peer.
enum HistoryScale {
    /// One query, as the console asks it and as the SQL `HistoryStore` runs for it.
    struct Case {
        var label: String
        var query: HistoryQuery
        /// The row-id query HistorySQL plans for `query` (see Sources/TollgateStore/HistorySQL.swift).
        var idsSQL: String
    }

    static let pageSize = 200

    static func run(_ context: BenchContext) {
        let count = context.size(1_000_000, quick: 100_000)
        let repeats = context.size(30, quick: 5)
        let built: HistoryData.Built
        do {
            built = try HistoryData.ensure(context, count: count)
        } catch {
            context.report.add(.failed("history at scale", "\(error)"))
            return
        }
        if let rate = built.upsertsPerSecond {
            context.report.add(
                ResultRow(
                    what: "history cache build", how: "HistoryStore.upsert in batches of 5,000 (FTS5 with 1-3 character prefix indexes)",
                    figure: "\(Format.count(rate)) actions/s", target: "(diagnostic)", verdict: .reported))
        }
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: built.path)[.size] as? Int) ?? 0
        let scale =
            "\(Format.count(Double(count))) actions, \(Format.megabytes(fileBytes)) file; pages of \(pageSize) decoded to Action values; \(repeats) runs of each query"
        do {
            let openStart = BenchClock.now()
            let store = try HistoryStore(path: built.path)
            _ = try store.page(HistoryQuery(), limit: pageSize, cursor: nil)
            let openMs = Double(BenchClock.now() - openStart) / 1e6

            let search = try measure(store, searches, repeats: repeats)
            let filtered = try measure(store, filters, repeats: repeats)
            let opening = try measure(store, [unfiltered], repeats: repeats)
            let peerSearch = sqlitePeer(context, path: built.path, cases: searches, repeats: repeats)
            let peerFiltered = sqlitePeer(context, path: built.path, cases: filters, repeats: repeats)
            let peerOpening = sqlitePeer(context, path: built.path, cases: [unfiltered], repeats: repeats)

            add(
                context, what: "history search (FTS5)", how: "searches: " + searches.map(\.label).joined(separator: ", ") + "; " + scale,
                timings: search, target: 20, peer: peerSearch)
            add(
                context, what: "history filtered first page", how: "filters: " + filters.map(\.label).joined(separator: ", ") + "; " + scale,
                timings: filtered, target: 50, peer: peerFiltered)
            add(
                context, what: "opening history",
                how: "first page, no filter (what H shows); cold open of the store + first page took \(Format.ms(openMs)); " + scale,
                timings: opening, target: 50, peer: peerOpening)
        } catch {
            context.report.add(.failed("history at scale", "\(error)"))
        }
    }

    private static func add(_ context: BenchContext, what: String, how: String, timings: Timings, target: Double, peer: Result<Timings, BenchError>) {
        let wall = Samples(timings.wall.values.flatMap(\.values))
        let cpu = Samples(timings.cpu.values.flatMap(\.values))
        let cpuP95 = cpu.percentile(95) ?? .infinity
        let worst = timings.cpu.max { ($0.value.percentile(95) ?? 0) < ($1.value.percentile(95) ?? 0) }
        var peerText: String
        switch peer {
        case .success(let theirs):
            let theirCPU = Samples(theirs.cpu.values.flatMap(\.values)).percentile(95) ?? 0
            let theirWall = Samples(theirs.wall.values.flatMap(\.values)).percentile(95) ?? 0
            peerText =
                Format.ratio(cpuP95, theirCPU, peer: "the sqlite3 shell", higherIsBetter: false)
                + " at CPU p95 (sqlite3: CPU p95 \(Format.ms(theirCPU)), wall p95 \(Format.ms(theirWall)))"
            if let worst, let theirsWorst = theirs.cpu[worst.key]?.percentile(95) {
                peerText += "; on \(worst.key.debugDescription) sqlite3 CPU p95 \(Format.ms(theirsWorst))"
            }
        case .failure(let error):
            peerText = "sqlite3 failed: \(Report.oneLine(error.description))"
        }
        context.report.add(
            ResultRow(
                what: what, how: how + "; verdict on CPU time (wall time includes preemption on this shared machine)",
                figure:
                    "CPU p95 \(Format.ms(cpuP95)), p50 \(Format.ms(cpu.median)); wall p95 \(Format.ms(wall.percentile(95))), p50 \(Format.ms(wall.median)); slowest query "
                    + (worst.map { "\($0.key.debugDescription) CPU p95 \(Format.ms($0.value.percentile(95)))" } ?? "n/a"),
                target: "p95 < \(Int(target)) ms", verdict: cpuP95 < target ? .meets : .misses, peer: peerText))
    }

    /// Wall time and process CPU time per query (GRDB reads on its own reader thread, so the
    /// whole process's CPU is what the query cost).
    struct Timings {
        var wall: [String: Samples] = [:]
        var cpu: [String: Samples] = [:]
    }

    private static func measure(_ store: HistoryStore, _ cases: [Case], repeats: Int) throws -> Timings {
        var out = Timings()
        for c in cases {
            var wall = Samples()
            var cpu = Samples()
            // One untimed run first, as for the peer: SQLite's page cache starts cold per query.
            _ = try store.page(c.query, limit: pageSize, cursor: nil)
            for _ in 0..<repeats {
                let start = BenchClock.now()
                let startCPU = BenchClock.processCPU()
                let page = try store.page(c.query, limit: pageSize, cursor: nil)
                cpu.add(Double(BenchClock.processCPU() - startCPU) / 1e6)
                wall.add(Double(BenchClock.now() - start) / 1e6)
                if page.actions.isEmpty { Log.say("history: \(c.label.debugDescription) found nothing") }
            }
            out.wall[c.label] = wall
            out.cpu[c.label] = cpu
        }
        return out
    }

    // MARK: - The queries

    static let searches: [Case] = [
        search("customers"), search("OPS-4711"), search("terraform apply"), search("cust"),
        search("refund invoices"), search("eu-west-1"), search("nightly job"), search("billing-db"),
    ]

    static let filters: [Case] = [
        Case(label: "status denied", query: HistoryQuery(statuses: [.denied]), idsSQL: table("a.status = 'denied'")),
        Case(label: "risk critical", query: HistoryQuery(risks: [.critical]), idsSQL: table("a.risk = 'critical'")),
        Case(label: "env staging", query: HistoryQuery(environments: ["staging"]), idsSQL: table("a.environment = 'staging'")),
        Case(label: "denied + high", query: HistoryQuery(statuses: [.denied], risks: [.high]), idsSQL: table("a.status = 'denied' AND a.risk = 'high'")),
        Case(label: "kind iam.grant", query: HistoryQuery(kinds: ["iam.grant"]), idsSQL: table("a.kind = 'iam.grant'")),
        Case(
            label: "decided by alice", query: HistoryQuery(approver: "alice@example.com"),
            idsSQL:
                "SELECT p.action_row AS id FROM action_party p CROSS JOIN action a ON a.id = p.action_row WHERE p.role = 1 AND p.name = 'alice@example.com' ORDER BY p.action_row DESC LIMIT \(pageSize + 1)"
        ),
    ]

    static let unfiltered = Case(label: "no filter", query: HistoryQuery(), idsSQL: table("1"))

    private static func search(_ text: String) -> Case {
        // SearchExpression's rule: each word an FTS5 string, the last one a prefix.
        let words = text.split(separator: " ").map { "\"\($0)\"" }
        let match = words.joined(separator: " ") + "*"
        return Case(
            label: text, query: HistoryQuery(text: text),
            idsSQL:
                "SELECT action_fts.rowid AS id FROM action_fts CROSS JOIN action a ON a.id = action_fts.rowid WHERE action_fts MATCH '\(match)' ORDER BY action_fts.rowid DESC LIMIT \(pageSize + 1)"
        )
    }

    private static func table(_ condition: String) -> String {
        "SELECT a.id AS id FROM action a WHERE \(condition) ORDER BY a.id DESC LIMIT \(pageSize + 1)"
    }

    /// The page query around the row ids, as HistoryStore.page runs it.
    static func pageSQL(_ c: Case) -> String {
        "SELECT a.id, s.url, b.json FROM (\(c.idsSQL)) AS page CROSS JOIN action a ON a.id = page.id "
            + "CROSS JOIN action_body b ON b.id = a.id CROSS JOIN server s ON s.id = a.server_id ORDER BY a.id DESC"
    }

    // MARK: - The peer: the sqlite3 shell

    /// Runs each case's page query `repeats` times in one `sqlite3` session with `.timer on`
    /// (real, user and sys times, to the millisecond); the rows are read in full (their JSON
    /// summed) but not printed, so the shell's figure is SQLite's own work.
    static func sqlitePeer(_ context: BenchContext, path: String, cases: [Case], repeats: Int) -> Result<Timings, BenchError> {
        guard let sqlite3 = Command.which("sqlite3") else { return .failure(BenchError("sqlite3 is not installed")) }
        // One untimed run of each query first, as for ours, then the timed ones.
        var script = cases.map { "SELECT count(*), sum(length(json)) FROM (\(pageSQL($0)));\n" }.joined() + ".timer on\n"
        for c in cases {
            for _ in 0..<repeats { script += "SELECT count(*), sum(length(json)) FROM (\(pageSQL(c)));\n" }
        }
        do {
            let (status, output) = try Command.run(sqlite3, ["-readonly", path], input: script)
            // "Run Time: real 0.004 user 0.003512 sys 0.000000"
            let times = output.split(separator: "\n").compactMap { line -> (wall: Double, cpu: Double)? in
                let words = line.split(separator: " ")
                guard line.hasPrefix("Run Time: real "), words.count >= 8,
                    let real = Double(words[3]), let user = Double(words[5]), let system = Double(words[7])
                else { return nil }
                return (real * 1000, (user + system) * 1000)
            }
            guard status == 0, times.count == cases.count * repeats else {
                return .failure(BenchError("sqlite3 exited \(status) with \(times.count) timings: \(output.prefix(200))"))
            }
            var out = Timings()
            for (i, c) in cases.enumerated() {
                let mine = times[(i * repeats)..<((i + 1) * repeats)]
                out.wall[c.label] = Samples(mine.map(\.wall))
                out.cpu[c.label] = Samples(mine.map(\.cpu))
            }
            return .success(out)
        } catch {
            return .failure(BenchError("\(error)"))
        }
    }
}
