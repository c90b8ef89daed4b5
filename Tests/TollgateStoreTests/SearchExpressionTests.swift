import XCTest
@testable import TollgateStore

/// The MATCH text built from what a person typed: only FTS5 strings, never syntax.
final class SearchExpressionTests: XCTestCase {
    func testEveryWordIsAQuotedStringAndTheLastAPrefix() {
        XCTAssertEqual(SearchExpression.match("prod-db \"drop"), "\"prod-db\" \"\"\"drop\"*")
        XCTAssertEqual(SearchExpression.match("  export  "), "\"export\"*")
        XCTAssertEqual(SearchExpression.match("NEAR(a b) OR c"), "\"NEAR(a\" \"b)\" \"OR\" \"c\"*")
    }

    func testNothingSearchableMeansNoExpression() {
        for text in ["", " \t\n", "- * ^", "\"\"", "🙂", "\u{0}"] {
            XCTAssertNil(SearchExpression.match(text), text.debugDescription)
        }
    }

    func testControlCharactersBecomeSpaces() {
        XCTAssertEqual(SearchExpression.match("a\u{0}b\u{1B}c"), "\"a\" \"b\" \"c\"*")
    }

    func testAQuoteCarryingACombiningMarkIsStillDoubled() {
        XCTAssertEqual(SearchExpression.match("x\"\u{301}y"), "\"x\"\"\u{301}y\"*")
    }

    func testWordsBeyondTheLimitAreIgnored() {
        let text = (0..<100).map { "w\($0)" }.joined(separator: " ")
        let expression = SearchExpression.match(text) ?? ""
        XCTAssertEqual(expression.split(separator: " ").count, SearchExpression.maximumWords)
        XCTAssertTrue(expression.hasSuffix("\"w31\"*"), expression)
    }
}
