import XCTest

@testable import TollgateCore

final class DangerMarksTests: XCTestCase {
    /// Each default pattern, the lines it must mark, and look-alikes it must leave alone.
    static let table: [(label: String, marked: [String], unmarked: [String])] = [
        (
            "world-open CIDR",
            [#"  cidr_blocks = ["0.0.0.0/0"]"#, "  - CidrIp: 0.0.0.0/0", #"ipv6_cidr_blocks = ["::/0"]"#],
            [#"cidr_blocks = ["10.0.0.0/16"]"#, "cidr = 10.0.0.0/0", "route 0.0.0.0/00", "fd00::/0x", "2001:db8::/0"]
        ),
        (
            "wildcard IAM action",
            [
                #"      "Action": "*","#, #""Action":["*"]"#, #"  Action: '*'"#, #"    actions = ["*"]"#, #"Action = "s3:*""#,
                #"policy = "{\"Statement\":[{\"Action\":\"*\"}]}""#,
            ],
            [#""Action": "s3:GetObject","#, #""NotAction": "*""#, #"Action: "s3:Get*""#, "transaction = *"]
        ),
        (
            "wildcard IAM resource",
            [#""Resource": "*""#, #"  resources = ["*"]"#, #"Resource: "*""#],
            [#""Resource": "arn:aws:s3:::reports/*""#, #"resource "aws_iam_policy" "x" {"#, #""Resource": "arn:*:s3""#]
        ),
        (
            "SQL DROP",
            ["DROP TABLE users;", "drop   database prod;", "  DROP SCHEMA app CASCADE;"],
            ["-- dropdown table", "drop_table(users)", "DROP INDEX users_email;"]
        ),
        (
            "SQL TRUNCATE",
            ["TRUNCATE TABLE events;", "truncate users;", #"TRUNCATE "audit";"#],
            ["let s = text.truncate(80)", "truncated output follows", "s.truncate(to: 10)"]
        ),
        (
            "recursive force delete",
            ["rm -rf /var/lib/app", "sudo rm -fr build", "rm -Rf x", "rm -r -f x", "rm --recursive --force x", "rm -v -rf x"],
            ["rm -r build/", "rm -f stale.pid", "confirm -rf", "npm run form -rfx"]
        ),
        (
            "--force",
            ["git push --force origin main", "helm upgrade --force app", "kubectl delete pod x --force=true"],
            ["git push --force-with-lease origin main", "--forced-colors", "my--force"]
        ),
        (
            "world-writable mode",
            ["chmod 777 /srv", "chmod -R 0777 /srv"],
            ["chmod 755 /srv", "chmod 7770 x", "chmod 644 777.txt"]
        ),
        (
            "privileged container",
            ["        privileged: true", #"  "privileged": true,"#, "privileged = true"],
            ["privileged: false", "unprivileged: true", "# privileged mode is off"]
        ),
        (
            "host network",
            ["  hostNetwork: true", "host_network = true", #""hostNetwork":true"#],
            ["hostNetwork: false", "hostNetworkPolicy: true"]
        ),
    ]

    func testEachDefaultPatternMarksItsLinesAndNotItsLookAlikes() {
        let matcher = DangerMatcher()
        for row in Self.table {
            for line in row.marked {
                let marks = Self.marks(matcher, added: [line])
                XCTAssertTrue(marks.labels(at: 1)?.contains(row.label) ?? false, "should mark: \(line)")
            }
            for line in row.unmarked {
                let marks = Self.marks(matcher, added: [line])
                XCTAssertNil(marks.labels(at: 1), "should not mark: \(line) (\(marks.labels(at: 1) ?? []))")
            }
        }
        XCTAssertEqual(DangerMatcher.defaults.count, 11, "a default pattern failed to compile")
    }

    func testOnlyAddedLinesOfAUnifiedDiffAreMarked() {
        let diff = UnifiedDiff(
            """
            --- a/sg.tf
            +++ b/sg.tf
            @@ -1,4 +1,4 @@
             ingress {
            -  cidr_blocks = ["0.0.0.0/0"]
            +  cidr_blocks = ["10.0.0.0/8"]
            +  privileged = true
               note = "was 0.0.0.0/0"
            """)
        let marks = DangerMatcher().marks(in: diff)
        XCTAssertEqual(marks.lines, [6])
        XCTAssertEqual(marks.summary, "1 danger mark: privileged container")
    }

    func testSummaryCountsLinesAndListsLabelsOnceInOrder() {
        let marks = Self.marks(
            DangerMatcher(),
            added: [#"cidr = "0.0.0.0/0""#, "fine", #""Action": "*", "Resource": "*""#, "cidr = ::/0"])
        XCTAssertEqual(marks.lines, [1, 3, 4])
        XCTAssertEqual(marks.labels(at: 3), ["wildcard IAM action", "wildcard IAM resource"])
        XCTAssertEqual(marks.summary, "3 danger marks: world-open CIDR, wildcard IAM action, wildcard IAM resource")
        XCTAssertEqual(marks.line(after: 1), 3)
        XCTAssertEqual(marks.line(after: 4), nil)
        XCTAssertEqual(marks.line(before: 3), 1)
        XCTAssertEqual(marks.line(before: 1), nil)
        XCTAssertNil(DangerMarks.none.summary)
    }

    func testPlansAreMarkedOnWhatTheyMake() throws {
        let text = TerraformPlan(text: PlanSamples.text)
        let textMarks = DangerMatcher().marks(in: text)
        XCTAssertEqual(textMarks.lines.map { String(String(text.line(at: $0).text).trimmingWhitespace) }, [#"+ "0.0.0.0/0","#, "rm -rf /var/cache/app"])
        let json = try TerraformPlan(json: PlanSamples.json)
        let jsonMarks = DangerMatcher().marks(in: json)
        let marked = jsonMarks.lines.map { String(String(json.line(at: $0).text).trimmingWhitespace) }
        XCTAssertEqual(marked.count, 3, "\(marked)")
        XCTAssertEqual(marked[0], #"+ "0.0.0.0/0","#)
        XCTAssertTrue(marked[1].hasPrefix("~ policy"), "the new side of a change has Action *")
        XCTAssertEqual(marked[2], "rm -rf /var/cache/app")
        // A change whose old side alone is risky is the risk going away.
        let away = TerraformPlan(text: #"      ~ cidr = "0.0.0.0/0" -> "10.0.0.0/8""#)
        XCTAssertTrue(DangerMatcher().marks(in: away).isEmpty)
    }

    func testExtraPatternsAddToTheDefaults() throws {
        let extra = try DangerPattern(label: "prod database", pattern: "(?i)prod-db")
        let marks = Self.marks(DangerMatcher(extra: [extra]), added: ["host = PROD-DB.internal", "rm -rf /"])
        XCTAssertEqual(marks.labels(at: 1), ["prod database"])
        XCTAssertEqual(marks.labels(at: 2), ["recursive force delete"])
        XCTAssertThrowsError(try DangerPattern(label: "x", pattern: "(unclosed")) {
            XCTAssertEqual(($0 as? DangerPatternError)?.message, "not a valid regular expression")
        }
    }

    /// A one-hunk diff adding `added`, marked; line 1 is the first added line.
    static func marks(_ matcher: DangerMatcher, added: [String]) -> DangerMarks {
        matcher.marks(in: UnifiedDiff("@@ -0,0 +1,\(added.count) @@\n" + added.map { "+" + $0 }.joined(separator: "\n")))
    }
}
