import Foundation

/// Bytes to the terminal: the real console on a 120x40 pseudo-terminal, fed by a real server
/// with 1,000 pending actions; every byte it writes is counted per `j`, `G`, countdown tick and
/// new arrival. Over SSH from a bastion, bytes are latency. tig, scrolling its log view, is the
/// peer. Then the same console following two real servers with 5,000 pending each.
enum TerminalBytes {
    static let columns = 120
    static let rows = 40

    /// The bytes of each kind of moment, one sample per press, tick or arrival.
    struct Measured {
        var perJ = Samples()
        var perG = Samples()
        var perTick = Samples()
        var perArrival = Samples()

        var figure: String {
            "per j: median \(Format.fixed(perJ.median ?? 0, 0)) B, p95 \(Format.fixed(perJ.percentile(95) ?? 0, 0)) B, max \(Format.fixed(perJ.max ?? 0, 0)) B; per G: median \(Format.fixed(perG.median ?? 0, 0)) B; "
                + "per tick: median \(Format.fixed(perTick.median ?? 0, 0)) B; per arrival: median \(Format.fixed(perArrival.median ?? 0, 0)) B, max \(Format.fixed(perArrival.max ?? 0, 0)) B"
        }

        var meetsTarget: Bool { (perJ.median ?? .infinity) <= 150 && (perJ.max ?? .infinity) <= 150 }

        var counts: String {
            "\(perJ.count) j from the top (the list scrolls after one page), \(perG.count) G, \(perTick.count) ticks, \(perArrival.count) arrivals"
        }
    }

    static func run(_ context: BenchContext) {
        let one: Measured
        do {
            one = try measureOneServer(context)
        } catch {
            context.report.add(.failed("bytes to the terminal", "\(error)"))
            return
        }
        let tig = tigPeer(context)
        let jMedian = one.perJ.median ?? .infinity
        var peer = tig.error.map { "tig failed: \(Report.oneLine($0))" } ?? ""
        if let tigJ = tig.perJ.median {
            peer =
                Format.ratio(jMedian, tigJ, peer: "tig", higherIsBetter: false)
                + " per j (tig log view j: median \(Format.fixed(tigJ, 0)) B, max \(Format.fixed(tig.perJ.max ?? 0, 0)) B; "
                + "tig scroll-line-down: median \(Format.fixed(tig.perScroll.median ?? 0, 0)) B)"
        }
        context.report.add(
            ResultRow(
                what: "bytes to the terminal",
                how:
                    "release console under a \(columns)x\(rows) pty (TERM=xterm-256color), real server with 1,000 pending; bytes read from the pty in a 500 ms window clear of ticks; "
                    + one.counts,
                figure: one.figure, target: "per j ≤ 150 bytes", verdict: one.meetsTarget ? .meets : .misses, peer: peer))

        let what = "bytes to the terminal, 2 servers × 5,000 pending"
        do {
            let two = try measureTwoServers(context)
            context.report.add(
                ResultRow(
                    what: what,
                    how:
                        "the same console following two release servers named in its config.toml ([[servers]], no --server), 5,000 pending on each; the same windows; "
                        + two.counts + " (arrivals on the second server)",
                    figure: two.figure, target: "per j ≤ 150 bytes", verdict: two.meetsTarget ? .meets : .misses,
                    peer: "medians against the one-server row, same run: per j \(Format.multiple(two.perJ.median, of: one.perJ.median)), "
                        + "per G \(Format.multiple(two.perG.median, of: one.perG.median)), per tick \(Format.multiple(two.perTick.median, of: one.perTick.median)), "
                        + "per arrival \(Format.multiple(two.perArrival.median, of: one.perArrival.median))"))
        } catch {
            context.report.add(.failed(what, "\(error)"))
        }
    }

