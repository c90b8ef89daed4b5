/// A TOML date, time or date-time as written: which parts it has says which of the four it is.
///
/// Fractions of a second are kept to the nanosecond (further digits are dropped, as the spec
/// allows); year 0000 and leap seconds (`:60`) are refused, since nothing downstream can
/// represent them.
public struct TOMLDateTime: Hashable, Sendable, CustomStringConvertible {
    public struct Date: Hashable, Sendable {
        public var year: Int, month: Int, day: Int

        public init(year: Int, month: Int, day: Int) { self.year = year; self.month = month; self.day = day }
    }

    public struct Time: Hashable, Sendable {
        public var hour: Int, minute: Int, second: Int, nanosecond: Int

        public init(hour: Int, minute: Int, second: Int, nanosecond: Int) {
            self.hour = hour; self.minute = minute; self.second = second; self.nanosecond = nanosecond
        }
    }

    /// Nil for a local time.
    public var date: Date?
    /// Nil for a local date.
    public var time: Time?
    /// Minutes east of UTC (`Z` is 0); nil for everything but an offset date-time.
    public var offsetMinutes: Int?

    public init(date: Date?, time: Time?, offsetMinutes: Int?) {
        self.date = date; self.time = time; self.offsetMinutes = offsetMinutes
    }

    /// "an offset date-time", "a local date-time", "a local date" or "a local time".
    public var typeName: String {
        switch (date, time, offsetMinutes) {
        case (_?, _?, _?): "an offset date-time"
        case (_?, _?, nil): "a local date-time"
        case (_?, nil, _): "a local date"
        default: "a local time"
        }
    }

    /// RFC 3339: `1979-05-27T07:32:00.5-07:00`, `1979-05-27`, `07:32:00`; `Z` for a zero offset.
    public var description: String {
        var parts: [String] = []
        if let date { parts.append("\(Self.pad(date.year, 4))-\(Self.pad(date.month))-\(Self.pad(date.day))") }
        if let time {
            var t = "\(Self.pad(time.hour)):\(Self.pad(time.minute)):\(Self.pad(time.second))"
            if time.nanosecond > 0 {
                var fraction = Self.pad(time.nanosecond, 9)
                while fraction.hasSuffix("0") { fraction.removeLast() }
                t += "." + fraction
            }
            if let offset = offsetMinutes {
                t += offset == 0 ? "Z" : (offset < 0 ? "-" : "+") + "\(Self.pad(abs(offset) / 60)):\(Self.pad(abs(offset) % 60))"
            }
            parts.append(t)
        }
        return parts.joined(separator: "T")
    }

    private static func pad(_ n: Int, _ width: Int = 2) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    // MARK: Reading

    /// Reads a date, time or date-time written as TOML 1.0 allows (`T`, `t` or a space between
    /// date and time; `Z`, `z` or `±HH:MM` as the offset).
    static func read(_ text: ArraySlice<UInt8>) throws(TOMLScalarIssue) -> TOMLDateTime {
        var cursor = DigitCursor(text: text)
        if text.count >= 3, text[text.startIndex + 2] == UInt8(ascii: ":") {
            let time = try readTime(&cursor, what: "local time")
            if let c = cursor.current {
                throw cursor.issue(
                    c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
                        ? "a local time takes no offset; write a date before it for an offset date-time"
                        : "unexpected \(TOMLBytes.describe(c)) after the local time")
            }
            return TOMLDateTime(date: nil, time: time, offsetMinutes: nil)
        }
        let date = try readDate(&cursor)
        guard let separator = cursor.current else { return TOMLDateTime(date: date, time: nil, offsetMinutes: nil) }
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else {
            throw cursor.issue("unexpected \(TOMLBytes.describe(separator)) after the date; a time follows T or a space")
        }
        cursor.advance()
        let time = try readTime(&cursor, what: "time")
        guard let marker = cursor.current else { return TOMLDateTime(date: date, time: time, offsetMinutes: nil) }
        var offset = 0
        if marker == UInt8(ascii: "Z") || marker == UInt8(ascii: "z") {
            cursor.advance()
        } else if marker == UInt8(ascii: "+") || marker == UInt8(ascii: "-") {
            cursor.advance()
            let hours = try cursor.number(digits: 2, max: 23, what: "offset hour", form: "±HH:MM")
            try cursor.expect(UInt8(ascii: ":"), form: "±HH:MM")
            let minutes = try cursor.number(digits: 2, max: 59, what: "offset minute", form: "±HH:MM")
            offset = (hours * 60 + minutes) * (marker == UInt8(ascii: "-") ? -1 : 1)
        } else {
            throw cursor.issue("unexpected \(TOMLBytes.describe(marker)) after the time; an offset is Z or ±HH:MM")
        }
        if let c = cursor.current { throw cursor.issue("unexpected \(TOMLBytes.describe(c)) after the offset") }
        return TOMLDateTime(date: date, time: time, offsetMinutes: offset)
    }

