import Foundation
import XCTest

@testable import TollgateServer

/// The Authorization header parser trims whitespace without Foundation; it must take exactly
/// the tokens Foundation's `trimmingCharacters(in: .whitespaces)` took.
final class BearerParsingTests: XCTestCase {
    /// The parser as it was, with Foundation's trimming: the oracle.
    private func foundationBearer(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    func testTokensAreTheOnesFoundationTrimmingGave() {
        let spaces = [" ", "\t", "\u{00A0}", "\u{2003}", "\u{3000}", "\u{200B}", "\n", "\r", "\u{0085}", "\u{2028}", "\u{FEFF}"]
        var headers = [
            "Bearer tg_abc", "bearer tg_abc", "BEARER tg_abc", "Basic tg_abc", "Bearer", "Bearer ", "Bearer  ", "",
            "  Bearer   tg_abc  ", "Bearer tg abc", "Bearertg_abc", "Bearer\ttg_abc", "Bearer é", "Beärer x",
        ]
        for space in spaces {
            headers += [
                "Bearer \(space)tg_abc", "Bearer tg_abc\(space)", "Bearer \(space)", "Bearer \(space)tg\(space)abc\(space)\(space)",
                "Bearer\(space)tg_abc", "\(space)Bearer tg_abc",
            ]
        }
        for header in headers {
            XCTAssertEqual(GatewayMiddleware.bearer(header), foundationBearer(header), "header \(header.debugDescription)")
        }
        XCTAssertEqual(GatewayMiddleware.bearer("Bearer \u{3000}tg_abc\t"), "tg_abc")
        XCTAssertNil(GatewayMiddleware.bearer("Bearer \t"))
    }

    func testTheLogLineDurationHasOneDecimal() {
        let text = GatewayMiddleware.milliseconds(since: ContinuousClock.now - .microseconds(12_345))
        XCTAssertTrue(text.hasSuffix("ms"), text)
        let number = text.dropLast(2)
        XCTAssertEqual(number.split(separator: ".").map(\.count).last, 1, text)
        XCTAssertGreaterThanOrEqual(Double(number) ?? 0, 12.3, text)
    }
}
