import ArgumentParser
import Foundation
import TollgateClient
import TollgateCore
import TollgateSync

/// `tollgate approve ID`: approves an action, through the outbox; `--break-glass` approves it alone.
struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve an action (a reason is required for critical ones).",
        discussion:
            "Prints the action's summary, risk, rule and digest on stderr and sends the decision with that digest. Exit 0 when recorded, 1 when "
            + "the server refused it (already resolved, expired, self-approval, digest mismatch, not eligible under the rule, no breakglass "
            + "role), 2 on errors. --break-glass approves alone whatever the rule requires; it needs the breakglass role and a --reason of at "
            + "least \(DecisionRules.breakGlassReasonLength) visible characters (a shorter one exits 2 before anything is sent)."
    )
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var history: HistoryOptions
    @Argument(help: "The action id.") var id: String
    @Option(help: ArgumentHelp("Why you approve.", valueName: "text")) var reason: String = ""
    @Flag(help: "Approve alone, whatever the rule requires (role breakglass; --reason says what broke).") var breakGlass = false

    func validate() throws {
        guard breakGlass else { return }
        let visible = DecisionRules.visibleLength(of: reason)
        if visible < DecisionRules.breakGlassReasonLength {
            throw ValidationError(
                "--break-glass needs a --reason of at least \(DecisionRules.breakGlassReasonLength) visible characters saying what broke "
                    + "(got \(visible))")
        }
    }

    func run() throws {
        try Decide.run(.approve, id: id, reason: reason, breakGlass: breakGlass, connection: connection, history: history)
    }
}

/// `tollgate deny ID --reason R`: denies an action, through the outbox.
struct DenyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deny",
        abstract: "Deny an action; a reason is required.",
        discussion: "Prints the action's summary, risk and digest on stderr and sends the decision with that digest. Exit codes as for approve."
    )
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var history: HistoryOptions
    @Argument(help: "The action id.") var id: String
    @Option(help: ArgumentHelp("Why you deny (required).", valueName: "text")) var reason: String

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--reason must not be empty") }
    }

    func run() throws { try Decide.run(.deny, id: id, reason: reason, breakGlass: false, connection: connection, history: history) }
}

/// The shared path of approve and deny: show what is decided, then send it through the outbox.
enum Decide {
    static func run(_ verdict: Verdict, id: String, reason: String, breakGlass: Bool, connection: ConnectionOptions, history: HistoryOptions) throws {
        let endpoint = try connection.endpoint()
        let client = APIClient(endpoint: endpoint)
        let store = try history.open()
        let outbox = DecisionOutbox(store: store, client: client, server: endpoint.baseURL) { Diagnostics.warn("warning: \($0)") }
        do {
            for (entry, outcome) in try outbox.flushPending() {
                Diagnostics.warn("earlier \(entry.verdict.rawValue) of \(entry.actionID): \(outcome.plainWords)")
            }
        } catch {
            Diagnostics.warn("warning: the history cache's outbox cannot be read, so earlier decisions are not sent: \(error)")
        }
        let action = try Retrying.call("fetch \(id)") { () throws(ClientError) in try client.action(id: id) }
        do { try store.upsert([action], server: endpoint.baseURL) } catch {
            Diagnostics.warn("warning: the history cache did not keep \(action.id) as fetched: \(error)")
        }
        for line in shown(action, verdict: verdict, breakGlass: breakGlass) { Diagnostics.warn(line) }
        let outcome: DecisionOutcome
        do {
            (_, outcome) = try outbox.decide(action, verdict: verdict, reason: reason, breakGlass: breakGlass)
        } catch {
            throw CommandFailure("history cache: cannot record the decision before sending it: \(error)")
        }
        switch outcome {
        case .accepted(let decided):
            Diagnostics.warn(decided.isBreakGlass && breakGlass ? "approved: \(ActionText.breakGlassMark) approval recorded" : outcome.plainWords)
        case .rejected(_, let code, let message, _):
            // The outbox's words for 403 assume a missing approver role; break-glass refusals say why themselves.
            let words = breakGlass && [.forbidden, .reasonRequired].contains(code) ? "refused: \(Printable.line(message))" : outcome.plainWords
            throw CommandFailure(words, code: Exit.checkFailed)
        case .undelivered:
            throw CommandFailure(outcome.plainWords + "; it stays in the outbox and is sent by the next tollgate command or console start")
        }
    }

    /// What the approver is about to decide, on stderr: summary, risk, the rule beside the claim, the digest.
    static func shown(_ action: Action, verdict: Verdict, breakGlass: Bool) -> [String] {
        var lines = [
            "\(verdict == .approve ? "approving" : "denying") \(action.id): \(Printable.line(action.summary))",
            "  risk \(action.risk.rawValue), environment \(Printable.line(action.environment ?? "-")), digest \(action.digest)",
        ]
        lines.append("  " + ActionText.ruleOrNone(action))
        if let claimed = action.claimed { lines.append("  " + ActionText.claim(claimed)) }
        if action.status == .pending { lines.append("  " + Printable.line("approvals: \(ActionText.quorumWords(action))")) }
        if breakGlass { lines.append("  \(ActionText.breakGlassMark) this approval resolves the action alone, whatever the rule requires") }
        return lines
    }
}
