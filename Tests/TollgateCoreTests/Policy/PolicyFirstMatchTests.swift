import TollgateCore
import XCTest

/// `PolicySet.firstMatch` on generated policies and submissions, against a reference written
/// apart from it: rules in order, a matcher left out matches anything, any pattern of a matcher
/// may match, and a pattern matches as the textbook glob table says.
final class PolicyFirstMatchTests: XCTestCase {
    /// Patterns of every shape the matcher treats apart: literals, `?`, stars at either end and
    /// between, and the lone `*`.
    private static let vocabulary = [
        "iam.grant", "iam.*", "*.read", "i?m.*", "*", "db.query", "d*y", "*a*", "production", "prod*", "stag?ng", "?", "??*", "postgres://*/pii_*",
        "postgres://*-db/*", "k8s://*/payments*", "*@bench.example.com", "agent-1?@*", "ci-*@*", "*-bot",
    ]
    private static let values = [
        "", "iam.grant", "iam.revoke", "db.query", "data.read", "production", "staging", "stageng", "sandbox", "prod", "postgres://prod-db/pii_users",
        "postgres://prod-db/orders", "postgres://warehouse/pii_x", "k8s://production-eu1/payments-api", "agent-12@bench.example.com",
        "agent-3@bench.example.com", "ci-main@example.com", "deploy-bot", "a", "ab",
    ]

    func testFirstMatchAgreesWithAPlainScanOverGeneratedPolicies() throws {
        var rng = SplitMix64(seed: 0xF125_7A7C)
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        for round in 0..<300 {
            var rules: [PolicyRule] = []
            var written: [[[String]?]] = []  // per rule: kinds, environments, resources, requesters
            for i in 0..<Int(1 + rng.next() % 12) {
                var matchers: [[String]?] = []
                for _ in 0..<4 {
                    // Most matchers are left out or short, so some rules match and some do not.
                    matchers.append(rng.next() % 3 == 0 ? nil : (0..<Int(1 + rng.next() % 3)).map { _ in pick(Self.vocabulary) })
                }
                func matcher(_ texts: [String]?) throws -> PolicyMatcher? { try texts.map { PolicyMatcher(try $0.map { try GlobPattern($0) }) } }
                rules.append(
                    PolicyRule(
                        id: "r\(i)", reason: "generated", kinds: try matcher(matchers[0]), environments: try matcher(matchers[1]),
                        resources: try matcher(matchers[2]), requesters: try matcher(matchers[3])))
                written.append(matchers)
            }
            let set = PolicySet(rules: rules)
            for _ in 0..<40 {
                let fields = (0..<4).map { _ in pick(Self.values) }
                let subject = PolicySubject(kind: fields[0], environment: fields[1], resource: fields[2], requester: fields[3])
                let expected = written.firstIndex { matchers in
                    zip(matchers, fields).allSatisfy { texts, value in
                        texts.map { $0.contains { GlobPatternTests.reference(Array($0), Array(value)) } } ?? true
                    }
                }.map { "r\($0)" }
                XCTAssertEqual(set.firstMatch(subject)?.id, expected, "round \(round), fields \(fields), rules \(written)")
            }
        }
    }
}
