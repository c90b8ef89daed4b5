import TollgateCore
import XCTest

/// TOML 1.0 strings: basic, literal and their multi-line forms, every escape, and the control
/// characters, surrogates and stray backslashes the spec refuses.
final class TOMLStringTests: XCTestCase {
    func testBasicStringEscapes() throws {
        XCTAssertEqual(try tomlValue(#""\b\t\n\f\r\"\\""#), .string("\u{8}\t\n\u{C}\r\"\\"))
        XCTAssertEqual(try tomlValue(#""\u00E9\u00e9\U0001F600 \u0000""#), .string("éé😀 \u{0}"))
        XCTAssertEqual(try tomlValue("\"tab\there é 漢\""), .string("tab\there é 漢"))
        XCTAssertEqual(try tomlValue("\"a # not a comment\" # a comment"), .string("a # not a comment"))
    }

    func testBasicStringMistakesAreRefusedByName() {
        let cases: [(String, String)] = [
            (#""\x41""#, #"line 1, column 6: invalid escape: \ followed by 'x'; write \\ for a backslash"#),
            (#""\e""#, #"line 1, column 6: invalid escape: \ followed by 'e'; write \\ for a backslash"#),
            (#""a\ b""#, #"line 1, column 7: invalid escape: \ followed by byte 0x20; write \\ for a backslash"#),
            (#""\uD800""#, "line 1, column 6: invalid escape: U+D800 is not a Unicode scalar value (no surrogates, nothing above 10FFFF)"),
            (#""\U00110000""#, "line 1, column 6: invalid escape: U+110000 is not a Unicode scalar value (no surrogates, nothing above 10FFFF)"),
            (#""\u12""#, #"line 1, column 6: invalid escape: \u takes exactly 4 hexadecimal digits"#),
            (#""\u+123""#, #"line 1, column 6: invalid escape: \u takes exactly 4 hexadecimal digits"#),
            (#""\U0001F60""#, #"line 1, column 6: invalid escape: \U takes exactly 8 hexadecimal digits"#),
            ("\"a\u{1}b\"", "line 1, column 7: control character U+0001 is not allowed in a string; write it as an escape"),
            ("\"a\u{7F}\"", "line 1, column 7: control character U+007F is not allowed in a string; write it as an escape"),
            ("\"a\rb\"", "line 1, column 7: a carriage return in a string must be followed by a line feed"),
            ("\"abc", "line 1, column 9: unterminated string: expected \""),
            ("\"abc\nd = 1", "line 1, column 9: unterminated string: a \"string\" ends on its line (\"\"\" starts a multi-line one)"),
            (
                "\"a\\\nb\"",
                "line 1, column 7: invalid escape: \\ followed by a line break (only a multi-line string may end a line with \\); write \\\\ for a backslash"
            ),
        ]
        for (text, expected) in cases { assertTOMLError("v = " + text, expected) }
    }

    func testLiteralStringsAreAsWritten() throws {
        XCTAssertEqual(try tomlValue(#"'C:\Users\nodejs\templates'"#), .string(#"C:\Users\nodejs\templates"#))
        XCTAssertEqual(try tomlValue(#"'<\i\c*\s*>'"#), .string(#"<\i\c*\s*>"#))
        XCTAssertEqual(try tomlValue("'tab\t\"q\"'"), .string("tab\t\"q\""))
        assertTOMLError("v = 'a\u{1}'", "line 1, column 7: control character U+0001 is not allowed in a literal string")
        assertTOMLError("v = 'a\nb'", "line 1, column 7: unterminated string: a 'literal string' ends on its line (''' starts a multi-line one)")
        assertTOMLError("v = 'a", "line 1, column 7: unterminated string: expected '")
    }

    func testMultilineBasicStrings() throws {
        XCTAssertEqual(try tomlValue("\"\"\"\nRoses are red\nViolets are blue\"\"\""), .string("Roses are red\nViolets are blue"))
        XCTAssertEqual(try tomlValue("\"\"\"\n\nkept\"\"\""), .string("\nkept"), "only the first line break is trimmed")
        XCTAssertEqual(try tomlValue("\"\"\"\r\nRoses\r\nViolets\"\"\""), .string("Roses\nViolets"), "CRLF reads as LF")
        XCTAssertEqual(try tomlValue("\"\"\"\nThe quick brown \\\n\n\n  fox jumps \\\n    over\"\"\""), .string("The quick brown fox jumps over"))
        XCTAssertEqual(try tomlValue("\"\"\"a \\  \t\n   b\"\"\""), .string("a b"), "spaces may follow a line-ending backslash")
        XCTAssertEqual(try tomlValue("\"\"\"\\tab\\u00e9\\\\\"\"\""), .string("\tabé\\"))
        XCTAssertEqual(
            try tomlValue("\"\"\"Here are two quotation marks: \"\". Simple enough.\"\"\""), .string("Here are two quotation marks: \"\". Simple enough."))
        XCTAssertEqual(try tomlValue("\"\"\"a\"\"\"\""), .string("a\""))
        XCTAssertEqual(try tomlValue("\"\"\"a\"\"\"\"\""), .string("a\"\""))
        XCTAssertEqual(try tomlValue("\"\"\"\"\"\""), .string(""))
        assertTOMLError("v = \"\"\"a\"\"\"\"\"\"", "line 1, column 14: expected the end of the line after the value, found '\"'; one key = value per line")
        assertTOMLError("v = \"\"\"a\\ b\"\"\"", "line 1, column 9: a backslash followed by spaces must end the line (or write \\\\ for a backslash)")
        assertTOMLError("v = \"\"\"a\u{1}\"\"\"", "line 1, column 9: control character U+0001 is not allowed in a string; write it as an escape")
        assertTOMLError("v = \"\"\"abc\n", "line 2, column 1: unterminated multi-line string: expected \"\"\"")
    }

    func testMultilineLiteralStrings() throws {
        XCTAssertEqual(
            try tomlValue("'''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''"),
            .string("The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n"))
        XCTAssertEqual(try tomlValue("'''I [dw]on't need \\d{2} apples'''"), .string("I [dw]on't need \\d{2} apples"))
        XCTAssertEqual(try tomlValue("''''That,' she said, 'is still pointless.''''"), .string("'That,' she said, 'is still pointless.'"))
        XCTAssertEqual(try tomlValue("'''a\\\n b'''"), .string("a\\\n b"), "no line-ending backslash in a literal")
        assertTOMLError("v = '''a\u{1}'''", "line 1, column 9: control character U+0001 is not allowed in a literal string")
        assertTOMLError("v = '''a''''''", "line 1, column 14: expected the end of the line after the value, found '''; one key = value per line")
    }

    /// Lines keep counting through multi-line strings, so later errors and values name the right line.
    func testLinesCountThroughMultilineStrings() throws {
        let table = try tomlDocument("a = \"\"\"\none\ntwo\"\"\"\nb = '''\n\n'''\nc = 3")
        XCTAssertEqual(table["a"]?.line, 1)
        XCTAssertEqual(table["b"]?.line, 4)
        XCTAssertEqual(table["c"]?.line, 7)
        assertTOMLError("a = \"\"\"\none\\\n  \n\"\"\"\nb = 0x", "line 5, column 7: a hexadecimal integer needs digits after its prefix: 0x")
    }

    func testQuotedKeys() throws {
        let table = try tomlDocument("\"a b\" = 1\n'c\\d' = 2\n\"\" = 3\n\"\\u00e9\" = 4")
        XCTAssertEqual(table.keys, ["a b", "c\\d", "", "é"])
        assertTOMLError("\"a\" = 1\na = 2", "line 2, column 1: key a is defined twice")
        assertTOMLError("\"\"\"a\"\"\" = 1", "line 1, column 1: a key cannot be a multi-line string")
        assertTOMLError("'''a''' = 1", "line 1, column 1: a key cannot be a multi-line string")
        assertTOMLError("\"a\nb\" = 1", "line 1, column 3: unterminated string: a \"string\" ends on its line (\"\"\" starts a multi-line one)")
    }
}
