import Foundation
import TollgateCore
import XCTest

/// Which rule matches a submission, and what the action then requires: the rule's floors and
/// ceilings always hold, whatever the requester asks for.
final class PolicyEvaluationTests: XCTestCase {
    /// The sample configuration's rules (docs/examples/server.toml): the three, a
    /// data-export rule and a catch-all. `PolicyCommandTests` runs the same file through the binary.
    static let sampleURL: URL = {
        // This file is Tests/TollgateCoreTests/Policy/PolicyEvaluationTests.swift.
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root.deleteLastPathComponent() }
        return root.appendingPathComponent("docs/examples/server.toml")
    }()

    /// The sample's `[[policy]]` tables, from the first on, so a rule's line counts from there
    /// (the server settings above them are not policy, and `PolicyFile` reads none of them).
    static let sample: String = {
        do {
            let text = try String(contentsOf: sampleURL, encoding: .utf8)
            guard let first = text.range(of: "\n[[policy]]\n") else {
                XCTFail("\(sampleURL.path) has no [[policy]] table")
                return ""
            }
            return String(text[text.index(after: first.lowerBound)...])
        } catch {
            XCTFail("cannot read the sample configuration \(sampleURL.path): \(error)")
            return ""
        }
    }()

    private func policy() throws -> PolicySet { try PolicyFile.parse(text: Self.sample, file: "server.toml") }

    private func submission(
        _ kind: String, env: String? = nil, resource: String? = nil, by requester: String = "agent-1",
        risk: Risk = .medium, approvals: Int = 1, ttl: Int? = nil, justification: String? = nil
    ) -> PolicySubmission {
        PolicySubmission(
            request: ActionRequest(
                kind: kind, summary: "s", resource: resource, environment: env, risk: risk,
                justification: justification, requiredApprovals: approvals, ttlSeconds: ttl),
            requester: requester)
    }

    func testFirstMatchingRuleWins() throws {
        let policy = try policy()
        let cases: [(PolicySubmission, String?)] = [
            (submission("iam.grant", env: "production"), "prod-iam"),
            (submission("iam.grant", env: "staging"), "everything-else"),
            (submission("iam", env: "production"), "everything-else"),
            (submission("infra.restart", env: "staging"), "staging-restarts"),
            (submission("infra.restart", env: "production"), "everything-else"),
            (submission("secret.read", env: "production", by: "agent:ci"), "no-prod-secret-reads"),
            (submission("secret.read", env: "production", by: "deploy-bot"), "no-prod-secret-reads"),
            (submission("secret.read", env: "production", by: "alice"), "everything-else"),
            (submission("data.export"), "data-exports"),
            (submission("data.export", env: "production"), "data-exports"),
        ]
        for (s, expected) in cases {
            XCTAssertEqual(policy.evaluate(s).rule?.id, expected, "\(s.subject)")
        }
        XCTAssertNil(PolicySet(rules: Array(policy.rules.dropLast())).evaluate(submission("db.query")).rule)
    }

    /// The attack the policy exists for: an agent that asks for less than its rule gets the rule.
    func testAskingForLessGetsTheRulesValues() throws {
        let e = try policy().evaluate(submission("iam.grant", env: "production", risk: .low, approvals: 1, ttl: 86_400))
        XCTAssertEqual(
            e.required,
            PolicyRequirements(
                risk: .critical, approvals: 2, groups: [GroupMinimum(group: "security", count: 1)],
                maxTTLSeconds: 1800, justificationRequired: true, outcome: .review))
        XCTAssertEqual(e.ttlSeconds(default: 3600), 1800)
        XCTAssertEqual(e.claimed, PolicyClaim(risk: .low, approvals: 1, ttlSeconds: 86_400, hasJustification: false), "the claim is kept as made")
        XCTAssertTrue(e.lacksJustification)
    }

    func testAskingForMoreKeepsTheRequestersValues() throws {
        let e = try policy().evaluate(submission("iam.grant", env: "production", risk: .critical, approvals: 5, ttl: 60, justification: "ticket 42"))
        XCTAssertEqual(e.required.risk, .critical)
        XCTAssertEqual(e.required.approvals, 5)
        XCTAssertEqual(e.ttlSeconds(default: 3600), 60)
        XCTAssertFalse(e.lacksJustification)
    }

    func testFloorsAndCeilingsTable() {
        // (rule risk, rule approvals, groups, rule max ttl) × (asked risk, approvals, ttl) → (risk, approvals, ttl with default 3600)
        let cases: [(Risk?, Int?, [Int], Int?, Risk, Int, Int?, Risk, Int, Int)] = [
            (nil, nil, [], nil, .low, 1, nil, .low, 1, 3600),
            (.high, nil, [], nil, .low, 1, nil, .high, 1, 3600),
            (.high, nil, [], nil, .critical, 1, nil, .critical, 1, 3600),
            (nil, 3, [], nil, .medium, 1, nil, .medium, 3, 3600),
            (nil, 3, [], nil, .medium, 4, nil, .medium, 4, 3600),
            (nil, 1, [1, 1], nil, .medium, 1, nil, .medium, 2, 3600),  // approvals is at least the groups' sum
            (nil, nil, [2, 1], nil, .medium, 2, nil, .medium, 3, 3600),
            (nil, 4, [1, 1], nil, .medium, 1, nil, .medium, 4, 3600),
            (nil, nil, [], 600, .medium, 1, nil, .medium, 1, 600),  // the default is cut too
            (nil, nil, [], 600, .medium, 1, 7200, .medium, 1, 600),
            (nil, nil, [], 600, .medium, 1, 30, .medium, 1, 30),
            (nil, nil, [], 7200, .medium, 1, nil, .medium, 1, 3600),  // a ceiling never lengthens
        ]
        for (i, c) in cases.enumerated() {
            let groups = c.2.enumerated().map { GroupMinimum(group: "g\($0)", count: $1) }
            let rule = PolicyRule(id: "r", reason: "r", risk: c.0, approvals: c.1, groups: groups, maxTTLSeconds: c.3)
            let e = PolicyEvaluation(rule: rule, claimed: PolicyClaim(risk: c.4, approvals: c.5, ttlSeconds: c.6, hasJustification: false))
            XCTAssertEqual(e.required.risk, c.7, "case \(i)")
            XCTAssertEqual(e.required.approvals, c.8, "case \(i)")
            XCTAssertEqual(e.ttlSeconds(default: 3600), c.9, "case \(i)")
        }
    }

    func testNoMatchKeepsTheClaim() {
        let e = PolicySet(rules: []).evaluate(submission("db.query", risk: .low, approvals: 2, ttl: 99))
        XCTAssertNil(e.rule)
        XCTAssertEqual(e.required, PolicyRequirements(risk: .low, approvals: 2))
        XCTAssertEqual(e.ttlSeconds(default: 3600), 99)
        XCTAssertFalse(e.lacksJustification)
    }

    func testOutcomes() throws {
        let policy = try policy()
        XCTAssertEqual(policy.evaluate(submission("infra.restart", env: "staging")).required.outcome, .approve)
        XCTAssertEqual(policy.evaluate(submission("secret.read", env: "production", by: "agent:x")).required.outcome, .deny)
        XCTAssertEqual(policy.evaluate(submission("db.query")).required.outcome, .review)
    }

    /// Every spelling of production an agent could send reaches the production rule.
    func testEverySpellingOfAFieldMatches() throws {
        let policy = try policy()
        let spellings = [
            "production", "Production", "PRODUCTION", " production", "production ", "prod uction", "production\u{200B}",
            "\u{FEFF}production", "pro\u{00AD}duction", "ｐｒｏｄｕｃｔｉｏｎ", "production.", "production\t",
        ]
        for env in spellings {
            XCTAssertEqual(policy.evaluate(submission("iam.grant", env: env)).rule?.id, "prod-iam", env.debugDescription)
        }
        for requester in ["Agent:CI", "agent:ci ", "DEPLOY-BOT", "deploy-bot\u{200D}", "ａｇｅｎｔ:ci"] {
            XCTAssertEqual(
                policy.evaluate(submission("secret.read", env: "production", by: requester)).rule?.id,
                "no-prod-secret-reads", requester.debugDescription)
        }
    }

    /// An absent or empty field is the empty value: only `*` matches it.
    func testAbsentFieldsMatchOnlyAStar() throws {
        let star = PolicyRule(id: "star", reason: "r", environments: PolicyMatcher([try GlobPattern("*")]))
        let prefix = PolicyRule(id: "prefix", reason: "r", environments: PolicyMatcher([try GlobPattern("prod*")]))
        let question = PolicyRule(id: "question", reason: "r", resources: PolicyMatcher([try GlobPattern("?*")]))
        for env in [nil, "", " ", "\u{200B}"] as [String?] {
            let subject = PolicySubject(kind: "k", environment: env, resource: env, requester: "a")
            XCTAssertTrue(star.matches(subject), env.debugDescription)
            XCTAssertFalse(prefix.matches(subject), env.debugDescription)
            XCTAssertFalse(question.matches(subject), env.debugDescription)
        }
    }

    func testJustificationMustHoldSomethingVisible() throws {
        let policy = try policy()
        for blank in [nil, "", "   ", "\n\t", "\u{200B}\u{FEFF}", "..."] as [String?] {
            XCTAssertTrue(policy.evaluate(submission("data.export", justification: blank)).lacksJustification, blank.debugDescription)
        }
        XCTAssertFalse(policy.evaluate(submission("data.export", justification: "quarterly report")).lacksJustification)
    }
}
