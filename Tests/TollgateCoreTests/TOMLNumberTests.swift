import TollgateCore
import XCTest

/// TOML 1.0 integers and floats: every form the spec allows reads as its value, and every form
/// it forbids is refused with a message naming the rule and the column of the offending byte.
final class TOMLNumberTests: XCTestCase {
    func testIntegersInEveryForm() throws {
        let cases: [(String, Int64)] = [
            ("0", 0), ("+0", 0), ("-0", 0), ("42", 42), ("+17", 17), ("-17", -17), ("1_000", 1_000),
            ("5_349_221", 5_349_221), ("1_2_3_4_5", 12_345), ("0xDEADBEEF", 0xDEAD_BEEF), ("0xdead_beef", 0xDEAD_BEEF),
            ("0x00", 0), ("0o01234567", 0o1234567), ("0o755", 0o755), ("0b11010110", 0b1101_0110), ("0b1_0", 2),
            ("9223372036854775807", .max), ("-9223372036854775808", .min), ("0x7FFFFFFFFFFFFFFF", .max),
            ("0o777777777777777777777", .max), ("0b" + String(repeating: "1", count: 63), .max),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try tomlValue(text), .integer(expected), text)
        }
    }

    func testForbiddenIntegersAreRefusedByName() {
        let range = "TOML integers are 64-bit, -9223372036854775808 to 9223372036854775807"
        let cases: [(String, String)] = [
            ("007", "line 1, column 5: leading zeros are not allowed: 007"),
            ("-01", "line 1, column 6: leading zeros are not allowed: -01"),
            ("0_0", "line 1, column 5: leading zeros are not allowed: 0_0"),
            ("1__0", "line 1, column 6: an underscore must sit between two digits: 1__0"),
            ("_1", "line 1, column 5: an underscore must sit between two digits: _1"),
            ("1_", "line 1, column 6: an underscore must sit between two digits: 1_"),
            ("0x_1", "line 1, column 7: an underscore must sit between two digits: 0x_1"),
            ("0x1__2", "line 1, column 8: an underscore must sit between two digits: 0x1__2"),
            ("0x1_", "line 1, column 8: an underscore must sit between two digits: 0x1_"),
            ("0X10", "line 1, column 6: the hexadecimal prefix is lowercase 0x: 0X10"),
            ("0O7", "line 1, column 6: the octal prefix is lowercase 0o: 0O7"),
            ("+0x10", "line 1, column 5: a hexadecimal integer takes no sign: +0x10"),
            ("-0b1", "line 1, column 5: a binary integer takes no sign: -0b1"),
            ("0x", "line 1, column 7: a hexadecimal integer needs digits after its prefix: 0x"),
            ("0b102", "line 1, column 9: '2' is not a binary digit: 0b102"),
            ("0o8", "line 1, column 7: '8' is not an octal digit: 0o8"),
            ("0xG", "line 1, column 7: 'G' is not a hexadecimal digit: 0xG"),
            ("9223372036854775808", "line 1, column 5: integer 9223372036854775808 is out of range: \(range)"),
            ("-9223372036854775809", "line 1, column 5: integer -9223372036854775809 is out of range: \(range)"),
            ("0x8000000000000000", "line 1, column 5: integer 0x8000000000000000 is out of range: \(range)"),
            ("0b" + String(repeating: "1", count: 64), "line 1, column 5: integer 0b\(String(repeating: "1", count: 38)) is out of range: \(range)"),
            ("12abc", "line 1, column 7: unexpected 'a' in the number 12abc"),
            ("+", "line 1, column 5: expected a value, found a lone sign (strings need quotes)"),
            ("abc", "line 1, column 5: expected a value, found \"abc\" (strings need quotes)"),
            ("1 2", "line 1, column 7: expected the end of the line after the value, found '2'; one key = value per line"),
        ]
        for (text, expected) in cases { assertTOMLError("v = " + text, expected) }
    }

    func testFloatsInEveryForm() throws {
        let cases: [(String, Double)] = [
            ("+1.0", 1), ("3.1415", 3.1415), ("-0.01", -0.01), ("5e+22", 5e22), ("1e06", 1e6), ("-2E-2", -0.02),
            ("6.626e-34", 6.626e-34), ("224_617.445_991_228", 224_617.445_991_228), ("0e0", 0), ("1e-400", 0),
            ("1.7976931348623157e308", .greatestFiniteMagnitude), ("5e-324", .leastNonzeroMagnitude),
            ("inf", .infinity), ("+inf", .infinity), ("-inf", -.infinity), ("0.1", 0.1),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try tomlValue(text), .float(expected), text)
        }
        guard case .float(let negativeZero) = try tomlValue("-0.0") else { return XCTFail("-0.0 is not a float") }
        XCTAssertEqual(negativeZero.sign, .minus)
        for text in ["nan", "+nan", "-nan"] {
            guard case .float(let d) = try tomlValue(text) else { return XCTFail("\(text) is not a float") }
            XCTAssertTrue(d.isNaN, text)
        }
    }

    func testForbiddenFloatsAreRefusedByName() {
        let cases: [(String, String)] = [
            (".7", "line 1, column 5: a digit must come before the decimal point: .7"),
            ("7.", "line 1, column 7: a digit must follow the decimal point: 7."),
            ("3.e+20", "line 1, column 7: a digit must follow the decimal point: 3.e+20"),
            ("1e", "line 1, column 7: a digit must follow the exponent: 1e"),
            ("1e+", "line 1, column 8: a digit must follow the exponent: 1e+"),
            ("1e_5", "line 1, column 7: an underscore must sit between two digits: 1e_5"),
            ("1_.5", "line 1, column 6: an underscore must sit between two digits: 1_.5"),
            ("1._5", "line 1, column 7: an underscore must sit between two digits: 1._5"),
            ("01.5", "line 1, column 5: leading zeros are not allowed: 01.5"),
            ("1.5.3", "line 1, column 8: unexpected '.' in the number 1.5.3"),
            ("1e400", "line 1, column 5: float 1e400 is out of range (beyond ±1.8e308)"),
            ("-1e400", "line 1, column 5: float -1e400 is out of range (beyond ±1.8e308)"),
            ("Inf", "line 1, column 5: expected a value, found \"Inf\" (strings need quotes)"),
            ("infinity", "line 1, column 5: expected a value, found \"infinity\" (strings need quotes)"),
            ("+-1", "line 1, column 5: expected a value, found \"+-1\" (strings need quotes)"),
        ]
        for (text, expected) in cases { assertTOMLError("v = " + text, expected) }
    }

    func testBooleansAreExactlyTrueAndFalse() throws {
        XCTAssertEqual(try tomlValue("true"), .bool(true))
        XCTAssertEqual(try tomlValue("false"), .bool(false))
        assertTOMLError("v = True", "line 1, column 5: expected a value, found \"True\" (strings need quotes)")
        assertTOMLError("v = truex", "line 1, column 5: expected a value, found \"truex\" (strings need quotes)")
    }

    /// Numbers end where the value does: before a comma, bracket, brace, space or comment.
    func testNumbersEndAtTheirDelimiters() throws {
        XCTAssertEqual(
            try tomlValue("[1,0x2,3.5,inf]"),
            .array([
                TOMLValue(kind: .integer(1), line: 1), TOMLValue(kind: .integer(2), line: 1),
                TOMLValue(kind: .float(3.5), line: 1), TOMLValue(kind: .float(.infinity), line: 1),
            ]))
        guard case .table(let table) = try tomlValue("{a=1,b=-2}") else { return XCTFail("not a table") }
        XCTAssertEqual(table["a"]?.kind, .integer(1))
        XCTAssertEqual(table["b"]?.kind, .integer(-2))
        XCTAssertEqual(try tomlValue("7#c"), .integer(7))
    }
}
