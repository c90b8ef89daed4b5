import Foundation

/// Memory: the console's resident set with 10,000 pending actions from a live server and a
/// history cache of a million actions (a copy, since the console writes to its cache): with an
/// empty queue first, then after the 10,000 arrive over the feed, then with the history open;
/// and a second console started once all 10,000 are pending, which gets them as one snapshot.
enum ConsoleMemory {
    static func run(_ context: BenchContext) {
        let pending = context.size(10_000, quick: 2_000)
        let cached = context.size(1_000_000, quick: 100_000)
        do {
            let built = try HistoryData.ensure(context, count: cached)
            let directory = try context.folder("memory")
            let cache = directory + "/history.sqlite"
            try FileManager.default.copyItem(atPath: built.path, toPath: cache)
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: cache + suffix) } }
            let server = try ServerProcess.tollgate(binary: context.tollgate, directory: directory + "/server")
            defer { server.stop() }
            let token = try Seeding.tokenFile(server.principals.approvers[0], in: directory)
            let env = try Seeding.consoleEnvironment(home: directory + "/home")
            let arguments = ["console", "--server", server.url, "--token-file", token, "--db", cache, "--quiet"]
            let console = try PseudoTerminal(
                context.tollgate, arguments, environment: env,
                columns: TerminalBytes.columns, rows: TerminalBytes.rows)
            Log.say("memory: console with \(pending) pending and \(Format.count(Double(cached))) cached")
            let empty = settledResidentBytes(console)
            let emptyOwn = console.process.anonymousBytes ?? 0
            let seeded = Seeding.submit(server, count: pending)
            guard seeded == pending else { throw BenchError("only \(seeded) of \(pending) actions were accepted") }
            let queue = settledResidentBytes(console)
            let queueOwn = console.process.anonymousBytes ?? 0
            console.type("H")
            let history = settledResidentBytes(console)
            // A few pages further down the history, as someone reading it would go.
            for _ in 0..<3 { console.type("G"); console.drain(seconds: 1) }
            let browsed = settledResidentBytes(console)
            console.type("q")
            _ = console.process.waitForExit(seconds: 10)
            console.stop()
            let restarted = try PseudoTerminal(
                context.tollgate, arguments, environment: env,
                columns: TerminalBytes.columns, rows: TerminalBytes.rows)
            defer { restarted.stop() }
            let snapshot = settledResidentBytes(restarted)
            let peak = max(empty, queue, history, browsed, snapshot)
            context.report.add(
                ResultRow(
                    what: "memory",
                    how: "release console under a pty, live server, a copy of the \(Format.count(Double(cached)))-action cache; VmRSS from /proc once steady; "
                        + "\"own\" is RssAnon, the resident set without pages of mapped files (the binary, the Swift runtime, Foundation, ICU, OpenSSL, SQLite, ncurses: shared with other processes)",
                    figure: "queue empty: \(Format.megabytes(empty)) (own \(Format.megabytes(emptyOwn))); "
                        + "\(Format.count(Double(pending))) arrived live: \(Format.megabytes(queue)) (own \(Format.megabytes(queueOwn))) "
                        + "(\(Format.fixed(Double(queue - empty) / Double(pending) / 1024, 1)) KB per pending action); "
                        + "history open: \(Format.megabytes(history)); after paging the history: \(Format.megabytes(browsed)); "
                        + "restarted with \(Format.count(Double(pending))) in the snapshot: \(Format.megabytes(snapshot))",
                    target: "≤ 64 MB", verdict: peak > 0 && peak <= 64 * 1_048_576 ? .meets : .misses))
        } catch {
            context.report.add(.failed("memory", "\(error)"))
        }
    }

    /// VmRSS once three readings half a second apart agree within 1% (at most 30 s), reading
    /// the terminal meanwhile so the console never blocks on output.
    static func settledResidentBytes(_ console: PseudoTerminal) -> Int {
        var readings: [Int] = []
        let deadline = BenchClock.now() + 30_000_000_000
        console.drain(seconds: 2)
        while BenchClock.now() < deadline {
            console.drain(seconds: 0.5)
            guard let rss = console.process.residentBytes else { return readings.last ?? 0 }
            readings.append(rss)
            if readings.count >= 3 {
                let last = readings.suffix(3)
                if let lo = last.min(), let hi = last.max(), Double(hi - lo) <= 0.01 * Double(hi) { return hi }
            }
        }
        return readings.last ?? 0
    }
}
