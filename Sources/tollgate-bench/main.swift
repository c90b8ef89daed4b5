// tollgate-bench: the figures on-call engineers feel, measured on this machine and printed as
// one Markdown table on stdout (progress goes to stderr). See BENCHMARKS.md for how to read it.
//
// Usage: tollgate-bench [--quick] [--only NAME,...] (the names are `benches` below; --help lists them)
//                       [--tollgate PATH] [--python PATH] [--scripts DIR] [--data DIR]

import Foundation
import Glibc

// MARK: - Arguments

let benches: [(name: String, run: (BenchContext) -> Void)] = [
    ("sse", SSEThroughput.run),
    ("feed", FeedLatency.run),
    ("capacity", ServerCapacity.run),
    ("replicas", Replicas.run),
    ("policy", PolicyCost.run),
    ("notify", NotifyCost.run),
    ("frame", ConsoleFrame.run),
    ("diff", DiffViewFrame.run),
    ("terminal", TerminalBytes.run),
    ("history", HistoryScale.run),
    ("startup", StartUp.run),
    ("memory", ConsoleMemory.run),
    ("danger", DangerMarksCost.run),
    ("plan", PlanCost.run),
    ("plansubmit", PlanSubmissionCost.run),
]

@MainActor
func usage(_ problem: String?) -> Never {
    FileHandle.standardError.write(
        Data(
            """
            \(problem.map { "tollgate-bench: \($0)\n" } ?? "")usage: tollgate-bench [--quick] [--only NAME,...] [--tollgate PATH] [--python PATH] [--scripts DIR] [--data DIR]
            names: \(benches.map(\.name).joined(separator: ", "))

            """.utf8))
    exit(problem == nil ? 0 : 2)
}

var quick = false
var only: Set<String>?
var paths = ["tollgate": ".build/release/tollgate", "python": ".venv-bench/bin/python", "scripts": "bench", "data": ".build-bench-data"]
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--help", "-h":
        usage(nil)
    case "--quick":
        quick = true
    case "--only":
        guard let list = arguments.popFirst() else { usage("--only needs a list of names") }
        let names = Set(list.split(separator: ",").map(String.init))
        if let unknown = names.subtracting(benches.map(\.name)).first { usage("--only: unknown benchmark \(unknown.debugDescription)") }
        only = names
    case "--tollgate", "--python", "--scripts", "--data":
        guard let value = arguments.popFirst() else { usage("\(argument) needs a value") }
        paths[String(argument.dropFirst(2))] = value
    default:
        usage("unknown argument \(argument.debugDescription)")
    }
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

for key in ["tollgate", "python"] where access(absolute(paths[key] ?? ""), X_OK) != 0 {
    usage("\(paths[key] ?? "") is not an executable (build it, or run `make bench`, which does)")
}

// MARK: - Clean stops

// Servers and consoles are children: an interrupted run must not leave them running.
for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, SIG_IGN) }
let stopSources = [SIGINT, SIGTERM, SIGHUP].map { sig -> DispatchSourceSignal in
    let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
    source.setEventHandler {
        Subprocess.killAll()
        Log.say("interrupted; every server and console it started has been stopped")
        exit(128 + sig)
    }
    source.resume()
    return source
}
signal(SIGPIPE, SIG_IGN)

// MARK: - Running

var template = Array("/tmp/tollgate-bench.XXXXXX".utf8CString)
guard let made = mkdtemp(&template) else { usage("cannot create a scratch folder in /tmp: \(String(cString: strerror(errno)))") }
let scratch = String(cString: made)
let context = BenchContext(
    quick: quick, tollgate: absolute(paths["tollgate"] ?? ""), python: absolute(paths["python"] ?? ""),
    scripts: absolute(paths["scripts"] ?? ""), data: absolute(paths["data"] ?? ""), scratch: scratch)

let load = LoadSampler()
load.start()
let started = BenchClock.now()
for bench in benches where only?.contains(bench.name) ?? true {
    let start = BenchClock.now()
    bench.run(context)
    Log.say("\(bench.name) took \(Format.fixed(BenchClock.seconds(since: start), 0)) s")
}
load.stop()
context.report.add(
    ResultRow(
        what: "machine load during the run",
        how:
            "/proc/loadavg sampled every 5 s over \(Format.fixed(BenchClock.seconds(since: started) / 60, 1)) min; \(ProcessInfo.processInfo.activeProcessorCount) cores",
        figure: load.summary, target: "(context)", verdict: .reported))

try? FileManager.default.removeItem(atPath: scratch)
print(context.report.markdown, terminator: "")
exit(context.report.rows.contains { $0.verdict == .failed } ? 1 : 0)
