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
            names the n-th --diff-file. A --plan-file is the text of `terraform show -no-color plan.tfplan` or the output of \
            `terraform show -json plan.tfplan` (told apart by content), titled by its file name.
            """
    )

    @OptionGroup var connection: EndpointOptions

    @Option(help: ArgumentHelp("Dotted category, e.g. data.export.", valueName: "kind")) var kind: String
    @Option(help: ArgumentHelp("One line a human reads first.", valueName: "text")) var summary: String
    @Option(help: ArgumentHelp("How much harm it could do.", valueName: "risk")) var risk: Risk = .medium
    @Option(help: ArgumentHelp("The exact operation (default: CMD when given).", valueName: "text")) var command: String?
    @Option(help: ArgumentHelp("What it touches.", valueName: "text")) var resource: String?
    @Option(help: ArgumentHelp("e.g. production.", valueName: "name")) var environment: String?
    @Option(help: ArgumentHelp("Your reason, in your own words.", valueName: "text")) var justification: String?
    @Option(
        help: ArgumentHelp(
            "Context pair (repeatable, kept in order); without =, a server named by a [[servers]] table of config.toml.",
            valueName: "key=value"))
    var context: [String] = []
    @Option(help: ArgumentHelp("A unified diff file to attach (repeatable; - for stdin).", valueName: "path")) var diffFile: [String] = []
    @Option(help: ArgumentHelp("Title for the matching --diff-file.", valueName: "title")) var diffTitle: [String] = []
    @Option(help: ArgumentHelp("A terraform plan, as text or JSON, to attach (repeatable; - for stdin).", valueName: "path"))
    var planFile: [String] = []
    @Option(help: ArgumentHelp("Distinct approvers needed.", valueName: "n")) var approvals: Int = 1
    @Option(help: ArgumentHelp("Seconds before it expires (server default 1 h).", valueName: "seconds")) var ttl: Int?
    @Option(help: ArgumentHelp("The person or service this is done for.", valueName: "principal")) var onBehalfOf: String?
    @Option(help: ArgumentHelp("The agent's session or run id.", valueName: "id")) var session: String?
    @Option(help: ArgumentHelp("Id of the policy that requires approval.", valueName: "id")) var policy: String?
    @Option(help: ArgumentHelp("Why that policy paused this.", valueName: "text")) var policyReason: String?
    @Flag(help: "Wait for the decision (long-poll; survives server restarts and network drops).") var wait = false
    @Argument(parsing: .postTerminator, help: ArgumentHelp("Command to run once approved.", valueName: "cmd")) var argv: [String] = []

    func validate() throws {
        // A server's name never holds =, and a pair always does.
        if serverNames.count > 1 {
            throw ValidationError("--context: expected key=value pairs and at most one server name, got \(serverNames.count) names")
        }
        if diffTitle.count > diffFile.count { throw ValidationError("--diff-title: more titles than --diff-file options") }
        if (diffFile + planFile).filter({ $0 == "-" }).count > 1 { throw ValidationError("- (stdin) can be read by one --diff-file or --plan-file only") }
        if let policyReason, policy == nil, !policyReason.isEmpty { throw ValidationError("--policy-reason needs --policy") }
    }

    /// The `--context` values that are no key=value pair: the server's name, if any.
    private var serverNames: [String] { context.filter { !$0.contains("=") } }

    func run() throws {
        let endpoint: ServerEndpoint
        do { endpoint = try connection.endpoint(context: serverNames.first) } catch let failure as CommandFailure where !serverNames.isEmpty {
            throw CommandFailure(failure.message + " (an action's context pair is key=value)")
        }
        let client = APIClient(endpoint: endpoint, timeout: 30)
        let submission = try makeRequest()
        let key = UUID().uuidString
        let action = try Retrying.call("submit") { () throws(ClientError) in try client.submit(submission, idempotencyKey: key) }
        // Before the id is printed: whoever reads it may signal at once.
        let interruptible = wait || !argv.isEmpty ? try CancelOnInterrupt(client: client, actionID: action.id) : nil
        FileHandle.standardOutput.write(Data((action.id + "\n").utf8))
        guard let interruptible else { return }
        let final = try interruptible.wait(Waiter(client: client, action: action))
        // The approved command runs with the default actions, so it gets Ctrl-C itself.
        StopSignals.restore()
        switch final.status {
        case .approved:
            if let rule = final.resolvingRule {
                Diagnostics.warn(Printable.line("approved \(final.id) at submission by \(rule.decider): \(rule.reason)"))
            } else if let glass = final.decisions.first(where: \.breakGlass) {
                Diagnostics.warn("approved \(final.id): " + ActionText.decision(glass, in: final))
            }
            if !argv.isEmpty { throw ExitCode(try CommandRunner.run(argv)) }
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
            let data = try Self.contents(of: path, option: "--diff-file")
            let title = i < diffTitle.count ? diffTitle[i] : Self.title(of: path)
            diffs.append(ActionDiff(title: title, text: String(decoding: data, as: UTF8.self)))
        }
        for path in planFile {
            let data = try Self.contents(of: path, option: "--plan-file")
            do {
                diffs.append(try PlanFile.diff(data, title: Self.title(of: path)))
            } catch {
                throw CommandFailure("--plan-file \(path): \(error.message)")
            }
        }
        // A value without = names the server (`serverNames`), not a pair.
        let pairs = context.compactMap { pair -> ContextEntry? in
            guard let eq = pair.firstIndex(of: "=") else { return nil }
            return ContextEntry(key: String(pair[..<eq]), value: String(pair[pair.index(after: eq)...]))
        }
        return ActionRequest(
            kind: kind, summary: summary, command: command ?? (argv.isEmpty ? nil : ShellQuote.join(argv)),
            resource: resource, environment: environment, risk: risk,
            policy: policy.map { Policy(id: $0, reason: policyReason ?? "") }, justification: justification,
            context: pairs, diffs: diffs, requiredApprovals: approvals, ttlSeconds: ttl, onBehalfOf: onBehalfOf, session: session)
    }

    /// The bytes of `path`, or of stdin for `-`.
    private static func contents(of path: String, option: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("\(option): cannot read \(path)") }
        return data
    }

    /// A file's name, `stdin` for `-`.
    private static func title(of path: String) -> String {
        path == "-" ? "stdin" : (path as NSString).lastPathComponent
    }
}
