import TollgateClient
import TollgateCore

/// A simulated coding-agent session for `tollgate demo`: Claude Code `PreToolUse` events, as the
/// hook reads them on standard input, turned into actions by the hook's own mapping
/// (`ClaudeCodeHook`), so the demo shows what an agent's tool use looks like to an approver.
enum DemoCodingAgent {
    /// The principal the session's actions are submitted as.
    static let agent = "claude-code@demo"

    /// What `tollgate hook claude-code` would read, and the file an edit changes as it is on disk.
    private static let toolUses: [(input: String, onDisk: ClaudeCodeHook.FileOnDisk, effect: String)] = [
        (
            """
            {"session_id":"cc-4f2a","tool_use_id":"toolu_01","hook_event_name":"PreToolUse","cwd":"/srv/payments-api",
             "permission_mode":"default","tool_name":"Bash",
             "tool_input":{"command":"git push --force-with-lease origin fix/retry-backoff\\n# rebased on main after review"}}
            """, .absent, "branch pushed"
        ),
        (
            """
            {"session_id":"cc-4f2a","tool_use_id":"toolu_02","hook_event_name":"PreToolUse","cwd":"/srv/payments-api",
             "permission_mode":"default","tool_name":"Edit",
             "tool_input":{"file_path":"/srv/payments-api/config/retry.yaml","old_string":"max_attempts: 3\\nbackoff_ms: 200",
                           "new_string":"max_attempts: 5\\nbackoff_ms: 400\\njitter: full"}}
            """,
            .contents("# Retries for calls to the card processor\nservice: payments-api\nmax_attempts: 3\nbackoff_ms: 200\ntimeout_ms: 2000\n"),
            "config/retry.yaml edited"
        ),
    ]

    /// The session's tool uses as demo scenarios; an input the hook would refuse is a bug in this
    /// file, and is said, not skipped (the demo's tests look for both actions).
    static func scenarios() -> [DemoScenario] {
        toolUses.map { use -> DemoScenario in
            do throws(ClaudeCodeHook.InputError) {
                let event = try ClaudeCodeHook.parse(Array(use.input.utf8))
                return DemoScenario(agent: agent, request: ClaudeCodeHook.request(for: event, onDisk: use.onDisk), effect: use.effect)
            } catch {
                return DemoScenario(
                    agent: agent, request: ActionRequest(kind: "demo.broken", summary: "the demo's hook input was refused: \(error.message)"),
                    effect: "nothing")
            }
        }
    }
}
