import Foundation
import TollgateClient
import TollgateCore

/// Carries out one checked MCP tool call against the server, blocking: submit, long-poll,
/// look, cancel, each inside the call's own deadline and abandoned when `abort` is raised.
struct McpCallRunner {
    let endpoint: ServerEndpoint
    /// `--prompt-wait`: how long `approval_prompt` waits before it denies.
    let promptWait: Int
    let abort: AbortSignal
    /// The longest single long poll: shorter when the client asked for progress notifications.
    let pollSeconds: Int
    /// Told the action before each poll, with the seconds this call may wait in all.
    let onPoll: @Sendable (Action, Int) -> Void

    /// How far past its wait a call may run: room to submit, and to look once more at the deadline.
    static let grace: Duration = .seconds(10)

    func run(_ call: McpToolCall) -> McpToolAnswer.Result {
        switch call {
        case .requestApproval(let request, let wait):
            let round = self.round(waiting: wait)
            let action: Action
            do { action = try round.submit(request, key: UUID().uuidString) } catch { return failure("submitting the request", error) }
            do { return McpToolAnswer.action(try round.waitForDecision(action)) } catch {
                // Abandoned by the client: the model never learns the id, so nobody would act on an approval.
                if case .abandoned = error { _ = round.cancel(action) }
                return failure("waiting for \(action.id)", error)
            }
        case .waitForDecision(let id, let wait):
            let round = self.round(waiting: wait)
            do { return McpToolAnswer.action(try round.waitForDecision(try round.fetch(id))) } catch { return failure("waiting for \(id)", error) }
        case .getAction(let id):
            do { return McpToolAnswer.action(try round(waiting: 0).fetch(id), detailed: true) } catch { return failure("looking up \(id)", error) }
        case .cancelRequest(let id):
            return cancel(id)
        case .approvalPrompt(let prompt):
            return ask(prompt)
        }
    }

    /// The permission prompt: submit under the tool use's key, wait `--prompt-wait`, answer.
    private func ask(_ prompt: McpToolCall.Prompt) -> McpToolAnswer.Result {
        let onDisk = prompt.filePath.map { ClaudeCodeHook.FileOnDisk.read($0, cwd: FileManager.default.currentDirectoryPath) } ?? .absent
        let round = self.round(waiting: promptWait)
        let action: Action
        do { action = try round.submit(prompt.request(onDisk: onDisk), key: prompt.idempotencyKey ?? UUID().uuidString) } catch {
            return McpToolAnswer.promptFailure("submitting the request: \(error)")
        }
        do { return McpToolAnswer.prompt(prompt, try round.waitForDecision(action), waited: promptWait) } catch {
            // Claude Code stopped asking: the tool use will not run, so an approval must not stand.
            if case .abandoned = error { _ = round.cancel(action) }
            return McpToolAnswer.promptFailure("waiting for \(action.id): \(error)")
        }
    }

    /// Withdraws `id`; a decision that came first is reported as the action now stands.
    private func cancel(_ id: String) -> McpToolAnswer.Result {
        let client = APIClient(endpoint: endpoint, timeout: 10, abort: abort)
        do { return McpToolAnswer.action(try client.cancel(id: id)) } catch {
            if case .server(409, let refusal) = error, let action = refusal.action { return McpToolAnswer.action(action) }
            if case .transport = error { return McpToolAnswer.unreachable("cancelling \(id)", error) }
            if case .server(let status, _) = error, status >= 500 { return McpToolAnswer.unreachable("cancelling \(id)", error) }
            return McpToolAnswer.refused("cancelling \(id)", error)
        }
    }

    private func round(waiting seconds: Int) -> AgentRound {
        var round = AgentRound(endpoint: endpoint, deadline: .now + .seconds(seconds), grace: Self.grace, abort: abort)
        round.pollSeconds = pollSeconds
        let report = onPoll
        round.onPoll = { report($0, seconds) }
        return round
    }

    private func failure(_ doing: String, _ error: AgentRound.Failure) -> McpToolAnswer.Result {
        switch error {
        case .refused(let refusal): McpToolAnswer.refused(doing, refusal)
        case .unreachable(let outage): McpToolAnswer.unreachable(doing, outage)
        case .outOfTime, .abandoned: McpToolAnswer.unreachable(doing, nil)
        }
    }
}
