import TollgateCore
import XCTest

/// TOML 1.0 dates and times: the four kinds, RFC 3339's spellings, and calendars held exactly.
final class TOMLDateTimeTests: XCTestCase {
    private func dateTime(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> TOMLDateTime {
        guard case .dateTime(let d) = try tomlValue(text, file: file, line: line) else { throw TOMLTestFailure("\(text) is not a date") }
        return d
    }

    func testTheFourKinds() throws {
        let cases: [(String, String, String)] = [
            ("1979-05-27T07:32:00Z", "1979-05-27T07:32:00Z", "an offset date-time"),
            ("1979-05-27T00:32:00-07:00", "1979-05-27T00:32:00-07:00", "an offset date-time"),
            ("1979-05-27T00:32:00.999999+05:30", "1979-05-27T00:32:00.999999+05:30", "an offset date-time"),
            ("1979-05-27 07:32:00Z", "1979-05-27T07:32:00Z", "an offset date-time"),
            ("1979-05-27t07:32:00z", "1979-05-27T07:32:00Z", "an offset date-time"),
            ("1979-05-27T07:32:00-00:00", "1979-05-27T07:32:00Z", "an offset date-time"),
            ("1979-05-27T07:32:00", "1979-05-27T07:32:00", "a local date-time"),
            ("1979-05-27 00:32:00.5", "1979-05-27T00:32:00.5", "a local date-time"),
            ("1979-05-27", "1979-05-27", "a local date"),
            ("07:32:00", "07:32:00", "a local time"),
            ("00:32:00.123456789123", "00:32:00.123456789", "a local time"),
            ("2000-02-29", "2000-02-29", "a local date"),
            ("0001-01-01", "0001-01-01", "a local date"),
            ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z", "an offset date-time"),
        ]
        for (text, description, typeName) in cases {
            let d = try dateTime(text)
            XCTAssertEqual(d.description, description, text)
            XCTAssertEqual(TOMLValue(kind: .dateTime(d), line: 1).typeName, typeName, text)
        }
        let d = try dateTime("1979-05-27T00:32:00.25-07:30")
        XCTAssertEqual(d.date, TOMLDateTime.Date(year: 1979, month: 5, day: 27))
        XCTAssertEqual(d.time, TOMLDateTime.Time(hour: 0, minute: 32, second: 0, nanosecond: 250_000_000))
        XCTAssertEqual(d.offsetMinutes, -450)
    }

    func testImpossibleDatesAndTimesAreRefusedByName() {
        let cases: [(String, String)] = [
            ("1979-02-29", "line 1, column 13: day 29 is out of range: 1979-02 has 28 days"),
            ("1900-02-29", "line 1, column 13: day 29 is out of range: 1900-02 has 28 days"),
            ("2024-04-31", "line 1, column 13: day 31 is out of range: 2024-04 has 30 days"),
            ("2024-01-00", "line 1, column 13: day 00 is out of range: 2024-01 has 31 days"),
            ("2024-01-32", "line 1, column 13: day 32 is out of range (at most 31)"),
            ("1979-13-01", "line 1, column 10: month 13 is out of range (at most 12)"),
            ("1979-00-01", "line 1, column 10: month 00 is out of range 01-12"),
            ("0000-01-01", "line 1, column 5: year 0000 is not supported; years run from 0001"),
            ("1979-5-27", "line 1, column 11: expected YYYY-MM-DD (2 digits for the month), found '-'"),
            ("24:00:00", "line 1, column 5: hour 24 is out of range (at most 23)"),
            ("07:60:00", "line 1, column 8: minute 60 is out of range (at most 59)"),
            ("07:32:60", "line 1, column 11: leap seconds (:60) are not supported"),
            ("07:32", "line 1, column 10: a local time needs seconds (HH:MM:SS); TOML 1.0 has no HH:MM form"),
            ("07:32:00Z", "line 1, column 13: a local time takes no offset; write a date before it for an offset date-time"),
            ("07:32:00.", "line 1, column 14: a digit must follow the decimal point of the seconds"),
            ("1979-05-27T07:32", "line 1, column 21: a time needs seconds (HH:MM:SS); TOML 1.0 has no HH:MM form"),
            ("1979-05-27 07", "line 1, column 18: expected HH:MM:SS, found the end where ':' belongs"),
            ("1979-05-27_07:32:00", "line 1, column 15: unexpected '_' after the date; a time follows T or a space"),
            ("1979-05-27T07:32:00+24:00", "line 1, column 25: offset hour 24 is out of range (at most 23)"),
            ("1979-05-27T07:32:00+0530", "line 1, column 27: expected ±HH:MM, found '3' where ':' belongs"),
            ("1979-05-27T07:32:00Zz", "line 1, column 25: unexpected 'z' after the offset"),
            ("1979-05-27T07:32:00X", "line 1, column 24: unexpected 'X' after the time; an offset is Z or ±HH:MM"),
        ]
        for (text, expected) in cases { assertTOMLError("v = " + text, expected) }
    }

    /// A space stands for T only when a time follows; otherwise the date ends the value.
    func testSpaceBeforeATimeOnly() throws {
        XCTAssertEqual(try dateTime("1979-05-27 # comment").description, "1979-05-27")
        guard case .array(let items) = try tomlValue("[1979-05-27 , 07:32:00]") else { return XCTFail("not an array") }
        XCTAssertEqual(items.count, 2)
    }
}
