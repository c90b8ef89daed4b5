import Glibc
import TollgateClient
import TollgateConsole
import TollgateCore

/// Console frame: `update` + `view` for one keystroke, the work between a key press and the
/// frame the backend paints, with 10,000 pending actions at 120x40.
enum ConsoleFrame {
    static func run(_ context: BenchContext) {
        let pending = 10_000
        let keystrokes = context.size(5_000, quick: 500)
        let size = Size(width: 120, height: 40)
        let residentBefore = ProcStatus.residentBytes(pid: getpid()) ?? 0
        let built = queueModel(pending: pending, size: size)
        let modelBytes = (ProcStatus.residentBytes(pid: getpid()) ?? 0) - residentBefore
        var model = built.model
        // Mostly j, as an approver reads down the queue, with the jumps and pages that cost most.
        let keys: [Key] = [.char("j"), .char("j"), .char("j"), .char("k"), .char("j"), .pageDown, .char("j"), .char("G"), .char("k"), .char("g")]
        var wall = Samples()
        var cpu = Samples()
        var cpuJ = Samples()
        var checksum = 0
        for i in 0..<keystrokes {
            let key = keys[i % keys.count]
            let start = BenchClock.now()
            let startCPU = BenchClock.threadCPU()
            _ = model.update(.key(key))
            let frame = ConsoleView.view(model, size: size)
            let cpuMs = Double(BenchClock.threadCPU() - startCPU) / 1e6
            wall.add(Double(BenchClock.now() - start) / 1e6)
            cpu.add(cpuMs)
            if key == .char("j") { cpuJ.add(cpuMs) }
            checksum &+= frame.cells.count
        }
        let p99 = cpu.percentile(99) ?? .infinity
        context.report.add(
            ResultRow(
                what: "console frame",
                how:
                    "update(.key) + ConsoleView.view at 120x40, \(pending) pending (built in \(Format.fixed(built.seconds, 1)) s from feed events; the model adds \(Format.megabytes(modelBytes)) RSS); "
                    + "\(keystrokes) keystrokes, mix j j j k j PgDn j G k g; verdict on CPU time (wall time includes preemption by other work on this shared machine)",
                figure: "CPU: p50 \(Format.ms(cpu.median)), p99 \(Format.ms(p99)), max \(Format.ms(cpu.max)) (j alone p99 \(Format.ms(cpuJ.percentile(99)))); "
                    + "wall: p50 \(Format.ms(wall.median)), p99 \(Format.ms(wall.percentile(99))), max \(Format.ms(wall.max))"
                    + (checksum == keystrokes * size.width * size.height ? "" : " (frame size wrong!)"),
                target: "p99 < 2 ms", verdict: p99 < 2 ? .meets : .misses))
    }

    /// A live console model holding `pending` actions, reached the way the real one gets there:
    /// one feed event per action, then `sync`, `live` and whoami.
    static func queueModel(pending: Int, size: Size) -> (model: ConsoleModel, seconds: Double) {
        let corpus = Corpus()
        let now = Timestamp(milliseconds: Corpus.epochMilliseconds + Int64(pending) * 250 + 60_000)
        var model = ConsoleModel(
            now: now, size: size, servers: [ServerState(name: "local", url: "http://127.0.0.1:8470")], alerts: AlertSettings(mode: .off))
        let start = BenchClock.now()
        _ = model.update(.feed(.state(.connecting)))
        for i in 0..<pending {
            _ = model.update(.feed(.event(.action(corpus.action(i), seq: Int64(i + 1)))))
        }
        _ = model.update(.feed(.event(.sync(seq: Int64(pending), pending: pending))))
        _ = model.update(.feed(.state(.live)))
        _ = model.update(.identity(Principal(id: "oncall@example.com", roles: [.approver])))
        return (model, BenchClock.seconds(since: start))
    }
}
