import Foundation

/// A point in time with millisecond precision, written on the wire as RFC 3339 UTC.
///
/// Stored as whole milliseconds so that formatting, parsing and digesting round-trip
/// exactly (a `Date` is a `Double` and would not). Example: `2026-11-21T04:23:48.123Z`.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public init(_ date: Date) {
        self.milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The current time, truncated to milliseconds.
    public static func now() -> Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// Seconds from `self` to `other`, possibly negative.
    public func seconds(until other: Timestamp) -> Double { Double(other.milliseconds - milliseconds) / 1000 }

    public func adding(seconds: Double) -> Timestamp {
        Timestamp(milliseconds: milliseconds + Int64((seconds * 1000).rounded()))
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }

    // MARK: - RFC 3339

    /// The canonical form: `YYYY-MM-DDTHH:MM:SS.mmmZ`, always UTC, always three fraction digits.
    public var description: String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        appendRFC3339(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `description`'s bytes: how JSON writers put a time on the wire without a `String`.
    func appendRFC3339(to out: inout [UInt8]) {
        let (days, msOfDay) = milliseconds.floorDivided(by: 86_400_000)
        let (y, m, d) = Self.civil(fromDays: days)
        let h = msOfDay / 3_600_000, mi = (msOfDay / 60_000) % 60, s = (msOfDay / 1000) % 60, ms = msOfDay % 1000
        Self.appendPadded(y, 4, to: &out); out.append(UInt8(ascii: "-"))
        Self.appendPadded(m, 2, to: &out); out.append(UInt8(ascii: "-"))
        Self.appendPadded(d, 2, to: &out); out.append(UInt8(ascii: "T"))
        Self.appendPadded(h, 2, to: &out); out.append(UInt8(ascii: ":"))
        Self.appendPadded(mi, 2, to: &out); out.append(UInt8(ascii: ":"))
        Self.appendPadded(s, 2, to: &out); out.append(UInt8(ascii: "."))
        Self.appendPadded(ms, 3, to: &out); out.append(UInt8(ascii: "Z"))
    }

    /// Parses RFC 3339 (`2026-11-21T04:23:48Z`, fractions of any length, `Z` or `±HH:MM`).
    public init?(rfc3339 text: String) {
        var text = text
        guard let ms = text.withUTF8({ Self.milliseconds(rfc3339: UnsafeRawBufferPointer($0)) }) else { return nil }
        self.milliseconds = ms
    }

    /// Parses RFC 3339 from UTF-8 bytes in place: the one parser behind `init(rfc3339:)`, the
    /// `Decodable` init and `JSONReader`, so every way in reads times alike.
    init?(rfc3339UTF8 utf8: UnsafeRawBufferPointer) {
        guard let ms = Self.milliseconds(rfc3339: utf8) else { return nil }
        self.milliseconds = ms
    }

    private static func milliseconds(rfc3339 utf8: UnsafeRawBufferPointer) -> Int64? {
        guard utf8.count >= 20 else { return nil }
        func digits(_ range: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in range {
                guard i < utf8.count, utf8[i] >= 48, utf8[i] <= 57 else { return nil }
                v = v * 10 + Int64(utf8[i] - 48)
            }
            return v
        }
        let separator = utf8[10]
        guard let y = digits(0..<4), utf8[4] == 45, let mo = digits(5..<7), utf8[7] == 45,
            let d = digits(8..<10),
            separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " "),
            let h = digits(11..<13), utf8[13] == 58, let mi = digits(14..<16), utf8[16] == 58,
            let s = digits(17..<19),
            (1...12).contains(mo), d >= 1, d <= Self.daysInMonth(y, mo), h < 24, mi < 60, s < 61
        else { return nil }
        var i = 19
        var fractionMs: Int64 = 0
        if i < utf8.count, utf8[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100
            let start = i
            while i < utf8.count, utf8[i] >= 48, utf8[i] <= 57 {
                fractionMs += Int64(utf8[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < utf8.count else { return nil }
        var offsetMinutes: Int64 = 0
        switch utf8[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = digits(i + 1..<i + 3), i + 3 < utf8.count, utf8[i + 3] == 58,
                let om = digits(i + 4..<i + 6), oh < 24, om < 60
            else { return nil }
            offsetMinutes = (oh * 60 + om) * (utf8[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        default:
            return nil
        }
        guard i == utf8.count else { return nil }
        let secs = Self.days(fromCivil: y, mo, d) * 86_400 + h * 3600 + mi * 60 + min(s, 59) - offsetMinutes * 60
        return secs * 1000 + fractionMs
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let t = Timestamp(rfc3339: text) else {
            throw DecodingExplanation.error("expected an RFC 3339 time such as 2026-11-21T04:23:48Z", at: decoder.codingPath)
        }
        self = t
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    // MARK: - Calendar arithmetic (Howard Hinnant's civil-from-days)

    private static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `v` in decimal, zero-padded on the left to `width` digits (a negative or wider value as
    /// its plain decimal, left-padded with zeros to `width` characters).
    private static func appendPadded(_ v: Int64, _ width: Int, to out: inout [UInt8]) {
        guard v >= 0, v < 10_000 else {
            let s = String(v)
            if s.utf8.count < width { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - s.utf8.count)) }
            out.append(contentsOf: s.utf8)
            return
        }
        var divisor: Int64 = 1
        for _ in 1..<max(width, v >= 1000 ? 4 : v >= 100 ? 3 : v >= 10 ? 2 : 1) { divisor *= 10 }
        var rest = v
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}

extension Int64 {
    /// Floor division with a non-negative remainder, so times before 1970 format correctly.
    fileprivate func floorDivided(by d: Int64) -> (Int64, Int64) {
        let q = self / d, r = self % d
        return r < 0 ? (q - 1, r + d) : (q, r)
    }
}
