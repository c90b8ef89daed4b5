import Foundation
import TollgateCore

/// What a 50-rule policy costs a submission (issue #13: "within 10% of no policy"): the server
/// capacity bench's submission phase against two servers, one with no policy and one with
/// `BenchPolicy`, in alternating rounds; and the evaluation alone, in process, so its share can
/// be seen apart from SQLite and HTTP.
enum PolicyCost {
    /// The bodies `ServerCapacity.load` sends (offset 0); body i goes out from agent i % 16.
    static let bodyCount = 2_000

    static func run(_ context: BenchContext) {
        let throughputRow = "submission throughput, 50-rule policy vs none"
        let evaluationRow = "policy evaluation, 50 rules"
        let set: PolicySet
        switch BenchPolicy.set() {
        case .success(let parsed): set = parsed
        case .failure(let error):
            context.report.add(.failed(throughputRow, "the bench policy does not parse: \(error)"))
            context.report.add(.failed(evaluationRow, "the bench policy does not parse: \(error)"))
            return
        }
        let corpus = Corpus()
        let agents = BenchPrincipals().agents.count
        let submissions = (0..<bodyCount).map { PolicySubmission(request: corpus.request($0), requester: BenchPolicy.agentID($0 % agents)) }
        Log.say("policy: evaluation alone, \(set.rules.count) rules, \(bodyCount) submissions")
        let evaluation = evaluate(set, submissions, requests: (0..<bodyCount).map { corpus.request($0) }, agents: agents, quick: context.quick)

        var serverCPU: Double?
        do {
            let result = try throughput(set, submissions, context)
            serverCPU = result.plainCPU
            context.report.add(result.row)
        } catch {
            context.report.add(.failed(throughputRow, "\(error)"))
        }

        let added = evaluation.fifty - evaluation.none
        var figure =
            "\(Format.fixed(evaluation.fifty, 0)) ns per submission for the 50 rules (\(Format.fixed(evaluation.none, 0)) ns with none, so the rules add "
            + "\(Format.fixed(added, 0)) ns; \(Format.fixed(evaluation.meanTried, 1)) rules tried on average); done first, with or without a policy: "
            + "folding the four matched fields \(Format.fixed(evaluation.fold, 0)) ns, the claim (its justification folded) \(Format.fixed(evaluation.claim, 0)) ns"
        if let serverCPU, serverCPU > 0 {
            figure +=
                "; the rules' \(Format.fixed(added, 0)) ns is \(Format.fixed(100 * added / (serverCPU * 1e6), 2))% of the server's CPU per submission without policy"
        }
        context.report.add(
            ResultRow(
                what: evaluationRow,
                how:
                    "PolicySet.evaluate in process on the same \(bodyCount) corpus submissions, fields folded beforehand (PolicySubject, as the server does once per submission); "
                    + "\(evaluation.reachShare) reach the catch-all (rule 50), the rest rules 46-49; thread CPU time, best of \(evaluation.passes) passes of \(evaluation.reps) × \(bodyCount)",
                figure: figure, target: "(diagnostic)", verdict: .reported))
    }

    // MARK: - The evaluation alone

    struct Evaluation {
        /// Nanoseconds per submission: the 50 rules, no rules, folding the four matched fields
        /// (`PolicySubject`) and reading the claim (`PolicyClaim`, which folds the justification).
        var fifty = 0.0
        var none = 0.0
        var fold = 0.0
        var claim = 0.0
        var meanTried = 0.0
        var reachShare = ""
        var passes = 0
        var reps = 0
    }

