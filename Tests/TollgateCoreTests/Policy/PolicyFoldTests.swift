@_spi(Testing) import TollgateCore
import XCTest

/// The form matchers compare: `Identity.key` takes a byte-level path for ASCII values, and
/// must give exactly what the Unicode rules give, or a spelling could step around a rule (or
/// two spellings of one approver count twice).
final class PolicyFoldTests: XCTestCase {
    private func assertAgrees(_ value: String, file: StaticString = #filePath, line: UInt = #line) {
        // Code points, so a difference in an invisible character shows in the failure.
        XCTAssertEqual(
            Identity.key(value).unicodeScalars.map(\.value), Identity.unicodeKey(value).unicodeScalars.map(\.value), "key of \(value.debugDescription)",
            file: file, line: line)
        XCTAssertEqual(PolicyMatcher.fold(value), Array(Identity.key(value).unicodeScalars), file: file, line: line)
    }

    /// Every ASCII character alone, and between letters, before a dot and after one.
    func testEveryASCIICharacterAgreesWithTheIdentityKey() {
        for byte in UInt8(0)..<0x80 {
            let c = String(UnicodeScalar(byte))
            for value in [c, "A\(c)b", "x\(c).", "\(c)..", ".\(c)", "Prod\(c)Uction", String(repeating: c, count: 3)] {
                assertAgrees(value)
            }
        }
    }

    /// Generated values over an alphabet heavy in what folding changes (upper case, white space,
    /// controls, dots), with a non-ASCII character now and then so both paths are compared.
    func testGeneratedValuesAgreeWithTheIdentityKey() {
        let alphabet: [String] = [
            "a", "Z", "M", "q", "0", "9", ".", ".", ".", " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{00}", "\u{1F}", "\u{7F}", "-", "_", "/", ":", "*",
            "?", "@", "~",
        ]
        let rare = ["é", "Ｐ", "\u{200B}", "\u{00A0}", "İ", "ß", "\u{0085}", "ﬁ", "e\u{301}"]
        var rng = SplitMix64(seed: 0x5EED_F01D)
        for _ in 0..<20_000 {
            var value = ""
            for _ in 0..<Int(rng.next() % 24) {
                value += rng.next() % 40 == 0 ? rare[Int(rng.next() % UInt64(rare.count))] : alphabet[Int(rng.next() % UInt64(alphabet.count))]
            }
            assertAgrees(value)
        }
    }

    func testTheValuesRulesSeeFoldAsDocumented() {
        XCTAssertEqual(PolicyMatcher.fold(nil), [])
        XCTAssertEqual(PolicyMatcher.fold(""), [])
        XCTAssertEqual(String(String.UnicodeScalarView(PolicyMatcher.fold(" Production. "))), "production")
        XCTAssertEqual(String(String.UnicodeScalarView(PolicyMatcher.fold("Postgres://Prod-DB/Customers"))), "postgres://prod-db/customers")
        XCTAssertEqual(String(String.UnicodeScalarView(PolicyMatcher.fold("ｐｒｏｄｕｃｔｉｏｎ"))), "production")
        XCTAssertEqual(String(String.UnicodeScalarView(PolicyMatcher.fold("prod\u{200B}uction"))), "production")
    }
}
