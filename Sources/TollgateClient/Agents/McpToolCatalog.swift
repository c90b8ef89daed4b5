import Foundation

/// The tools `tollgate mcp` offers, as `tools/list` declares them: names, descriptions written
/// for a model to read, and JSON Schemas of their arguments and results.
public enum McpToolCatalog {
    /// The tool names, exactly as clients call them.
    public enum Name: String, CaseIterable, Sendable {
        case requestApproval = "request_approval"
        case waitForDecision = "wait_for_decision"
        case getAction = "get_action"
        case cancelRequest = "cancel_request"
        case approvalPrompt = "approval_prompt"
    }

    /// One tool's declaration; the schemas are JSON object texts.
    public struct Tool: Sendable {
        public var name: Name
        public var title: String
        public var description: String
        public var inputSchema: String
        public var outputSchema: String
        public var readOnly: Bool
    }

    /// Every tool, in the order `tools/list` gives them.
    public static let tools: [Tool] = [
        Tool(
            name: .requestApproval, title: "Ask a human to approve an action",
            description: """
                Ask a human, through Tollgate, to approve an action BEFORE you take it. Use it for anything risky or \
                hard to undo: deploys, deleting data, production changes, spending money, sending messages to people. \
                Describe exactly what you will do: kind is a dotted lowercase category (e.g. deploy.production), summary \
                one line a person reads first, command the exact command, diff a unified diff of the change. The call \
                waits up to wait_seconds (default 45) for a decision and returns the action's id and status. Proceed \
                ONLY when status is "approved", and only with exactly what you described. If status is "pending", do \
                not proceed: call wait_for_decision with the id. If "denied", "expired" or "cancelled", do not \
                proceed; the result says who decided and why.
                """,
            inputSchema: """
                {"type":"object","additionalProperties":false,"required":["kind","summary"],"properties":{\
                "kind":{"type":"string","maxLength":64,"pattern":"^[a-z0-9_-]+(\\\\.[a-z0-9_-]+)*$","description":"Dotted lowercase category of the action, e.g. deploy.production or db.migration."},\
                "summary":{"type":"string","minLength":1,"maxLength":1000,"description":"One line a human reads first: what you will do."},\
                "command":{"type":"string","description":"The exact command or operation you will run."},\
                "resource":{"type":"string","description":"What it touches: a host, a database, a file, a repository."},\
                "environment":{"type":"string","description":"Where, e.g. production or staging."},\
                "risk":{"type":"string","enum":["low","medium","high","critical"],"default":"medium","description":"How much harm it could do if it went wrong."},\
                "justification":{"type":"string","description":"Why it is needed, in your own words."},\
                "context":{"type":"object","additionalProperties":{"type":"string"},"description":"Other facts for the approver, as name to text."},\
                "diff":{"type":"string","description":"A unified diff of the change, shown to the approver."},\
                "on_behalf_of":{"type":"string","description":"The person or service you act for."},\
                "wait_seconds":{"type":"integer","minimum":0,"maximum":55,"default":45,"description":"How long to wait for a decision before returning pending."}}}
                """,
            outputSchema: actionSchema(detailed: false), readOnly: false),
        Tool(
            name: .waitForDecision, title: "Wait for a decision",
            description: """
                Wait for the decision on an action you asked about with request_approval. Returns when a human \
                decides or after wait_seconds (default 45), with the same result shape. While status is "pending", do \
                not proceed: call wait_for_decision again with the same id. Proceed only when status is "approved".
                """,
            inputSchema: """
                {"type":"object","additionalProperties":false,"required":["id"],"properties":{\
                "id":{"type":"string","description":"The id request_approval returned."},\
                "wait_seconds":{"type":"integer","minimum":0,"maximum":55,"default":45,"description":"How long to wait before returning pending."}}}
                """,
            outputSchema: actionSchema(detailed: false), readOnly: true),
        Tool(
            name: .getAction, title: "Look at an action",
            description: """
                Look at an action without waiting: its status, who decided and why, when it expires, and the \
                approvals so far. Proceed only when status is "approved".
                """,
            inputSchema: """
                {"type":"object","additionalProperties":false,"required":["id"],"properties":{\
                "id":{"type":"string","description":"The id request_approval returned."}}}
                """,
            outputSchema: actionSchema(detailed: true), readOnly: true),
        Tool(
            name: .cancelRequest, title: "Withdraw a request",
            description: """
                Withdraw your own pending request when you no longer need it (you changed your plan, or the task \
                ended). A cancelled action must not be carried out. If a human decided first, the result says so.
                """,
            inputSchema: """
                {"type":"object","additionalProperties":false,"required":["id"],"properties":{\
                "id":{"type":"string","description":"The id request_approval returned."}}}
                """,
            outputSchema: actionSchema(detailed: false), readOnly: false),
        Tool(
            name: .approvalPrompt, title: "Claude Code permission prompt",
            description: """
                Claude Code's permission prompt tool (--permission-prompt-tool): asks a human, through Tollgate, \
                whether one tool use may run, and answers {"behavior":"allow","updatedInput":…} or \
                {"behavior":"deny","message":…}. Called by Claude Code, not by the model.
                """,
            inputSchema: """
                {"type":"object","required":["tool_name","input"],"properties":{\
                "tool_name":{"type":"string","description":"The tool Claude Code is about to run, e.g. Bash."},\
                "input":{"type":"object","description":"The tool's input."},\
                "tool_use_id":{"type":"string","description":"The tool use's id; a repeated prompt for it asks once."}}}
                """,
            outputSchema: """
                {"type":"object","required":["behavior"],"properties":{\
                "behavior":{"type":"string","enum":["allow","deny"]},\
                "updatedInput":{"type":"object","description":"The input, unchanged, when allowed."},\
                "message":{"type":"string","description":"Who denied it and why, or that no one decided in time."}}}
                """,
            readOnly: false),
    ]

    /// The result of the four action tools; `detailed` adds times and approvals (`get_action`).
    private static func actionSchema(detailed: Bool) -> String {
        let detail =
            detailed
            ? """
            ,"created_at":{"type":"string"},"expires_at":{"type":"string","description":"When a pending action expires unanswered."},\
            "resolved_at":{"type":"string"},"approvals":{"type":"object","required":["count","required"],"properties":{\
            "count":{"type":"integer"},"required":{"type":"integer"},"missing":{"type":"string"}}}
            """ : ""
        let required = detailed ? #","expires_at","approvals""# : ""
        return """
            {"type":"object","required":["id","status","kind","summary","decisions","next"\(required)],"properties":{\
            "id":{"type":"string","description":"The action's id, for wait_for_decision, get_action and cancel_request."},\
            "status":{"type":"string","enum":["pending","approved","denied","expired","cancelled"]},\
            "kind":{"type":"string"},"summary":{"type":"string"},\
            "decided":{"type":"string","description":"Once resolved: who decided and why."},\
            "decisions":{"type":"array","items":{"type":"object","required":["by","verdict","reason"],"properties":{\
            "by":{"type":"string"},"verdict":{"type":"string","enum":["approve","deny"]},"reason":{"type":"string"},\
            "break_glass":{"type":"boolean"}}}},\
            "next":{"type":"string","description":"What to do now, in plain words."}\(detail)}}
            """
    }
}
