import ArgumentParser
import Foundation
import TollgateClient
import TollgateCore
import TollgateSync

/// `tollgate approve ID`: approves an action, through the outbox.
struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve an action (a reason is required for critical ones).",
        discussion:
            "Prints the action's summary, risk and digest on stderr and sends the decision with that digest. Exit 0 when recorded, 1 when the "
            + "server refused it (already resolved, expired, self-approval, digest mismatch), 2 on errors."
    )
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var history: HistoryOptions
    @Argument(help: "The action id.") var id: String
    @Option(help: ArgumentHelp("Why you approve.", valueName: "text")) var reason: String = ""

    func run() throws { try Decide.run(.approve, id: id, reason: reason, connection: connection, history: history) }
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

    func run() throws { try Decide.run(.deny, id: id, reason: reason, connection: connection, history: history) }
}

/// The shared path of approve and deny: show what is decided, then send it through the outbox.
enum Decide {
    static func run(_ verdict: Verdict, id: String, reason: String, connection: ConnectionOptions, history: HistoryOptions) throws {
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
        Diagnostics.warn("\(verdict == .approve ? "approving" : "denying") \(action.id): \(Printable.line(action.summary))")
        Diagnostics.warn("  risk \(action.risk.rawValue), environment \(Printable.line(action.environment ?? "-")), digest \(action.digest)")
        let outcome: DecisionOutcome
        do {
            (_, outcome) = try outbox.decide(action, verdict: verdict, reason: reason)
        } catch {
            throw CommandFailure("history cache: cannot record the decision before sending it: \(error)")
        }
        switch outcome {
        case .accepted:
            Diagnostics.warn(outcome.plainWords)
        case .rejected:
            throw CommandFailure(outcome.plainWords, code: Exit.checkFailed)
        case .undelivered:
            throw CommandFailure(outcome.plainWords + "; it stays in the outbox and is sent by the next tollgate command or console start")
        }
    }
}
