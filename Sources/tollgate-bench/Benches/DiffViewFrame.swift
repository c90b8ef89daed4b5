import Foundation
import TollgateClient
import TollgateConsole
import TollgateCore

/// Diff view frames: opening a 20,000-line diff (parse, pair, emphasis, side-by-side rows and
/// the first frame), moving a page, and toggling side by side, each as `update` + `view`.
enum DiffViewFrame {
    static func run(_ context: BenchContext) {
        let rounds = context.size(40, quick: 5)
        let text = diffText(lines: 20_000)
        var open = Samples()
        var page = Samples()
        var toggle = Samples()
        let pairs = LinePairing(UnifiedDiff(text)).pairCount
        for size in [Size(width: 200, height: 50), Size(width: 120, height: 40)] {
            for _ in 0..<rounds {
                var model = detailModel(diff: text, size: size)
                var frame = ConsoleView.view(model, size: size)
                open.add(
                    cpu {
                        _ = model.update(.key(.char("D"))); frame = ConsoleView.view(model, size: size)
                    })
                guard frame.plainText.contains("Diff 1/1") else {
                    context.report.add(.failed("diff view frames", "D did not open the diff:\n" + frame.plainText))
                    return
                }
                for _ in 0..<4 {
                    page.add(
                        cpu {
                            _ = model.update(.key(.pageDown)); _ = ConsoleView.view(model, size: size)
                        })
                }
                for _ in 0..<2 {
                    toggle.add(
                        cpu {
                            _ = model.update(.key(.char("S"))); _ = ConsoleView.view(model, size: size)
                        })
                }
            }
        }
        let worst = [open, page, toggle].map { $0.percentile(99) ?? .infinity }.max() ?? .infinity
        context.report.add(
            ResultRow(
                what: "diff view frames",
                how:
                    "update(.key) + ConsoleView.view on a 20,000-line diff (IAM JSON, YAML, HCL and SQL hunks, \(pairs) pairs with emphasis), "
                    + "at 200x50 (opens side by side) and 120x40 (unified); \(open.count) opens (D: parse, pairing, danger marks, rows, first frame), \(page.count) PgDn, \(toggle.count) S; CPU time",
                figure:
                    "open: p50 \(Format.ms(open.median)), p99 \(Format.ms(open.percentile(99))); PgDn: p50 \(Format.ms(page.median)), p99 \(Format.ms(page.percentile(99))); "
                    + "S: p50 \(Format.ms(toggle.median)), p99 \(Format.ms(toggle.percentile(99)))",
                target: "each p99 < 20 ms", verdict: worst < 20 ? .meets : .misses))
        terminalBytes(context)
    }

    // MARK: - Bytes per scrolled line

    /// Reads until the program has written `text` (within 10 s).
    private static func waitFor(_ text: String, _ console: PseudoTerminal) throws {
        let wanted = Array(text.utf8)
        let found = console.read(until: BenchClock.now() + 10_000_000_000) { seen in
            seen.count >= wanted.count && (0...(seen.count - wanted.count)).contains { seen[(seen.startIndex + $0)...].starts(with: wanted) }
        }
        guard found.stoppedAt != nil else { throw BenchError("the console never showed \(text.debugDescription)") }
    }