    private static func readDate(_ cursor: inout DigitCursor) throws(TOMLScalarIssue) -> Date {
        let form = "YYYY-MM-DD"
        let year = try cursor.number(digits: 4, max: 9999, what: "year", form: form)
        try cursor.expect(UInt8(ascii: "-"), form: form)
        let month = try cursor.number(digits: 2, max: 12, what: "month", form: form)
        try cursor.expect(UInt8(ascii: "-"), form: form)
        let dayOffset = cursor.offset
        let day = try cursor.number(digits: 2, max: 31, what: "day", form: form)
        guard year >= 1 else { throw TOMLScalarIssue(offset: 0, message: "year 0000 is not supported; years run from 0001") }
        guard month >= 1 else { throw TOMLScalarIssue(offset: 5, message: "month 00 is out of range 01-12") }
        let length = daysIn(month: month, year: year)
        guard (1...length).contains(day) else {
            throw TOMLScalarIssue(offset: dayOffset, message: "day \(pad(day)) is out of range: \(year)-\(pad(month)) has \(length) days")
        }
        return Date(year: year, month: month, day: day)
    }

    private static func readTime(_ cursor: inout DigitCursor, what: String) throws(TOMLScalarIssue) -> Time {
        let form = "HH:MM:SS"
        let hour = try cursor.number(digits: 2, max: 23, what: "hour", form: form)
        try cursor.expect(UInt8(ascii: ":"), form: form)
        let minute = try cursor.number(digits: 2, max: 59, what: "minute", form: form)
        guard cursor.current == UInt8(ascii: ":") else {
            throw cursor.issue("a \(what) needs seconds (\(form)); TOML 1.0 has no HH:MM form")
        }
        cursor.advance()
        let secondOffset = cursor.offset
        let second = try cursor.number(digits: 2, max: 60, what: "second", form: form)
        guard second < 60 else { throw TOMLScalarIssue(offset: secondOffset, message: "leap seconds (:60) are not supported") }
        var nanosecond = 0
        if cursor.current == UInt8(ascii: ".") {
            cursor.advance()
            var count = 0
            while let c = cursor.current, TOMLBytes.isDigit(c) {
                if count < 9 { nanosecond = nanosecond * 10 + Int(c - 0x30) }
                count += 1
                cursor.advance()
            }
            guard count > 0 else { throw cursor.issue("a digit must follow the decimal point of the seconds") }
            for _ in count..<max(count, 9) { nanosecond *= 10 }
        }
        return Time(hour: hour, minute: minute, second: second, nanosecond: nanosecond)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A position in a date or time, reading fixed-width fields.
private struct DigitCursor {
    let text: ArraySlice<UInt8>
    var index: Int

    init(text: ArraySlice<UInt8>) { self.text = text; index = text.startIndex }

    var current: UInt8? { index < text.endIndex ? text[index] : nil }
    var offset: Int { index - text.startIndex }

    mutating func advance() { index += 1 }

    func issue(_ message: String) -> TOMLScalarIssue { TOMLScalarIssue(offset: offset, message: message) }

    /// Exactly `digits` decimal digits, at most `max`.
    mutating func number(digits: Int, max: Int, what: String, form: String) throws(TOMLScalarIssue) -> Int {
        let start = offset
        var value = 0
        for _ in 0..<digits {
            guard let c = current, TOMLBytes.isDigit(c) else {
                throw issue("expected \(form) (\(digits) digits for the \(what)), found \(current.map(TOMLBytes.describe) ?? "the end")")
            }
            value = value * 10 + Int(c - 0x30)
            advance()
        }
        guard value <= max else {
            throw TOMLScalarIssue(
                offset: start,
                message: "\(what) \(String(text[(text.startIndex + start)..<index].map { Character(Unicode.Scalar($0)) })) is out of range (at most \(max))")
        }
        return value
    }

    mutating func expect(_ byte: UInt8, form: String) throws(TOMLScalarIssue) {
        guard current == byte else {
            throw issue("expected \(form), found \(current.map(TOMLBytes.describe) ?? "the end") where \(TOMLBytes.describe(byte)) belongs")
        }
        advance()
    }
}
