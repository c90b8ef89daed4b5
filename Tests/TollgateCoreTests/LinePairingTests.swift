import TollgateCore
import XCTest

/// Which removed line each added line replaced, on real diffs.
final class LinePairingTests: XCTestCase {
    /// Pairs as `old text -> new text`, in the order of the removed lines.
    private func pairs(_ text: String) -> [String] {
        let diff = UnifiedDiff(text)
        let pairing = LinePairing(diff)
        return diff.indices.compactMap { i -> String? in
            guard diff[i].kind == .removed, let p = pairing.partner(of: i) else { return nil }
            XCTAssertEqual(pairing.partner(of: p), i, "pairing is symmetric")
            return "\(String(diff[i].text).trimmingWhitespace) -> \(String(diff[p].text).trimmingWhitespace)"
        }
    }

    func testIAMPolicyPairsTheChangedStatementAndLeavesTheNewOneWhole() {
        let text = """
            --- a/policy.json
            +++ b/policy.json
            @@ -3,6 +3,7 @@
               "Statement": [{
                 "Effect": "Allow",
            -    "Action": "s3:GetObject",
            -    "Resource": "arn:aws:s3:::billing-exports/*"
            +    "Action": "s3:*",
            +    "Resource": "*",
            +    "Condition": {"Bool": {"aws:SecureTransport": "true"}}
               }]
             }

            """
        XCTAssertEqual(
            pairs(text),
            [#""Action": "s3:GetObject", -> "Action": "s3:*","#, #""Resource": "arn:aws:s3:::billing-exports/*" -> "Resource": "*","#])
    }

    func testKubernetesManifest() {
        let text = """
            @@ -10,5 +10,6 @@ spec:
                   containers:
                   - name: api
            -        image: registry.example.com/api:1.4.2
            +        image: registry.example.com/api:1.5.0
                     securityContext:
            -          privileged: false
            +          privileged: true
            +        hostNetwork: true

            """
        XCTAssertEqual(
            pairs(text), ["image: registry.example.com/api:1.4.2 -> image: registry.example.com/api:1.5.0", "privileged: false -> privileged: true"])
    }

    func testLinesTooDifferentStayUnpaired() {
        let text = """
            @@ -1,2 +1,2 @@
            -ALTER TABLE orders ADD COLUMN note text;
            -CREATE INDEX orders_note ON orders (note);
            +DROP TABLE customers;
            +TRUNCATE audit_log;

            """
        XCTAssertEqual(pairs(text), [])
    }

    func testAnInsertedLineIsSkippedToReachTheSimilarOne() {
        // Terraform: a new attribute lands above the one that changed.
        let text = """
            @@ -1,3 +1,4 @@
             resource "aws_security_group_rule" "db" {
            -  cidr_blocks = ["10.0.0.0/8"]
            +  description = "temporary access for the migration"
            +  cidr_blocks = ["0.0.0.0/0"]
             }

            """
        XCTAssertEqual(pairs(text), [#"cidr_blocks = ["10.0.0.0/8"] -> cidr_blocks = ["0.0.0.0/0"]"#])
    }

    func testPairsKeepBothSidesInOrder() {
        // Swapped lines: the first removed line takes its match further down, and the second
        // has nothing left after it, so it stays unpaired rather than crossing the first pair.
        let text = """
            @@ -1,2 +1,2 @@
            -alpha = 1
            -bravo = 2
            +bravo = 3
            +alpha = 4

            """
        XCTAssertEqual(pairs(text), ["alpha = 1 -> alpha = 4"])
    }

    func testRenameAndWhitespaceOnlyChangesPair() {
        let text = """
            diff --git a/src/user.ts b/src/account.ts
            similarity index 92%
            rename from src/user.ts
            rename to src/account.ts
            @@ -1,3 +1,3 @@
            -import { fetchUser } from './api';
            +import { loadUser } from './api';
            -  replicas: 3
            +    replicas: 3
             export {};

            """
        XCTAssertEqual(pairs(text), ["import { fetchUser } from './api'; -> import { loadUser } from './api';", "replicas: 3 -> replicas: 3"])
        let diff = UnifiedDiff(text)
        let pairing = LinePairing(diff)
        let indent = diff.indices.first { diff[$0].kind == .added && diff[$0].text.hasSuffix("replicas: 3") } ?? 0
        XCTAssertEqual(pairing.emphasis(of: indent), [0..<4], "the new indentation is what changed")
    }

    func testNoNewlineMarkersDoNotSplitARun() {
        let text = """
            @@ -1 +1 @@
            -{"allow": false}
            \\ No newline at end of file
            +{"allow": true}
            \\ No newline at end of file

            """
        XCTAssertEqual(pairs(text), [#"{"allow": false} -> {"allow": true}"#])
    }

    func testContextEndsARun() {
        let text = """
            @@ -1,3 +1,3 @@
            -port = 80
             host = "example.com"
            +port = 8080

            """
        XCTAssertEqual(pairs(text), [], "lines either side of context are never paired")
    }

    func testUnpairedAndOtherLinesHaveNoEmphasis() {
        let diff = UnifiedDiff("@@ -1,2 +1,1 @@\n-DROP TABLE customers;\n same\n+x\n")
        let pairing = LinePairing(diff)
        for i in diff.indices { XCTAssertEqual(pairing.emphasis(of: i), []) }
        XCTAssertEqual(pairing.emphasis(of: -1), [])
        XCTAssertEqual(pairing.emphasis(of: 99), [])
        XCTAssertNil(pairing.partner(of: 99))
    }

    func testAWholesaleRewriteStaysWithinItsBudget() {
        // 6,000 removed and 6,000 added lines, none alike: each removed line tries at most
        // `lookahead` candidates, and once the diff's budget is spent nothing more is compared,
        // not even the similar pair after the rewrite: hostile input costs milliseconds.
        var text = "@@ -1,6002 +1,6002 @@\n"
        for i in 0..<6_000 { text += "-" + (0..<40).map { "r\(i)_\($0)" }.joined(separator: " ") + "\n" }
        for i in 0..<6_000 { text += "+" + (0..<40).map { "a\(i)_\($0)" }.joined(separator: ",") + "\n" }
        text += " context\n-port = 80\n+port = 8080\n"
        let pairing = LinePairing(UnifiedDiff(text))
        XCTAssertEqual(pairing.pairCount, 0)
        XCTAssertEqual(LinePairing(UnifiedDiff("@@ -1,2 +1,2 @@\n context\n-port = 80\n+port = 8080\n")).pairCount, 1, "alone, the pair is made")
    }
}