    /// Bytes the real console writes per `j` in the diff view, on a diff whose changed lines pair
    /// (emphasis drawn) and on the same diff with every added line made unlike its removed one
    /// (no pairs: the view as it was before emphasis), unified at 120x40 and side by side at 200x50.
    static func terminalBytes(_ context: BenchContext) {
        let presses = context.size(30, quick: 6)
        var figures: [String] = []
        var worstRatio = 0.0
        do {
            let directory = try context.folder("diff-bytes")
            let server = try ServerProcess.tollgate(binary: context.tollgate, directory: directory + "/server")
            defer { server.stop() }
            let paired = diffText(lines: 2_000)
            let unpaired = paired.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.hasPrefix("+") && !line.hasPrefix("+++") ? "+" + String(line.dropFirst().reversed()) : String(line)
            }.joined(separator: "\n")
            let agent = try HTTPConnection(port: server.port)
            for (summary, text) in [("diff bytes paired", paired), ("diff bytes unpaired", unpaired)] {
                var request = Corpus().request(0)
                request.summary = summary
                request.diffs = [ActionDiff(title: "main.tf", text: text)]
                let response = try agent.request("POST", "/v1/actions", token: server.principals.agents[0], body: Array(JSONEncoder().encode(request)))
                guard response.status == 201 else { throw BenchError("the server refused the diff action: HTTP \(response.status)") }
            }
            let token = try Seeding.tokenFile(server.principals.approvers[0], in: directory)
            for (columns, rows) in [(120, 40), (200, 50)] {
                var median: [Double] = []
                for row in 0..<2 {
                    let console = try PseudoTerminal(
                        context.tollgate,
                        ["console", "--server", server.url, "--token-file", token, "--db", directory + "/history-\(columns)-\(row).sqlite", "--quiet"],
                        environment: try Seeding.consoleEnvironment(home: directory + "/home-\(columns)-\(row)"), columns: columns, rows: rows)
                    defer { console.stop() }
                    try waitFor("live", console)
                    // Oldest first: the paired diff's action is the first row, the unpaired one the second.
                    console.type(":sort oldest\r")
                    try waitFor("oldest", console)
                    if row == 1 { console.type("j") }
                    console.type("\r")
                    try waitFor("diffs", console)
                    console.type("D")
                    try waitFor("1/1: main.tf", console)
                    console.drain(seconds: 1)
                    var perJ = Samples()
                    for _ in 0..<presses { perJ.add(Double(TerminalBytes.measure(console) { console.type("j") })) }
                    median.append(perJ.median ?? .infinity)
                }
                worstRatio = max(worstRatio, median[0] / max(1, median[1]))
                figures.append(
                    "\(columns)x\(rows) (\(columns >= 160 ? "side by side" : "unified")): per j median \(Format.fixed(median[0], 0)) B with emphasis, \(Format.fixed(median[1], 0)) B without"
                )
            }
        } catch {
            context.report.add(.failed("diff view bytes per line", "\(error)"))
            return
        }
        context.report.add(
            ResultRow(
                what: "diff view bytes per line",
                how:
                    "release console under a pty, real server; a 2,000-line diff whose changed lines pair (emphasis drawn) against the same diff with no pairs (no emphasis, as the view drew before); \(presses) j each, bytes read in a 500 ms window clear of ticks",
                figure: figures.joined(separator: "; "),
                target: "with emphasis ≤ 1.25x without", verdict: worstRatio <= 1.25 ? .meets : .misses))
    }

    /// CPU milliseconds `body` takes on this thread.
    private static func cpu(_ body: () -> Void) -> Double {
        let start = BenchClock.threadCPU()
        body()
        return Double(BenchClock.threadCPU() - start) / 1e6
    }

    /// A console on the detail of one action carrying `diff`; reads of the full record are
    /// answered at once, as the console's loop answers them from its cache.
    private static func detailModel(diff: String, size: Size) -> ConsoleModel {
        let now = Timestamp(milliseconds: Corpus.epochMilliseconds + 60_000)
        var model = ConsoleModel(
            now: now, size: size, servers: [ServerState(name: "local", url: "http://127.0.0.1:8470")], alerts: AlertSettings(mode: .off))
        var action = Corpus().action(0)
        action.diffs = [ActionDiff(title: "stacks/production/main.tf and friends", text: diff)]
        func send(_ message: Message) {
            for effect in model.update(message) {
                if case .loadRecords = effect { _ = model.update(.records(found: [action], missing: [], problem: nil, from: .first)) }
            }
        }
        send(.feed(.state(.connecting), from: .first))
        send(.feed(.event(.action(action, seq: 1)), from: .first))
        send(.feed(.event(.sync(seq: 1, pending: 1)), from: .first))
        send(.feed(.state(.live), from: .first))
        send(.identity(Principal(id: "oncall@example.com", roles: [.approver]), from: .first))
        send(.key(.enter))
        return model
    }

    /// A diff of about `lines` lines in files of 40-line hunks: context, changed lines that
    /// pair (one token differs), an added line with no partner, as reviews of infrastructure
    /// changes look.
    static func diffText(lines: Int) -> String {
        let shapes: [(String, String)] = [
            (#"      "Action": "s3:GetObject","#, #"      "Action": "s3:*","#),
            ("          privileged: false", "          privileged: true"),
            (#"  cidr_blocks = ["10.0.0.0/8"]"#, #"  cidr_blocks = ["0.0.0.0/0"]"#),
            ("ALTER TABLE orders ADD COLUMN note text;", "ALTER TABLE orders ADD COLUMN note text NOT NULL;"),
        ]
        var out = ""
        var written = 0
        var file = 0
        while written < lines {
            out += "diff --git a/stack/file\(file).tf b/stack/file\(file).tf\n--- a/stack/file\(file).tf\n+++ b/stack/file\(file).tf\n"
            written += 3
            for hunk in 0..<10 {
                let start = hunk * 100 + 1
                out += "@@ -\(start),24 +\(start),25 @@ resource \"aws_thing\" \"r\(hunk)\" {\n"
                written += 1
                for block in 0..<6 {
                    let (old, new) = shapes[(file + hunk + block) % shapes.count]
                    out += "   setting_\(block) = \"value \(block) for hunk \(hunk)\"\n   # unchanged line \(block)\n   tags = { team = \"payments\" }\n"
                    out += "-\(old) # \(block)\n+\(new) # \(block)\n"
                    if block == 3 { out += "+  lifecycle { prevent_destroy = false }\n" }
                    written += block == 3 ? 6 : 5
                }
            }
            file += 1
        }
        return out
    }
}