    /// The console against one server with 1,000 pending.
    private static func measureOneServer(_ context: BenchContext) throws -> Measured {
        let directory = try context.folder("terminal")
        let server = try ServerProcess.tollgate(binary: context.tollgate, directory: directory + "/server")
        defer { server.stop() }
        try seed(server, count: 1_000)
        let token = try Seeding.tokenFile(server.principals.approvers[0], in: directory)
        let console = try PseudoTerminal(
            context.tollgate, ["console", "--server", server.url, "--token-file", token, "--db", directory + "/history.sqlite", "--quiet"],
            environment: try Seeding.consoleEnvironment(home: directory + "/home"), columns: columns, rows: rows)
        defer { console.stop() }
        Log.say("terminal bytes: console on a \(columns)x\(rows) pty, 1000 pending")
        return try measure(console, arrivalsTo: server, context)
    }

    /// The console with no `--server`, following the two servers its config.toml names, each
    /// with 5,000 pending and tokens of its own.
    private static func measureTwoServers(_ context: BenchContext) throws -> Measured {
        let directory = try context.folder("terminal-fleet")
        let home = directory + "/home"
        let environment = try Seeding.consoleEnvironment(home: home)
        var servers: [ServerProcess] = []
        defer { for server in servers { server.stop() } }
        var tables = ""
        for (i, name) in ["prod", "staging"].enumerated() {
            let folder = try context.folder("terminal-fleet/\(name)")
            let server = try ServerProcess.tollgate(
                binary: context.tollgate, directory: folder + "/server", principals: BenchPrincipals(prefix: "bench-\(name)"))
            servers.append(server)
            try seed(server, count: 5_000, offset: i * 5_000)
            let token = try Seeding.tokenFile(server.principals.approvers[0], in: folder)
            tables += "[[servers]]\nname = \"\(name)\"\nurl = \"\(server.url)\"\ntoken_file = \"\(token)\"\n\n"
        }
        let configFolder = (environment["XDG_CONFIG_HOME"] ?? home + "/.config") + "/tollgate"
        try FileManager.default.createDirectory(atPath: configFolder, withIntermediateDirectories: true)
        try tables.write(toFile: configFolder + "/config.toml", atomically: true, encoding: .utf8)
        let console = try PseudoTerminal(
            context.tollgate, ["console", "--db", directory + "/history.sqlite", "--quiet"], environment: environment, columns: columns, rows: rows)
        defer { console.stop() }
        Log.say("terminal bytes: console on a \(columns)x\(rows) pty, 2 servers with 5000 pending each")
        return try measure(console, arrivalsTo: servers[servers.count - 1], context)
    }

    /// Submits `count` corpus actions; fewer accepted is an error.
    private static func seed(_ server: ServerProcess, count: Int, offset: Int = 0) throws {
        let seeded = Seeding.submit(server, count: count, offset: offset)
        guard seeded == count else { throw BenchError("only \(seeded) of \(count) actions were accepted") }
    }

    /// Once the console has taken in its snapshots, the bytes of ticks alone, of `j` presses
    /// from the top, of `G` (and back), and of new actions arriving at `server`.
    private static func measure(_ console: PseudoTerminal, arrivalsTo server: ServerProcess, _ context: BenchContext) throws -> Measured {
        var m = Measured()
        settle(console)
        // Ticks first, while the rows are less than a minute old: AGE then counts seconds, so
        // each tick repaints it, whichever row needed longer to seed.
        for _ in 0..<context.size(10, quick: 3) { m.perTick.add(Double(measureTick(console))) }
        for _ in 0..<context.size(40, quick: 6) { m.perJ.add(Double(measure(console) { console.type("j") })) }
        Log.say("terminal bytes: each j in order: " + m.perJ.values.map { String(Int($0)) }.joined(separator: " "))
        for _ in 0..<context.size(5, quick: 2) {
            m.perG.add(Double(measure(console) { console.type("G") }))
            _ = measure(console) { console.type("g") }
        }
        let agent = try HTTPConnection(port: server.port)
        for body in FeedLatency.requestBodies(context.size(10, quick: 3), offset: 50_000) {
            m.perArrival.add(
                Double(
                    measure(console) {
                        _ = try? agent.request("POST", "/v1/actions", token: server.principals.agents[0], body: body)
                    }))
        }
        return m
    }

