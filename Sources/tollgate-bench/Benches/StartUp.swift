import Foundation

/// Start-up: `tollgate --offline --db <the million-action cache>` on a 120x40 pseudo-terminal,
/// from the spawn to the first painted frame, and to the first history rows on screen.
enum StartUp {
    static func run(_ context: BenchContext) {
        let count = context.size(1_000_000, quick: 100_000)
        let runs = context.size(7, quick: 2)
        var firstFrame = Samples()
        var firstRows = Samples()
        do {
            let built = try HistoryData.ensure(context, count: count)
            let home = try context.folder("startup-home")
            let env = try Seeding.consoleEnvironment(home: home)
            for _ in 0..<runs {
                let start = BenchClock.now()
                let console = try PseudoTerminal(
                    context.tollgate, ["--offline", "--db", built.path],
                    environment: env, columns: TerminalBytes.columns, rows: TerminalBytes.rows)
                console.keepTranscript = true
                // Column titles are drawn by the first frame; a status word only once rows are in.
                let statusWords = ["approved", "denied", "expired", "cancelled"]
                let frame = console.read(until: start + 10_000_000_000, stopWhen: { $0.contains(text: "SUMMARY") })
                guard let frameAt = frame.stoppedAt else { continue }
                firstFrame.add(Double(frameAt - start) / 1e6)
                if statusWords.contains(where: { console.transcript[...].contains(text: $0) }) {
                    firstRows.add(Double(frameAt - start) / 1e6)
                } else if let rowsAt = console.read(
                    until: start + 10_000_000_000,
                    stopWhen: { bytes in
                        statusWords.contains { bytes.contains(text: $0) }
                    }
                ).stoppedAt {
                    firstRows.add(Double(rowsAt - start) / 1e6)
                }
                console.type("q")
                _ = console.process.waitForExit(seconds: 5)
                console.stop()
            }
            guard firstFrame.count == runs else { throw BenchError("the first frame never showed in \(runs - firstFrame.count) of \(runs) runs") }
        } catch {
            context.report.add(.failed("start-up", "\(error)"))
            return
        }
        let median = firstFrame.median ?? .infinity
        context.report.add(
            ResultRow(
                what: "start-up",
                how:
                    "release `tollgate --offline --db <\(Format.count(Double(count)))-action cache>` under a 120x40 pty, spawn to the first frame's bytes; \(runs) runs (page cache warm)",
                figure:
                    "first frame: median \(Format.ms(median)), max \(Format.ms(firstFrame.max)); history rows on screen: median \(Format.ms(firstRows.median))",
                target: "< 200 ms", verdict: (firstFrame.max ?? .infinity) < 200 ? .meets : .misses))
    }
}
