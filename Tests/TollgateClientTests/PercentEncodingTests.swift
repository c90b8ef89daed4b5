import XCTest

@testable import TollgateClient

/// Ids and query values from data cannot change which resource a request names.
final class PercentEncodingTests: XCTestCase {
    func testUnreservedCharactersStayAndEverythingElseIsEncoded() {
        XCTAssertEqual(PercentEncoding.component("AZaz09-._~"), "AZaz09-._~")
        XCTAssertEqual(PercentEncoding.component("a/b c?d#e%f&g=h+i"), "a%2Fb%20c%3Fd%23e%25f%26g%3Dh%2Bi")
        XCTAssertEqual(PercentEncoding.component("é\u{0}\r\n"), "%C3%A9%00%0D%0A")
        XCTAssertEqual(PercentEncoding.component(""), "")
    }

    func testDotSegmentsAreEncodedWhole() {
        XCTAssertEqual(PercentEncoding.segment("."), "%2E")
        XCTAssertEqual(PercentEncoding.segment(".."), "%2E%2E")
        XCTAssertEqual(PercentEncoding.segment("..."), "%2E%2E%2E")
        XCTAssertEqual(PercentEncoding.segment("a.b"), "a.b")
        XCTAssertEqual(PercentEncoding.segment("../x"), "..%2Fx")
    }

    func testQueryLeavesOutMissingValues() {
        XCTAssertEqual(PercentEncoding.query([("a", "1"), ("b", nil), ("c d", "x&y")]), "a=1&c%20d=x%26y")
        XCTAssertEqual(PercentEncoding.query([("a", nil)]), "")
    }
}