    private static func evaluate(_ set: PolicySet, _ submissions: [PolicySubmission], requests: [ActionRequest], agents: Int, quick: Bool) -> Evaluation {
        var result = Evaluation()
        result.passes = quick ? 3 : 7
        result.reps = quick ? 20 : 100
        let empty = PolicySet(rules: [])
        var checksum = 0
        result.fifty = bestNanoseconds(passes: result.passes, reps: result.reps, count: submissions.count) {
            for s in submissions { checksum &+= set.evaluate(s).rule?.line ?? 0 }
        }
        result.none = bestNanoseconds(passes: result.passes, reps: result.reps, count: submissions.count) {
            for s in submissions { checksum &+= empty.evaluate(s).required.approvals }
        }
        let requesters = (0..<requests.count).map { BenchPolicy.agentID($0 % agents) }
        result.fold = bestNanoseconds(passes: result.passes, reps: max(1, result.reps / 10), count: requests.count) {
            for (r, requester) in zip(requests, requesters) {
                checksum &+= PolicySubject(kind: r.kind, environment: r.environment, resource: r.resource, requester: requester).kind.count
            }
        }
        result.claim = bestNanoseconds(passes: result.passes, reps: max(1, result.reps / 10), count: requests.count) {
            for r in requests { checksum &+= PolicyClaim(request: r).approvals }
        }
        // Where each submission lands: the rule's position, 1-based.
        let positions = submissions.map { s in (set.rules.firstIndex { $0.matches(s.subject) } ?? set.rules.count) + 1 }
        result.meanTried = Double(positions.reduce(0, +)) / Double(max(1, positions.count))
        let atCatchAll = positions.filter { $0 == set.rules.count }.count
        result.reachShare = "\(Format.fixed(100 * Double(atCatchAll) / Double(max(1, positions.count)), 0))%"
        if checksum == 42 { Log.say("policy: checksum \(checksum)") }  // keeps the timed work observable
        return result
    }

    /// The least thread CPU time per item over `passes` passes of `reps` runs of `body`, which
    /// handles `count` items per run: the pass least disturbed by the rest of the machine.
    private static func bestNanoseconds(passes: Int, reps: Int, count: Int, _ body: () -> Void) -> Double {
        body()  // warm: caches, lazily built tables
        var best = Double.infinity
        for _ in 0..<passes {
            let start = BenchClock.threadCPU()
            for _ in 0..<reps { body() }
            best = min(best, Double(BenchClock.threadCPU() - start) / Double(reps * count))
        }
        return best
    }

    // MARK: - Through the server

