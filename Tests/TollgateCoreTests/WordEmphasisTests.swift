import TollgateCore
import XCTest

/// Line pairing and the changed spans within pairs, on the changes agents ask approval for.
final class WordEmphasisTests: XCTestCase {
    /// The text of each span, so expectations read as words.
    private func words(_ spans: [Range<Int>], _ text: Substring) -> [String] {
        let bytes = Array(text.utf8)
        return spans.map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    private func emphasis(_ old: String, _ new: String, file: StaticString = #filePath, line: UInt = #line) -> (old: [String], new: [String])? {
        guard let c = WordEmphasis.compare(old[...], new[...]) else { return nil }
        return (words(c.old, old[...]), words(c.new, new[...]))
    }

    // MARK: - Spans

    func testChangedTokenOnlyInEachRealChange() throws {
        let table: [(what: String, old: String, new: String, removed: [String], added: [String])] = [
            ("IAM JSON action", #"      "Action": "s3:GetObject","#, #"      "Action": "s3:*","#, ["GetObject"], ["*"]),
            ("IAM JSON resource", #"      "Resource": "arn:aws:s3:::billing-exports/*""#, #"      "Resource": "*""#, ["arn:aws:s3:::billing-exports/"], []),
            ("Kubernetes YAML", "        privileged: false", "        privileged: true", ["false"], ["true"]),
            ("Kubernetes image", "        image: registry.example.com/api:1.4.2", "        image: registry.example.com/api:1.5.0", ["4.2"], ["5.0"]),
            ("SQL migration", "ALTER TABLE orders ADD COLUMN note text;", "ALTER TABLE orders DROP COLUMN note;", ["ADD", " text"], ["DROP"]),
            ("SQL grant", "GRANT SELECT ON customers TO analyst;", "GRANT SELECT ON customers TO exporter;", ["analyst"], ["exporter"]),
            ("Terraform CIDR", #"    cidr_blocks = ["10.0.0.0/8"]"#, #"    cidr_blocks = ["0.0.0.0/0"]"#, ["10", "8"], ["0", "0"]),
            ("Terraform HCL", #"  instance_class       = "db.r6g.2xlarge""#, #"  instance_class       = "db.r6g.4xlarge""#, ["2xlarge"], ["4xlarge"]),
            ("a rename", "import { fetchUser } from './api';", "import { loadUser } from './api';", ["fetchUser"], ["loadUser"]),
            ("whitespace only", "  replicas: 3", "    replicas: 3", ["  "], ["    "]),
            ("wide characters", "名前: 太郎 # 説明", "名前: 花子 # 説明", ["太郎"], ["花子"]),
            ("accents stay whole", "city: Zürich", "city: Genève", ["Zürich"], ["Genève"]),
        ]
        for row in table {
            let got = try XCTUnwrap(emphasis(row.old, row.new), row.what)
            XCTAssertEqual(got.old, row.removed, "\(row.what): removed side")
            XCTAssertEqual(got.new, row.added, "\(row.what): added side")
        }
    }

    func testAdjacentChangesMergeAcrossOneBlank() throws {
        let got = try XCTUnwrap(emphasis("allow read write on logs", "allow admin all on logs"))
        XCTAssertEqual(got.old, ["read write"])
        XCTAssertEqual(got.new, ["admin all"])
    }

    func testDistanceRanksSimilarLinesBelowDifferentOnes() throws {
        let close = try XCTUnwrap(WordEmphasis.compare(#"  "Action": "s3:GetObject","#, #"  "Action": "s3:*","#))
        let far = try XCTUnwrap(WordEmphasis.compare("DROP TABLE customers;", "SELECT 1 FROM orders WHERE id = 7;"))
        XCTAssertLessThan(close.distance, LinePairing.maxDistance)
        XCTAssertGreaterThan(far.distance, LinePairing.maxDistance)
        XCTAssertEqual(try XCTUnwrap(WordEmphasis.compare("  a: 1", "    a: 1")).distance, 0, "blanks count no distance")
    }

    func testSpansAreOffsetsIntoEachLine() throws {
        let old = "é=1;", new = "é=22;"
        let c = try XCTUnwrap(WordEmphasis.compare(old[...], new[...]))
        XCTAssertEqual(c.old, [3..<4], "é is two bytes")
        XCTAssertEqual(c.new, [3..<5])
    }

    func testCombiningMarksAndJoinersStayWithTheirBase() throws {
        // e + COMBINING ACUTE; a family emoji joined by ZWJs: neither is split into tokens.
        let got = try XCTUnwrap(emphasis("name: Rene\u{301} 👨‍👩‍👧", "name: Rene\u{301} 👨‍👩‍👦"))
        XCTAssertEqual(got.old, ["👨‍👩‍👧"])
        XCTAssertEqual(got.new, ["👨‍👩‍👦"])
    }

    // MARK: - Bounds

    func testLongLinesAreNotCompared() {
        let long = String(repeating: "x ", count: WordEmphasis.Limits.lineBytes)
        XCTAssertNil(WordEmphasis.compare(long[...], "x"[...]))
        let manyTokens = String(repeating: "a,", count: WordEmphasis.Limits.tokens)
        XCTAssertNil(WordEmphasis.compare(manyTokens[...], "a"[...]), "over the token limit")
    }

    func testAWideDifferingMiddleIsNotCompared() {
        // Every token differs, so trimming leaves two middles whose table is over the limit.
        let old = (0..<200).map { "a\($0)" }.joined(separator: ",")
        let new = (0..<200).map { "b\($0)" }.joined(separator: ",")
        XCTAssertNil(WordEmphasis.compare(old[...], new[...]))
    }

    func testOneChangeInALongLineIsStillFound() throws {
        // Trimming the common head and tail keeps the table tiny however long the line.
        let head = (0..<400).map { "k\($0)" }.joined(separator: ",")
        let got = try XCTUnwrap(emphasis(head + ",old," + head, head + ",new," + head))
        XCTAssertEqual(got.old, ["old"])
        XCTAssertEqual(got.new, ["new"])
    }
}
