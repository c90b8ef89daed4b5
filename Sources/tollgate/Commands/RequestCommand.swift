import ArgumentParser
import Foundation
import TollgateClient
import TollgateCore

/// `tollgate request`: what an agent or pipeline calls to ask, and optionally wait.
struct RequestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Ask for approval of an action; print its id; optionally wait, or run a command once approved.",
        discussion: """
            With --wait: exits 0 approved, 3 denied (the reason on stderr), 4 expired or cancelled, 2 on \
            usage, auth or connection errors. With -- CMD ARGS: waits, runs CMD only if approved, and exits \
            with CMD's status. Ctrl-C (or SIGTERM, SIGHUP) while waiting cancels the request on the server. The n-th --diff-title \
            names the n-th --diff-file.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Dotted category, e.g. data.export.", valueName: "kind")) var kind: String
    @Option(help: ArgumentHelp("One line a human reads first.", valueName: "text")) var summary: String
    @Option(help: ArgumentHelp("low, medium, high or critical.", valueName: "risk")) var risk: String = "medium"
    @Option(help: ArgumentHelp("The exact operation (default: CMD when given).", valueName: "text")) var command: String?
    @Option(help: ArgumentHelp("What it touches.", valueName: "text")) var resource: String?
    @Option(help: ArgumentHelp("e.g. production.", valueName: "name")) var environment: String?
    @Option(help: ArgumentHelp("Your reason, in your own words.", valueName: "text")) var justification: String?
    @Option(help: ArgumentHelp("Context pair (repeatable, kept in order).", valueName: "key=value")) var context: [String] = []
    @Option(help: ArgumentHelp("A unified diff file to attach (repeatable; - for stdin).", valueName: "path")) var diffFile: [String] = []
    @Option(help: ArgumentHelp("Title for the matching --diff-file.", valueName: "title")) var diffTitle: [String] = []
    @Option(help: ArgumentHelp("Distinct approvers needed.", valueName: "n")) var approvals: Int = 1
    @Option(help: ArgumentHelp("Seconds before it expires (server default 1 h).", valueName: "seconds")) var ttl: Int?
    @Option(help: ArgumentHelp("The person or service this is done for.", valueName: "principal")) var onBehalfOf: String?
    @Option(help: ArgumentHelp("The agent's session or run id.", valueName: "id")) var session: String?
    @Option(help: ArgumentHelp("Id of the policy that requires approval.", valueName: "id")) var policy: String?
    @Option(help: ArgumentHelp("Why that policy paused this.", valueName: "text")) var policyReason: String?
    @Flag(help: "Wait for the decision (long-poll; survives server restarts and network drops).") var wait = false
    @Argument(parsing: .postTerminator, help: ArgumentHelp("Command to run once approved.", valueName: "cmd")) var argv: [String] = []

    func validate() throws {
        guard Risk(rawValue: risk) != nil else { throw ValidationError("--risk: expected low, medium, high or critical") }
        for pair in context where !pair.contains("=") { throw ValidationError("--context: expected key=value, got \(pair.debugDescription)") }
        if diffTitle.count > diffFile.count { throw ValidationError("--diff-title: more titles than --diff-file options") }
        if let policyReason, policy == nil, !policyReason.isEmpty { throw ValidationError("--policy-reason needs --policy") }
    }

    func run() throws {
        let endpoint = connection.endpoint()
        let client = APIClient(endpoint: endpoint, timeout: 30)
        let submission = try makeRequest()
        let key = UUID().uuidString
        let action = Retrying.call("submit") { () throws(ClientError) in try client.submit(submission, idempotencyKey: key) }
        let waits = wait || !argv.isEmpty
        // Before the id is printed: whoever reads it may signal at once.
        if waits { CancelOnInterrupt.install(client: client, actionID: action.id) }
        FileHandle.standardOutput.write(Data((action.id + "\n").utf8))
        guard waits else { return }
        let final = Waiter(client: client, action: action).wait()
        // The approved command runs with the default actions, so it gets Ctrl-C itself.
        StopSignals.restore()
        switch final.status {
        case .approved:
            if !argv.isEmpty { Foundation.exit(CommandRunner.run(argv)) }
            throw Exit.ok
        case .denied:
            let reasons = final.decisions.filter { $0.verdict == .deny }.map { "\($0.approver): \($0.reason)" }
            Diagnostics.warn("denied \(final.id)" + (reasons.isEmpty ? "" : " — " + Printable.line(reasons.joined(separator: "; "))))
            throw Exit.denied
        default:
            Diagnostics.warn("\(final.id) \(final.status.rawValue)")
            throw Exit.expiredOrCancelled
        }
    }

    private func makeRequest() throws -> ActionRequest {
        var diffs: [ActionDiff] = []
        for (i, path) in diffFile.enumerated() {
            let data: Data
            if path == "-" { data = FileHandle.standardInput.readDataToEndOfFile() } else {
                guard let d = FileManager.default.contents(atPath: path) else { Diagnostics.fail("--diff-file: cannot read \(path)") }
                data = d
            }
            let title = i < diffTitle.count ? diffTitle[i] : (path == "-" ? "stdin" : (path as NSString).lastPathComponent)
            diffs.append(ActionDiff(title: title, text: String(decoding: data, as: UTF8.self)))
        }
        let pairs = context.map { pair -> ContextEntry in
            let eq = pair.firstIndex(of: "=")!  // validate() checked every pair has one
            return ContextEntry(key: String(pair[..<eq]), value: String(pair[pair.index(after: eq)...]))
        }
        return ActionRequest(
            kind: kind, summary: summary, command: command ?? (argv.isEmpty ? nil : ShellQuote.join(argv)),
            resource: resource, environment: environment, risk: Risk(rawValue: risk) ?? .medium,
            policy: policy.map { Policy(id: $0, reason: policyReason ?? "") }, justification: justification,
            context: pairs, diffs: diffs, requiredApprovals: approvals, ttlSeconds: ttl, onBehalfOf: onBehalfOf, session: session)
    }
}

/// Long-polls an action until it is resolved, riding out restarts and network drops.
struct Waiter {
    let client: APIClient
    let action: Action

    func wait() -> Action {
        let progress = isatty(STDERR_FILENO) == 1
        var current = action
        let backoff = Backoff(initial: 0.5, cap: 10)
        var failures = 0
        var rng = SystemRandomNumberGenerator()
        while current.status == .pending {
            if progress { ProgressLine.show(current) }
            do {
                current = try client.action(id: current.id, wait: 55)
                failures = 0
            } catch {
                switch error {
                case .server(let status, let e) where [401, 403, 404].contains(status):
                    if progress { ProgressLine.clear() }
                    Diagnostics.fail("waiting for \(current.id): \(e.code.rawValue): \(Printable.line(e.message))")
                default:
                    failures += 1
                    let delay = backoff.delay(attempt: failures, serverRetry: nil, using: &rng)
                    if progress { ProgressLine.note("server unreachable (\(error)); retrying in \(Int(delay.rounded(.up))) s") }
                    Thread.sleep(forTimeInterval: delay)
                }
            }
        }
        if progress { ProgressLine.clear() }
        return current
    }
}

/// Cancels the waited-for action on the server when a stop signal (Ctrl-C, SIGTERM, SIGHUP)
/// arrives while waiting: nobody is left to run what would be approved.
enum CancelOnInterrupt {
    /// Routes the stop signals to a thread that cancels `actionID` and exits.
    static func install(client: APIClient, actionID: String) {
        guard let bell = StopBell() else { Diagnostics.fail("waiting for \(actionID): cannot create a pipe: out of file descriptors") }
        StopSignals.install(wakeFD: bell.writeFD)
        Thread.detachNewThread {
            bell.wait()
            ProgressLine.clear()
            do {
                let cancelled = try client.cancel(id: actionID)
                Diagnostics.warn("\(actionID) \(cancelled.status.rawValue) (interrupted)")
                Foundation.exit(cancelled.status == .approved ? Exit.ok.rawValue : Exit.expiredOrCancelled.rawValue)
            } catch {
                Diagnostics.fail("interrupted; could not cancel \(actionID): \(error)")
            }
        }
    }
}

/// The one-line progress display on a terminal's stderr.
enum ProgressLine {
    static func show(_ action: Action) {
        let left = max(0, Int(Timestamp.now().seconds(until: action.expiresAt)))
        note("waiting for approval of \(action.id) (\(action.risk.rawValue)): \(action.approvalCount)/\(action.requiredApprovals) approvals, expires in \(HumanDuration.short(left))")
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[K\(Printable.line(text))".utf8))
    }

    static func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// Runs the approved command with the terminal and environment of this process.
enum CommandRunner {
    static func run(_ argv: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        do { try process.run() } catch {
            Diagnostics.fail("cannot run \(argv[0]): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}

/// POSIX shell quoting, so `--command` shows exactly what will run.
enum ShellQuote {
    static func join(_ argv: [String]) -> String { argv.map(quote).joined(separator: " ") }

    static func quote(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !s.isEmpty && s.allSatisfy(safe.contains) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Retries an idempotent call on transport errors, then gives up with exit 2.
enum Retrying {
    static func call<T>(_ what: String, attempts: Int = 5, _ body: () throws(ClientError) -> T) -> T {
        let backoff = Backoff(initial: 0.5, cap: 5)
        var rng = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            do { return try body() } catch {
                guard case .transport = error, attempt < attempts else { Diagnostics.fail("\(what): \(error)") }
                Thread.sleep(forTimeInterval: backoff.delay(attempt: attempt, serverRetry: nil, using: &rng))
                attempt += 1
            }
        }
    }
}

/// Human durations: 45s, 12m, 3h05m, 2d04h.
enum HumanDuration {
    static func short(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86_400 { return String(format: "%dh%02dm", seconds / 3600, seconds % 3600 / 60) }
        return String(format: "%dd%02dh", seconds / 86_400, seconds % 86_400 / 3600)
    }
}

/// Agent-written text made safe for a terminal line (stderr messages, tables).
enum Printable {
    static func line(_ text: String) -> String {
        TextSanitizer.safeString(String(text.prefix(2_000)), options: SanitizeOptions(asciiOnly: !Locale.utf8Terminal))
            .replacingOccurrences(of: "\n", with: "↵")
    }
}

extension Locale {
    /// Whether the C library's locale (LANG/LC_ALL) speaks UTF-8.
    static var utf8Terminal: Bool {
        let env = ProcessInfo.processInfo.environment
        let value = env["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LANG"] ?? ""
        return value.uppercased().contains("UTF-8") || value.uppercased().contains("UTF8")
    }
}
