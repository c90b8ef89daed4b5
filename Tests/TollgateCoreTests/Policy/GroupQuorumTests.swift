import TollgateCore
import XCTest

/// Group minimums: one person counts towards one group, the total still holds, and the seating
/// is a true maximum matching, never a greedy guess.
final class GroupQuorumTests: XCTestCase {
    private func person(_ id: String, _ groups: String...) -> QuorumApprover { QuorumApprover(id: id, groups: groups) }

    private func quorum(_ approvals: Int, _ groups: KeyValuePairs<String, Int>) -> GroupQuorum {
        GroupQuorum(approvals: approvals, groups: groups.map { GroupMinimum(group: $0.key, count: $0.value) })
    }

    func testTwoApproversFromTheSameGroupCannotSatisfyATwoGroupRule() {
        let q = quorum(2, ["security": 1, "sre": 1])
        let approvers = [person("ann", "security")]
        let progress = q.progress(approvers + [person("ben", "security")])
        XCTAssertFalse(progress.isComplete)
        XCTAssertEqual(progress.description, "needs 1 approver from sre")
        XCTAssertEqual(
            q.eligibility(of: person("ben", "security"), given: approvers),
            .notEligible(QuorumProgress(seated: 1, required: 2, missing: [MissingApprovers(fromGroups: [GroupMinimum(group: "sre", count: 1)], fromAnyone: 0)]))
        )
        XCTAssertEqual(q.eligibility(of: person("cat", "sre"), given: approvers), .counts)
        XCTAssertTrue(q.progress(approvers + [person("cat", "sre")]).isComplete)
    }

    func testOnePersonInTwoGroupsCountsOnce() {
        let q = quorum(2, ["security": 1, "sre": 1])
        let both = [person("ann", "security", "sre")]
        let progress = q.progress(both)
        XCTAssertEqual(progress.seated, 1)
        XCTAssertEqual(progress.description, "needs 1 approver from security, or 1 approver from sre")
        // The same person again, in any spelling, is the same person.
        for same in ["ann", "Ann", " ann", "ａｎｎ", "an\u{200B}n", "ann."] {
            XCTAssertEqual(q.eligibility(of: person(same, "security", "sre"), given: both), .alreadyCounted, same.debugDescription)
            XCTAssertFalse(q.progress(both + [person(same, "security", "sre")]).isComplete, same.debugDescription)
        }
    }

    /// Seating ann (in both groups) as security, the first that fits, would refuse bob; seating
    /// her as sre fits both.
    func testGreedySeatingWouldRefuseWhoCounts() {
        let q = quorum(2, ["security": 1, "sre": 1])
        XCTAssertEqual(q.eligibility(of: person("bob", "security"), given: [person("ann", "security", "sre")]), .counts)
        XCTAssertTrue(q.progress([person("ann", "security", "sre"), person("bob", "security")]).isComplete)
        // A chain of reseatings: p1 a|b, p2 b|c, then p3 only a: p1 moves to b, p2 to c.
        let three = quorum(3, ["a": 1, "b": 1, "c": 1])
        let given = [person("p1", "a", "b"), person("p2", "b", "c")]
        XCTAssertEqual(three.eligibility(of: person("p3", "a"), given: given), .counts)
        XCTAssertTrue(three.progress(given + [person("p3", "a")]).isComplete)
        XCTAssertEqual(three.eligibility(of: person("p3", "d"), given: given), .notEligible(three.progress(given)))
    }

    func testTheTotalStillHolds() {
        let q = quorum(3, ["security": 1])
        XCTAssertEqual(q.eligibility(of: person("a"), given: []), .counts)
        XCTAssertEqual(q.progress([person("a")]).description, "needs 1 approver from security and 1 more from anyone")
        XCTAssertEqual(q.eligibility(of: person("b"), given: [person("a")]), .counts)
        let two = [person("a"), person("b")]
        XCTAssertEqual(q.progress(two).description, "needs 1 approver from security")
        guard case .notEligible(let progress) = q.eligibility(of: person("c", "sre"), given: two) else {
            return XCTFail("a third person outside security cannot count")
        }
        XCTAssertEqual(progress.description, "needs 1 approver from security")
        XCTAssertEqual(q.eligibility(of: person("c", "security"), given: two), .counts)
        XCTAssertTrue(q.progress(two + [person("c", "security")]).isComplete)
    }

    func testMinimumsAboveOneAndNoGroups() {
        let q = quorum(1, ["security": 2])
        XCTAssertEqual(q.approvals, 2, "the total is at least the groups' sum")
        XCTAssertEqual(q.progress([]).description, "needs 2 approvers from security")
        let plain = quorum(2, [:])
        XCTAssertEqual(plain.progress([person("a")]).description, "needs 1 more approver")
        XCTAssertEqual(plain.progress([]).description, "needs 2 more approvers")
        XCTAssertEqual(plain.eligibility(of: person("b"), given: [person("a")]), .counts)
        XCTAssertEqual(plain.progress([person("a"), person("b")]).description, "needs nothing more")
        XCTAssertEqual(plain.eligibility(of: person("c"), given: [person("a"), person("b")]), .notEligible(plain.progress([person("a"), person("b")])))
    }

    func testGroupNamesAreComparedFolded() {
        let q = quorum(1, ["security": 1])
        XCTAssertEqual(q.eligibility(of: person("a", "Security"), given: []), .counts)
        XCTAssertEqual(q.eligibility(of: person("a", "ｓｅｃｕｒｉｔｙ"), given: []), .counts)
        XCTAssertNotEqual(q.eligibility(of: person("a", "securities"), given: []), .counts)
    }

    /// Every set of up to four people over three groups, against brute force: the most people
    /// seatable is the best over every way of giving each person one of their seats.
    func testSeatingAgreesWithBruteForce() {
        let names = ["a", "b", "c"]
        let memberships: [[String]] = (0..<8).map { mask in names.indices.filter { mask & (1 << $0) != 0 }.map { names[$0] } }
        let q = quorum(4, ["a": 1, "b": 2])
        var people: [[String]] = []
        func visit(_ depth: Int) {
            if depth > 0 {
                let approvers = people.enumerated().map { QuorumApprover(id: "p\($0)", groups: $1) }
                XCTAssertEqual(q.progress(approvers).seated, Self.bruteForce(people, a: 1, b: 2, open: 1), "\(people)")
            }
            guard depth < 4 else { return }
            for m in memberships {
                people.append(m)
                visit(depth + 1)
                people.removeLast()
            }
        }
        visit(0)
    }

    private static func bruteForce(_ people: [[String]], a: Int, b: Int, open: Int) -> Int {
        guard let first = people.first else { return 0 }
        let rest = Array(people.dropFirst())
        var best = bruteForce(rest, a: a, b: b, open: open)  // this person takes no seat
        if first.contains("a"), a > 0 { best = max(best, 1 + bruteForce(rest, a: a - 1, b: b, open: open)) }
        if first.contains("b"), b > 0 { best = max(best, 1 + bruteForce(rest, a: a, b: b - 1, open: open)) }
        if open > 0 { best = max(best, 1 + bruteForce(rest, a: a, b: b, open: open - 1)) }
        return best
    }
}