    private static func throughput(_ set: PolicySet, _ submissions: [PolicySubmission], _ context: BenchContext) throws -> (row: ResultRow, plainCPU: Double) {
        let blocks = context.size(4, quick: 1)
        let roundsPerBlock = 4
        let rounds = blocks * roundsPerBlock
        let seconds = context.seconds(2.5, quick: 1.5)
        let clients = 16
        var plainLoads: [ServerCapacity.Load] = []
        var ruledLoads: [ServerCapacity.Load] = []
        // A fresh pair of servers per block: each lives ~25 s, so the ledger's prune (60 s after
        // start, then every 60 s) never lands in one server's rounds and not the other's: with
        // one pair for the whole run it did, and stalled that server's submissions for ~3 s.
        for block in 0..<blocks {
            let plain = try ServerProcess.tollgate(binary: context.tollgate, directory: try context.folder("policy-none-\(block)"))
            defer { plain.stop() }
            let ruled = try ServerProcess.tollgate(
                binary: context.tollgate, directory: try context.folder("policy-50-\(block)"), configuration: BenchPolicy.text)
            defer { ruled.stop() }
            try checkApplied(ruled, set, submissions)
            Log.say(
                "policy: block \(block + 1) of \(blocks), servers on ports \(plain.port) (no policy) and \(ruled.port) (\(set.rules.count) rules); warming up")
            _ = try ServerCapacity.load([plain], clients: clients, seconds: 1, bodyOffset: 0, decisions: false)
            _ = try ServerCapacity.load([ruled], clients: clients, seconds: 1, bodyOffset: 0, decisions: false)
            for round in 0..<roundsPerBlock {
                // A B, B A, A B, B A: drift (a neighbour's build, the databases growing) falls on both.
                for policy in round % 2 == 0 ? [false, true] : [true, false] {
                    let load = try ServerCapacity.load([policy ? ruled : plain], clients: clients, seconds: seconds, bodyOffset: 0, decisions: false)
                    if policy { ruledLoads.append(load) } else { plainLoads.append(load) }
                }
                Log.say(
                    "policy: round \(plainLoads.count) of \(rounds): none \(Format.count(plainLoads[plainLoads.count - 1].submissionsPerSecond))/s, "
                        + "50 rules \(Format.count(ruledLoads[ruledLoads.count - 1].submissionsPerSecond))/s")
            }
        }

        func mean(_ loads: [ServerCapacity.Load]) -> Double { loads.map(\.submissionsPerSecond).reduce(0, +) / Double(max(1, loads.count)) }
        func cpu(_ loads: [ServerCapacity.Load]) -> Double {
            loads.map { $0.cpuPerSubmission * Double($0.submitted) }.reduce(0, +) / Double(max(1, loads.map(\.submitted).reduce(0, +)))
        }
        let plainRate = mean(plainLoads), ruledRate = mean(ruledLoads)
        // Judged on the median of the paired rounds: each pair runs back to back, so a
        // neighbour's burst spoils one pair, which the median sets aside and a mean would not.
        let perRound = Samples(zip(ruledLoads, plainLoads).map { $1.submissionsPerSecond > 0 ? $0.submissionsPerSecond / $1.submissionsPerSecond : 0 })
        let ratio = perRound.median ?? 0
        let plainCPU = cpu(plainLoads), ruledCPU = cpu(ruledLoads)
        let failures = (plainLoads + ruledLoads).map(\.failures).reduce(0, +)
        var figure =
            "none: \(Format.count(plainRate)) submissions/s (server CPU \(Format.fixed(plainCPU, 3)) ms each); "
            + "50 rules: \(Format.count(ruledRate)) submissions/s (\(Format.fixed(ruledCPU, 3)) ms each); "
            + "ratio, median of the \(perRound.count) paired rounds: \(Format.fixed(ratio, 3)) (min \(Format.fixed(perRound.min ?? 0, 3)), "
            + "max \(Format.fixed(perRound.max ?? 0, 3)); of the means \(Format.fixed(plainRate > 0 ? ruledRate / plainRate : 0, 3))); "
            + "server CPU per submission \(signedPercent(plainCPU > 0 ? ruledCPU / plainCPU - 1 : 0))"
        if failures > 0 { figure += "; \(failures) requests failed" }
        let row = ResultRow(
            what: "submission throughput, 50-rule policy vs none",
            how:
                "two release tollgate serve (fresh databases, no subscribers, rate limit off), one without policy, one with a 50-rule [[policy]] "
                + "(Support/BenchPolicy.swift: globs with * and ? in every matcher, group minimums; every submission tried against at least 46 rules); "
                + "\(clients) agents, closed loop, submissions only (the capacity row's load); \(rounds) rounds of \(Format.fixed(seconds, 1)) s on each, "
                + "order alternating, a fresh pair of servers every \(roundsPerBlock) rounds",
            figure: figure, target: "≥ 0.90 of no policy (within 10%), median round", verdict: ratio >= 0.9 && failures == 0 ? .meets : .misses,
            peer: "\(Format.fixed(ratio, 2))x the throughput without policy")
        return (row, plainCPU)
    }

    /// Submits a few corpus bodies to the policy server and checks each was stored under the
    /// rule the in-process evaluation picks, so the row measures a server that applies the rules.
    private static func checkApplied(_ server: ServerProcess, _ set: PolicySet, _ submissions: [PolicySubmission]) throws {
        let count = 32
        let bodies = FeedLatency.requestBodies(count)
        let connection = try HTTPConnection(port: server.port)
        for i in 0..<count {
            let agents = server.principals.agents
            let response = try connection.request("POST", "/v1/actions", token: agents[i % agents.count], body: bodies[i])
            let text = String(decoding: response.body, as: UTF8.self)
            guard response.status == 201 else { throw BenchError("the policy server answered \(response.status) to body \(i): \(Report.oneLine(text))") }
            guard let expected = set.evaluate(submissions[i]).rule?.id, text.contains("\"rule\":"), text.contains("\"id\":\"\(expected)\"") else {
                throw BenchError("the policy server did not store body \(i) under the rule evaluated here: \(Report.oneLine(text))")
            }
        }
    }

    private static func signedPercent(_ fraction: Double) -> String {
        (fraction >= 0 ? "+" : "") + Format.fixed(100 * fraction, 1) + "%"
    }
}
