import Foundation
import TollgateCore

/// What a `tollgate mcp` tool answers, as the text a model reads: one JSON object for a result,
/// one plain sentence for an error.
///
/// Pure. Every string from an action was written by an agent and masked by the server; it goes
/// back inside JSON strings, never to a terminal.
public enum McpToolAnswer {
    /// One tool result: the text block, which is also the structured content unless `isError`.
    public struct Result: Hashable, Sendable {
        public var text: String
        public var isError: Bool
    }

    // MARK: - Actions

    /// The result of `request_approval`, `wait_for_decision`, `cancel_request`, and with
    /// `detailed` of `get_action`: the action's id, status, who decided and why, what to do next.
    public static func action(_ action: Action, detailed: Bool = false) -> Result {
        var object: [String: JSONValue] = [
            "id": .string(action.id), "status": .string(action.status.rawValue), "kind": .string(action.kind),
            "summary": .string(action.summary), "next": .string(next(for: action)),
            "decisions": .array(
                action.decisions.map { d in
                    .object([
                        "by": .string(d.approver), "verdict": .string(d.verdict.rawValue), "reason": .string(d.reason),
                        "break_glass": .bool(d.breakGlass),
                    ])
                }),
        ]
        if action.status != .pending { object["decided"] = .string(ClaudeCodeHook.account(of: action)) }
        if detailed {
            object["created_at"] = .string(action.createdAt.description)
            object["expires_at"] = .string(action.expiresAt.description)
            if let resolved = action.resolvedAt { object["resolved_at"] = .string(resolved.description) }
            let progress = action.quorumProgress
            var approvals: [String: JSONValue] = ["count": .int(Int64(progress.seated)), "required": .int(Int64(progress.required))]
            if !progress.isComplete { approvals["missing"] = .string(progress.description) }
            object["approvals"] = .object(approvals)
        }
        return Result(text: JSONValue.object(object).canonicalString, isError: false)
    }

    /// What the model must do now, in plain words.
    static func next(for action: Action) -> String {
        switch action.status {
        case .pending:
            "Not decided yet. Do NOT proceed with this action. Call wait_for_decision with id \"\(action.id)\" to keep waiting for a human's decision."
        case .approved:
            "Approved. You may proceed with exactly the action you described, nothing more."
        case .denied:
            "Denied. Do NOT proceed with this action; see decided for who denied it and why, and change your plan."
        case .expired:
            "Expired with no decision. Do NOT proceed; ask again with request_approval if it is still needed."
        case .cancelled:
            "Cancelled. Do NOT proceed with this action."
        }
    }

    // MARK: - Errors

    /// An error result for arguments the model must fix.
    public static func invalid(_ error: McpToolCall.ArgumentError) -> Result {
        Result(text: "Invalid arguments: \(error.message). Fix them and call again.", isError: true)
    }

    /// An error result for a server that answered `error` while the tool was `doing` something
    /// (`submitting the request`): what happened and what the model can do about it.
    public static func refused(_ doing: String, _ error: ClientError) -> Result {
        let advice: String
        switch error {
        case .server(401, _), .http(401, _):
            advice = "The token tollgate mcp uses was not accepted; a person must fix its configuration. Do NOT proceed with the action."
        case .server(403, _), .http(403, _):
            advice = "This token may not do that (it must be an agent's, and an agent sees only its own requests). Do NOT proceed with the action."
        case .server(404, _), .http(404, _):
            advice = "There is no such action for this token: use an id that request_approval returned. Do NOT proceed with the action."
        case .server(let status, _) where (400..<500).contains(status):
            advice = "Fix what the message names and call again. Do NOT proceed with the action meanwhile."
        default:
            advice = "Nothing was approved: do NOT proceed. Try again in a while."
        }
        return Result(text: "Tollgate refused \(doing): \(error). \(advice)", isError: true)
    }

    /// An error result for a server that could not be reached (or failed) while `doing` something.
    public static func unreachable(_ doing: String, _ error: ClientError?) -> Result {
        let why = error.map { ": \($0)" } ?? " in time"
        return Result(
            text: "The Tollgate server could not be reached while \(doing)\(why). Nothing was approved: do NOT proceed. Try again in a while.",
            isError: true)
    }

    // MARK: - The permission prompt

    /// The permission prompt's answer once the action is resolved, or still pending after
    /// `waited` seconds: allow with the input unchanged only when approved.
    public static func prompt(_ prompt: McpToolCall.Prompt, _ action: Action, waited: Int) -> Result {
        let answer: JSONArgument
        switch action.status {
        case .approved:
            answer = .object(["behavior": .string("allow"), "updatedInput": prompt.input])
        case .pending:
            answer = denial("Tollgate \(action.id) is still pending: no one decided within \(waited) s, so the tool use is refused")
        case .denied, .cancelled, .expired:
            answer = denial(ClaudeCodeHook.account(of: action))
        }
        return Result(text: String(decoding: answer.data, as: UTF8.self), isError: false)
    }

    /// A denial for the permission prompt that could not ask: `why`, in words for the user.
    ///
    /// Marked an error and worded as a denial, so a client that reads either one refuses the tool use.
    public static func promptFailure(_ why: String) -> Result {
        Result(text: String(decoding: denial("Tollgate could not be asked: \(why)").data, as: UTF8.self), isError: true)
    }

    private static func denial(_ message: String) -> JSONArgument {
        .object(["behavior": .string("deny"), "message": .string(message)])
    }
}
