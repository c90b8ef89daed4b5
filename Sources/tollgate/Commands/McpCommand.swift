import ArgumentParser
import Foundation
import SystemPackage
import TollgateClient

/// `tollgate mcp`: an MCP server over stdio that gives an agent Tollgate's approval tools.
struct McpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "MCP server over stdio: tools for an agent to ask for approval and wait for the decision.",
        discussion: """
            Speaks JSON-RPC on stdin/stdout (nothing else is ever written to stdout; logs go to stderr) until stdin \
            closes. Tools: request_approval, wait_for_decision, get_action, cancel_request, and approval_prompt for \
            Claude Code's --permission-prompt-tool. Each wait lasts at most 55 s (the tool's wait_seconds, default \
            45) and then answers pending, so the agent asks again instead of the client dropping the call; \
            approval_prompt waits --prompt-wait and then denies. The token must be an agent's. A bad call, an \
            unreachable server or a refusal is a tool error the model can read; the server keeps running.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Seconds approval_prompt waits for a decision before it denies.", valueName: "seconds"))
    var promptWait: Int = 300

    func validate() throws {
        guard (1...3_600).contains(promptWait) else { throw ValidationError("--prompt-wait must be between 1 and 3600 seconds") }
    }

    func run() async throws {
        let endpoint = try connection.endpoint()
        // JSON-RPC keeps the real standard output; descriptor 1 becomes standard error, so a stray
        // print anywhere in the process can never corrupt the protocol stream.
        let protocolOutput = dup(STDOUT_FILENO)
        guard protocolOutput >= 0, dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 else {
            throw CommandFailure("mcp: cannot set up standard output: \(String(cString: strerror(errno)))")
        }
        try await McpServer(endpoint: endpoint, promptWait: promptWait, output: FileDescriptor(rawValue: protocolOutput)).serve()
    }
}
