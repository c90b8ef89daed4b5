import Foundation
import Synchronization
import TollgateClient
import TollgateCore

/// Simulated agents that submit `DemoScenarios` over the real protocol and react to decisions,
/// and a simulated second approver who adds the other vote on two-approver actions.
final class DemoAgents: Sendable {
    private let serverURL: String
    private let tokens: [String: String]
    private let secondApproverToken: String
    private let log: @Sendable (String) -> Void
    private let report: @Sendable (String) -> Void
    private let interval: Double
    private let running = Atomic<Bool>(true)

    /// - Parameters:
    ///   - tokens: each agent id's token.
    ///   - interval: seconds between new submissions.
    ///   - log: where agents say what they ask.
    ///   - report: where they say what they did about a decision ("executed: …").
    init(
        serverURL: String, tokens: [String: String], secondApproverToken: String, interval: Double,
        log: @escaping @Sendable (String) -> Void, report: @escaping @Sendable (String) -> Void
    ) {
        self.serverURL = serverURL
        self.tokens = tokens
        self.secondApproverToken = secondApproverToken
        self.interval = interval
        self.log = log
        self.report = report
    }

    func start() {
        Thread.detachNewThread { self.submitLoop() }
        Thread.detachNewThread { self.secondApproverLoop() }
    }

    func stop() { running.store(false, ordering: .relaxed) }

    private var isRunning: Bool { running.load(ordering: .relaxed) }

    /// Sleeps in short steps so `stop()` takes effect quickly.
    private func pause(_ seconds: Double) {
        var left = seconds
        while left > 0 && isRunning {
            Thread.sleep(forTimeInterval: min(0.2, left))
            left -= 0.2
        }
    }

    private func client(for agent: String) -> APIClient? {
        tokens[agent].map { APIClient(endpoint: ServerEndpoint(baseURL: serverURL, token: $0), timeout: 10) }
    }

    // MARK: - Agents

    private func submitLoop() {
        let scenarios = DemoScenarios.all()
        var round = 0
        while isRunning {
            for (i, scenario) in scenarios.enumerated() where isRunning {
                let thisRound = round
                Thread.detachNewThread { self.run(scenario, round: thisRound) }
                // A few at once so the queue is never empty, then a steady trickle.
                if round > 0 || i >= 2 { pause(interval) }
            }
            round += 1
        }
    }

    private func run(_ scenario: DemoScenario, round: Int) {
        guard let client = client(for: scenario.agent) else { return }
        var request = scenario.request
        if round > 0 { request.session = "\(request.session ?? "run")-\(round)" }
        let action: Action
        do { action = try client.submit(request, idempotencyKey: UUID().uuidString) } catch {
            if case .server(_, let refusal) = error, refusal.code == .justificationRequired {
                report("\(scenario.agent): refused at submission, no justification given (\(refusal.message))")
            } else {
                log("\(scenario.agent): could not submit: \(error)")
            }
            return
        }
        log("\(scenario.agent) asks: \(action.summary) [\(action.id)]" + (action.rule.map { " under rule \($0.id)" } ?? ""))
        if let rule = action.resolvingRule {
            // Not "executed": that word is kept for what a person approved (the demo's tests look for it).
            switch action.status {
            case .approved: report("\(scenario.agent): approved at submission by \(rule.decider) (\(rule.reason)), ran: \(scenario.effect) [\(action.id)]")
            default: report("\(scenario.agent): denied at submission by \(rule.decider) (\(rule.reason)), stopped [\(action.id)]")
            }
            return
        }
        var current = action
        while current.status == .pending && isRunning {
            do { current = try client.action(id: current.id, wait: 5) } catch { pause(1) }
        }
        switch current.status {
        case .approved:
            report("\(scenario.agent): approved, executed: \(scenario.effect) [\(current.id)]")
        case .denied:
            let reason = current.decisions.last(where: { $0.verdict == .deny })?.reason ?? ""
            report("\(scenario.agent): denied, stopped without running it (\(reason)) [\(current.id)]")
        case .expired:
            report("\(scenario.agent): nobody decided in time, gave up [\(current.id)]")
        case .cancelled, .pending:
            break
        }
    }

    // MARK: - The second approver

    /// Votes approve, 20 seconds after they arrive, on actions that need more than one approver
    /// and where a security approver counts (the demo policy's `prod-iam` needs one).
    private func secondApproverLoop() {
        let bob = APIClient(endpoint: ServerEndpoint(baseURL: serverURL, token: secondApproverToken), timeout: 10)
        let principal = Principal(id: "bob@demo", roles: [.approver], groups: DemoPolicy.groups["bob@demo"] ?? [])
        var voted: Set<String> = []
        while isRunning {
            pause(2)
            guard let page = try? bob.list(status: .pending, since: nil, limit: 200, cursor: nil) else { continue }
            for action in page.actions
            where action.requiredApprovals > 1 && !voted.contains(action.id) && action.eligibility(of: principal) == .counts
                && Timestamp.now().seconds(until: action.createdAt) < -20
            {
                voted.insert(action.id)
                let decision = DecisionRequest(verdict: .approve, reason: "Checked the node and the PDB with ops; fine for 30 minutes.", digest: action.digest)
                guard let after = try? bob.decide(id: action.id, decision, idempotencyKey: UUID().uuidString) else { continue }
                let progress = after.status == .approved ? "approved" : "it \(after.quorumProgress.description) (you are in sre)"
                report("bob@demo (second approver, security) approved \(action.id): \(progress)")
            }
        }
    }
}
