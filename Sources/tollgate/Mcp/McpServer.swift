import Foundation
import MCP
import SystemPackage
import TollgateClient
import TollgateCore

/// `tollgate mcp`'s MCP server over stdio: the SDK glue around `McpToolCall`, `McpCallRunner`
/// and `McpToolAnswer`, which hold everything that is decided.
struct McpServer: Sendable {
    let endpoint: ServerEndpoint
    let promptWait: Int
    /// Where JSON-RPC goes: the process's standard output, moved aside so nothing else reaches it.
    let output: FileDescriptor

    /// With a progress token, a long poll lasts at most this long, so a notification follows each.
    static let progressPollSeconds = 5

    /// Serves until the client closes standard input.
    func serve() async throws {
        let server = Server(
            name: "tollgate", version: Tollgate.configuration.version,
            instructions: """
                Tollgate is an approval gate: before a risky or irreversible action, call request_approval and \
                proceed only once its status is "approved". While it is "pending", call wait_for_decision with its id; \
                never proceed on pending, denied, expired or cancelled.
                """,
            capabilities: .init(tools: .init(listChanged: false)))
        let tools = try Self.tools()
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: tools) }
        await server.withMethodHandler(CallTool.self) { [self] params in
            try await call(params, on: server)
        }
        try await server.start(transport: StdioTransport(input: .standardInput, output: output))
        await server.waitUntilCompleted()
    }

    /// One `tools/call`: a tool result in every case but the client's cancellation.
    private func call(_ params: CallTool.Parameters, on server: Server) async throws -> CallTool.Result {
        let answer: McpToolAnswer.Result
        do {
            let arguments = try JSONEncoder().encode(params.arguments ?? [:])
            let call = try McpToolCall.parse(tool: params.name, arguments: arguments)
            let progress = params._meta?.progressToken.map { ProgressReporter(server: server, token: $0) }
            defer { progress?.finish() }
            let (endpoint, promptWait) = (self.endpoint, self.promptWait)
            answer = try await BlockingCall.run { abort in
                McpCallRunner(
                    endpoint: endpoint, promptWait: promptWait, abort: abort,
                    pollSeconds: progress == nil ? 55 : Self.progressPollSeconds,
                    onPoll: { action, total in progress?.report(action, total: total) }
                ).run(call)
            }
        } catch let error as McpToolCall.ArgumentError {
            answer = McpToolAnswer.invalid(error)
        }
        if answer.isError { Diagnostics.warn("mcp: \(answer.text)") }
        let structured = answer.isError ? nil : try? JSONDecoder().decode(Value.self, from: Data(answer.text.utf8))
        return CallTool.Result(
            content: [.text(text: answer.text, annotations: nil, _meta: nil)], structuredContent: structured, isError: answer.isError ? true : nil)
    }

    /// The catalog as the SDK's tools.
    static func tools() throws -> [Tool] {
        try McpToolCatalog.tools.map { tool in
            Tool(
                name: tool.name.rawValue, title: tool.title, description: tool.description,
                inputSchema: try JSONDecoder().decode(Value.self, from: Data(tool.inputSchema.utf8)),
                annotations: .init(title: tool.title, readOnlyHint: tool.readOnly, destructiveHint: false, openWorldHint: false),
                outputSchema: try JSONDecoder().decode(Value.self, from: Data(tool.outputSchema.utf8)))
        }
    }
}

/// Sends `notifications/progress` for one call, in order, from the thread that waits.
private final class ProgressReporter: Sendable {
    private let continuation: AsyncStream<ProgressNotification.Parameters>.Continuation
    private let token: ProgressToken
    private let started = ContinuousClock.now

    init(server: Server, token: ProgressToken) {
        self.token = token
        let (stream, continuation) = AsyncStream<ProgressNotification.Parameters>.makeStream()
        self.continuation = continuation
        Task {
            for await parameters in stream { try? await server.notify(ProgressNotification.message(parameters)) }
        }
    }

    /// Seconds waited so far out of `total`, and where the action stands.
    func report(_ action: Action, total: Int) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let message = "\(action.id) \(action.status.rawValue): \(ActionText.quorumWords(action)) approvals; waited \(Int(seconds)) of \(total) s"
        continuation.yield(.init(progressToken: token, progress: seconds, total: Double(total), message: message))
    }

    func finish() { continuation.finish() }
}
