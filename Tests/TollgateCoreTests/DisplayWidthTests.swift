import XCTest

@testable import TollgateCore

final class DisplayWidthTests: XCTestCase {
    // MARK: - Scalars

    func testASCIIAndControls() {
        XCTAssertEqual(DisplayWidth.of("a" as Unicode.Scalar), 1)
        XCTAssertEqual(DisplayWidth.of(" " as Unicode.Scalar), 1)
        XCTAssertEqual(DisplayWidth.of("~" as Unicode.Scalar), 1)
        for value in [UInt32(0), 0x07, 0x1B, 0x7F, 0x85, 0x9B] {
            XCTAssertEqual(DisplayWidth.of(hostileScalar(value)), 0, String(value, radix: 16))
        }
    }

    func testEastAsianWideAndFullwidthAreTwo() {
        let wide: [UInt32] = [
            0x1100, 0x115F, 0x2E80, 0x3000, 0x3041, 0x30A2, 0x4E2D, 0x9FFF, 0xAC00, 0xD7A3, 0xF900,
            0xFE30, 0xFF01, 0xFF21, 0xFFE0, 0x20000, 0x2FFFD, 0x30000, 0x3FFFD, 0x4DC0, 0x2630, 0x1F004,
        ]
        for value in wide {
            XCTAssertEqual(DisplayWidth.of(hostileScalar(value)), 2, String(value, radix: 16))
        }
        let narrow: [UInt32] = [
            0xFF61, 0xFF71, 0xFFA1, 0x303F, 0x2026, 0x2500, 0x00E9, 0x0416, 0x05D0, 0x0627, 0x0E01, 0x10FF,
            0x2329 - 1, 0x25CC, 0x27E8, 0x27E9, 0x21B5, 0xFFFD, 0x1F1E6,
        ]
        for value in narrow {
            XCTAssertEqual(DisplayWidth.of(hostileScalar(value)), 1, String(value, radix: 16))
        }
    }

    func testMarksFormatsAndConjoiningJamoAreZero() {
        for value in [UInt32(0x0301), 0x0489, 0x20DD, 0x200B, 0x200D, 0xFE0F, 0x1160, 0x11A8, 0xD7B0, 0xE0061, 0x302A] {
            XCTAssertEqual(DisplayWidth.of(hostileScalar(value)), 0, String(value, radix: 16))
        }
        XCTAssertEqual(DisplayWidth.of(hostileScalar(0x093F)), 1, "spacing marks take a column, as in glibc")
    }

    func testEveryEmojiPresentationScalarIsWideExceptRegionalIndicators() {
        for value in UInt32(0)...0x10FFFF {
            guard let s = Unicode.Scalar(value), s.properties.isEmojiPresentation,
                !DisplayWidth.isRegionalIndicator(value)
            else { continue }
            XCTAssertEqual(DisplayWidth.of(s), 2, String(value, radix: 16))
        }
    }

    func testWideTableIsSortedAndDisjoint() {
        let ranges = WideCharacterTable.ranges
        XCTAssertFalse(ranges.isEmpty)
        for (lower, upper) in zip(ranges, ranges.dropFirst()) {
            XCTAssertLessThan(lower.upperBound + 1, upper.lowerBound, "\(lower) and \(upper) overlap or touch")
        }
        for range in ranges {
            XCTAssertTrue(WideCharacterTable.contains(range.lowerBound))
            XCTAssertTrue(WideCharacterTable.contains(range.upperBound))
            XCTAssertFalse(WideCharacterTable.contains(range.lowerBound - 1))
            XCTAssertFalse(WideCharacterTable.contains(range.upperBound + 1))
        }
    }

    func testPlaceholderCharactersAreOneColumn() {
        var characters = ["⟨", "⟩", "↵", "…", "◌", "␡", "~", "<", ">", "^", "\\"]
        for value in UInt32(0x2400)...0x241F { characters.append(String(hostileScalar(value))) }
        for character in characters {
            XCTAssertEqual(DisplayWidth.of(character), 1, character)
        }
    }

    // MARK: - Strings

    func testStrings() {
        XCTAssertEqual(DisplayWidth.of(""), 0)
        XCTAssertEqual(DisplayWidth.of("hello"), 5)
        XCTAssertEqual(DisplayWidth.of("a中🇫🇷"), 5)
        XCTAssertEqual(DisplayWidth.of("日本語"), 6)
        XCTAssertEqual(DisplayWidth.of("ＡＢ"), 4)
        XCTAssertEqual(DisplayWidth.of("ｱｲ"), 2)
        XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1)
        XCTAssertEqual(DisplayWidth.of("Z\u{351}\u{36B}\u{343}"), 1)
        XCTAssertEqual(DisplayWidth.of("\u{1100}\u{1161}\u{11A8}"), 2)
        XCTAssertEqual(DisplayWidth.of("한국어"), 6)
    }

    func testEmoji() {
        XCTAssertEqual(DisplayWidth.of("😀"), 2)
        XCTAssertEqual(DisplayWidth.of("\u{2764}"), 1)
        XCTAssertEqual(DisplayWidth.of("\u{2764}\u{FE0F}"), 2)
        XCTAssertEqual(DisplayWidth.of("\u{231A}\u{FE0E}"), 2, "text presentation does not narrow a wide emoji")
        XCTAssertEqual(DisplayWidth.of("1\u{FE0F}\u{20E3}"), 2)
        XCTAssertEqual(DisplayWidth.of("a\u{FE0F}"), 1)
        XCTAssertEqual(DisplayWidth.of("\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}"), 2)
        XCTAssertEqual(DisplayWidth.of("\u{1F44D}\u{1F3FD}"), 2)
        XCTAssertEqual(DisplayWidth.of("\u{261D}\u{1F3FD}"), 2)
        XCTAssertEqual(DisplayWidth.of("\u{1F3FD}"), 2)
        XCTAssertEqual(DisplayWidth.of("\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}"), 2)
    }

    func testRegionalIndicatorsPairIntoFlags() {
        XCTAssertEqual(DisplayWidth.of("\u{1F1EB}"), 1)
        XCTAssertEqual(DisplayWidth.of("\u{1F1EB}\u{1F1F7}"), 2)
        XCTAssertEqual(DisplayWidth.of("\u{1F1EB}\u{1F1F7}\u{1F1E9}"), 3)
        XCTAssertEqual(DisplayWidth.of("\u{1F1EB}\u{1F1F7}\u{1F1E9}\u{1F1EA}"), 4)
    }

    func testWidthAgreesWithTheSanitisersGlyphs() {
        let samples = [
            "plain", "日本語とEnglish", "e\u{301}\u{302}", "🇫🇷🇩🇪🇯", "👩🏽‍💻 at work", "❤️ ❤ ©️ ©", "1️⃣#️⃣",
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}", "\u{915}\u{93F}\u{94D}",
            "\u{1100}\u{1161}\u{11A8}\u{AC00}\u{11A8}", "ｶﾀｶﾅ ＦＵＬＬ", "\u{301}orphan", "\u{3000}space",
        ]
        for sample in samples {
            let glyphs = TextSanitizer.singleLine(sample)
            XCTAssertEqual(DisplayWidth.of(TextSanitizer.safeString(sample)), glyphs.reduce(0) { $0 + $1.width }, sample)
        }
    }
}
