import TollgateCore
import XCTest

/// The typed getters over what TOML 1.0 can now hold: infinities, NaN and dates.
final class TOMLConfigReaderTests: XCTestCase {
    func testSecondsAreFinite() throws {
        for (text, shown) in [("inf", "inf"), ("+inf", "inf"), ("nan", "nan"), ("-nan", "-nan")] {
            var reader = try ConfigReader.parse("timeout = \(text)", file: "c.toml")
            XCTAssertThrowsError(try reader.seconds("timeout"), text) { error in
                XCTAssertEqual("\(error)", "c.toml:1: timeout: expected a finite number of seconds, found \(shown)")
            }
        }
    }

    func testDatesAreNamedInTypeErrors() throws {
        var reader = try ConfigReader.parse("a = 1979-05-27\nb = 07:32:00", file: "c.toml")
        XCTAssertThrowsError(try reader.string("a")) { XCTAssertEqual("\($0)", "c.toml:1: a: expected a string, found a local date") }
        XCTAssertThrowsError(try reader.integer("b")) { XCTAssertEqual("\($0)", "c.toml:2: b: expected an integer, found a local time") }
    }
}