    /// Reads for 4 s (the snapshot, the first layout, a few ticks), then on, a second at a
    /// time, until a second brings no more than a busy tick's bytes: every snapshot is in. At most 60 s.
    static func settle(_ terminal: PseudoTerminal) {
        let start = BenchClock.now()
        terminal.drain(seconds: 4)
        while BenchClock.seconds(since: start) < 60, terminal.drain(seconds: 1) > 2_000 {}
        Log.say("terminal bytes: a quiet second \(Format.fixed(BenchClock.seconds(since: start), 0)) s after the console started")
    }

    // MARK: - Windows clear of ticks

    /// Waits (reading) until 250 ms past a whole second, does `action`, and counts what the
    /// program writes in the next 500 ms, before the next tick at the whole second.
    static func measure(_ terminal: PseudoTerminal, _ action: () -> Void) -> Int {
        drainUntil(phase: 250, terminal)
        action()
        return terminal.read(until: BenchClock.now() + 500_000_000, stopWhen: nil).bytes
    }

    /// The bytes of one tick alone: from 900 ms into a second to 400 ms into the next.
    static func measureTick(_ terminal: PseudoTerminal) -> Int {
        drainUntil(phase: 900, terminal)
        return terminal.read(until: BenchClock.now() + 500_000_000, stopWhen: nil).bytes
    }

    /// Reads (and discards) until the wall clock is `phase` ms into a second.
    static func drainUntil(phase: Int64, _ terminal: PseudoTerminal) {
        let into = BenchClock.wallMilliseconds() % 1000
        let wait = (phase - into + 1000) % 1000
        terminal.drain(seconds: Double(wait == 0 ? 1000 : wait) / 1000)
    }

    // MARK: - The peer: tig

    struct TigResult {
        var perJ = Samples()
        var perScroll = Samples()
        var error: String?
    }

    /// tig's log view in the same terminal size, over a repository of 400 commits made here.
    static func tigPeer(_ context: BenchContext) -> TigResult {
        var result = TigResult()
        guard let tig = Command.which("tig"), let git = Command.which("git") else {
            result.error = "tig or git is not installed (make bench installs tig with apt-get)"
            return result
        }
        do {
            let repo = try context.folder("tig-repo")
            try makeRepository(git: git, at: repo, commits: 400)
            var env = try Seeding.consoleEnvironment(home: try context.folder("tig-home"))
            env["GIT_CONFIG_NOSYSTEM"] = "1"
            let presses = context.size(40, quick: 6)
            let view = try PseudoTerminal(tig, ["-C", repo, "log"], environment: env, columns: columns, rows: rows)
            defer { view.stop() }
            view.drain(seconds: 2)
            for _ in 0..<presses {
                view.type("j")
                result.perJ.add(Double(view.read(until: BenchClock.now() + 300_000_000, stopWhen: nil).bytes))
            }
            for _ in 0..<presses {
                // Ctrl-E: tig's scroll-line-down, the view moving under a fixed cursor.
                view.type([0x05])
                result.perScroll.add(Double(view.read(until: BenchClock.now() + 300_000_000, stopWhen: nil).bytes))
            }
        } catch {
            result.error = "\(error)"
        }
        return result
    }

    /// A repository with `commits` commits, each changing one file, made with `git fast-import`.
    static func makeRepository(git: String, at path: String, commits: Int) throws {
        var env = BenchEnvironment.base
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["HOME"] = path
        try Command.run(git, ["init", "-q", "-b", "main", path], environment: env)
        var stream = ""
        for i in 1...commits {
            let message = "Change \(i): tune the \(Corpus.tables[i % Corpus.tables.count]) export window\n"
            let content = "setting_\(i % 17) = \(i)\n"
            stream += "commit refs/heads/main\nmark :\(i)\ncommitter Bench <bench@example.com> \(1_700_000_000 + i * 60) +0000\n"
            stream += "data \(message.utf8.count)\n\(message)"
            if i > 1 { stream += "from :\(i - 1)\n" }
            stream += "M 644 inline config/settings.txt\ndata \(content.utf8.count)\n\(content)\n"
        }
        let (status, _) = try Command.run(git, ["fast-import", "--quiet"], environment: env, directory: path, input: stream)
        guard status == 0 else { throw BenchError("git fast-import failed in \(path)") }
        try Command.run(git, ["checkout", "-q", "-f", "main"], environment: env, directory: path)
    }
}
