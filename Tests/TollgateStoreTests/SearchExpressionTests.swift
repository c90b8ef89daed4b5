import XCTest

@testable import TollgateStore

/// The MATCH text built from what a person typed: only FTS5 strings, never syntax.
final class SearchExpressionTests: XCTestCase {
    func testEveryWordIsAQuotedStringAndTheLastAPrefix() {
        XCTAssertEqual(match("prod-db \"drop"), "\"prod-db\" \"\"\"drop\"*")
        XCTAssertEqual(match("  export  "), "\"export\"*")
        XCTAssertEqual(match("NEAR(a b) OR c"), "\"NEAR(a\" \"b)\" \"OR\" \"c\"*")
    }

    func testNothingSearchableMeansNoExpression() {
        for text in ["", " \t\n", "- * ^", "\"\"", "🙂", "\u{0}"] {
            XCTAssertNil(SearchExpression(text), text.debugDescription)
        }
    }

    func testControlCharactersBecomeSpaces() {
        XCTAssertEqual(match("a\u{0}b\u{1B}c"), "\"a\" \"b\" \"c\"*")
    }

    func testAQuoteCarryingACombiningMarkIsStillDoubled() {
        XCTAssertEqual(match("x\"\u{301}y"), "\"x\"\"\u{301}y\"*")
    }

    func testWordsBeyondTheLimitAreIgnored() {
        let text = (0..<100).map { "w\($0)" }.joined(separator: " ")
        let expression = match(text)
        XCTAssertEqual(expression.split(separator: " ").count, SearchExpression.maximumWords)
        XCTAssertTrue(expression.hasSuffix("\"w31\"*"), expression)
    }

    // MARK: - Expansion

    func testOnlyALongASCIILastTokenIsExpandable() throws {
        let split = try XCTUnwrap(SearchExpression("deploy Prod-DB:Primar")?.expandablePrefix)
        XCTAssertEqual(split.leading, ["prod", "db"])
        XCTAssertEqual(split.prefix, "primar")
        XCTAssertNil(SearchExpression("export cus")?.expandablePrefix, "3 characters: the prefix index serves it")
        XCTAssertNil(SearchExpression("résumé")?.expandablePrefix, "not ASCII: only FTS5 knows its tokens")
        XCTAssertEqual(SearchExpression("prod-")?.expandablePrefix?.prefix, "prod", "a trailing separator ends no token")
    }

    func testExpansionsReplaceTheLastWordWithAnOr() {
        let expression = SearchExpression("export Prod-Custom")
        XCTAssertEqual(
            expression?.match(expansions: ["customer", "customers"]),
            "\"export\" AND (\"prod customer\" OR \"prod customers\")")
        XCTAssertEqual(expression?.match(expansions: []), "\"export\" \"Prod-Custom\"*")
    }

    private func match(_ text: String) -> String { SearchExpression(text)?.match() ?? "<nil>" }
}
