import XCTest

@testable import TollgateCore

final class TextLayoutTests: XCTestCase {
    // MARK: - fit

    func testFitPadsShortText() {
        let fitted = TextLayout.fit(glyphs("ab"), width: 5)
        XCTAssertEqual(render(fitted), "ab   ")
        XCTAssertEqual(width(fitted), 5)
    }

    func testFitKeepsTextThatFitsExactly() {
        XCTAssertEqual(render(TextLayout.fit(glyphs("abcde"), width: 5)), "abcde")
        XCTAssertEqual(render(TextLayout.fit(glyphs("日本"), width: 4)), "日本")
    }

    func testFitTruncatesWithAnEllipsis() {
        let fitted = TextLayout.fit(glyphs("abcdef"), width: 4)
        XCTAssertEqual(render(fitted), "abc…")
        XCTAssertEqual(fitted.last?.isPlaceholder, true)
        XCTAssertEqual(render(TextLayout.fit(glyphs("abcdef"), width: 4, asciiOnly: true)), "abc~")
        XCTAssertEqual(render(TextLayout.fit(glyphs("abcdef"), width: 1)), "…")
        XCTAssertEqual(render(TextLayout.fit(glyphs("abcdef"), width: 4, ellipsis: false)), "abcd")
    }

    func testFitNeverSplitsAWideGlyph() {
        XCTAssertEqual(render(TextLayout.fit(glyphs("日本語"), width: 4)), "日… ")
        XCTAssertEqual(render(TextLayout.fit(glyphs("日本語"), width: 5)), "日本…")
        XCTAssertEqual(render(TextLayout.fit(glyphs("日本語"), width: 3, ellipsis: false)), "日 ")
        XCTAssertEqual(render(TextLayout.fit(glyphs("日本語"), width: 1, ellipsis: false)), " ")
        XCTAssertEqual(render(TextLayout.fit(glyphs("日本語"), width: 2)), "… ")
    }

    func testFitToNothing() {
        XCTAssertEqual(TextLayout.fit(glyphs("abc"), width: 0), [])
        XCTAssertEqual(TextLayout.fit(glyphs("abc"), width: -3), [])
        XCTAssertEqual(render(TextLayout.fit([], width: 3)), "   ")
    }

    func testFitKeepsPlaceholdersReadableAsFarAsTheyGo() {
        let fitted = TextLayout.fit(TextSanitizer.singleLine("x\u{202E}y"), width: 5)
        XCTAssertEqual(render(fitted), "x⟨RL…")
    }

    // MARK: - wrap

    func testWrapBreaksAtSpaces() {
        let lines = TextLayout.wrap(glyphs("the quick brown fox"), width: 10)
        XCTAssertEqual(lines.map(render), ["the quick ", "brown fox "])
    }

    func testWrapHardBreaksLongWords() {
        let lines = TextLayout.wrap(glyphs("abcdefghij"), width: 4)
        XCTAssertEqual(lines.map(render), ["abcd", "efgh", "ij  "])
        let mixed = TextLayout.wrap(glyphs("go supercalifragilistic now"), width: 8)
        XCTAssertEqual(mixed.map(render), ["go      ", "supercal", "ifragili", "stic now"])
    }

    func testWrapNeverSplitsAWideGlyph() {
        let lines = TextLayout.wrap(glyphs("日本語日本"), width: 5)
        XCTAssertEqual(lines.map(render), ["日本 ", "語日 ", "本   "])
        let narrow = TextLayout.wrap(glyphs("a日b"), width: 1)
        XCTAssertEqual(narrow.map(render), ["a", " ", "b"])
    }

    func testWrapKeepsIndentationAndDropsSpacesAtBreaks() {
        XCTAssertEqual(TextLayout.wrap(glyphs("    code"), width: 10).map(render), ["    code  "])
        XCTAssertEqual(TextLayout.wrap(glyphs("aaa     bbb"), width: 5).map(render), ["aaa  ", "bbb  "])
        XCTAssertEqual(TextLayout.wrap(glyphs("aaa   "), width: 4).map(render), ["aaa "])
    }

    func testWrapEdges() {
        XCTAssertEqual(TextLayout.wrap([], width: 3).map(render), ["   "])
        XCTAssertEqual(TextLayout.wrap(glyphs("abc"), width: 0), [])
        XCTAssertEqual(TextLayout.wrap(glyphs("ab"), width: 2).map(render), ["ab"])
    }

    func testWrapDoesNotBreakInsideAPlaceholderSpace() {
        let placeholder = TextSanitizer.singleLine("\u{2009}" + tags("a b"))
        XCTAssertTrue(placeholder.contains { $0.text == " " && $0.isPlaceholder })
        XCTAssertEqual(render(placeholder), "⟨U+2009⟩⟨TAG:a b⟩")
        let lines = TextLayout.wrap(placeholder, width: 14)
        XCTAssertEqual(lines.map(render), ["⟨U+2009⟩⟨TAG:a", " b⟩           "])
    }

    // MARK: - dropColumns

    func testDropColumns() {
        XCTAssertEqual(render(TextLayout.dropColumns(glyphs("abcdef"), 2)), "cdef")
        XCTAssertEqual(render(TextLayout.dropColumns(glyphs("abcdef"), 0)), "abcdef")
        XCTAssertEqual(render(TextLayout.dropColumns(glyphs("abcdef"), -4)), "abcdef")
        XCTAssertEqual(TextLayout.dropColumns(glyphs("abc"), 10), [])
    }

    func testDropColumnsNeverSplitsAWideGlyph() {
        XCTAssertEqual(render(TextLayout.dropColumns(glyphs("日本語"), 1)), " 本語")
        XCTAssertEqual(render(TextLayout.dropColumns(glyphs("日本語"), 2)), "本語")
        XCTAssertEqual(render(TextLayout.dropColumns(glyphs("日本語"), 5)), " ")
    }

    func testDropColumnsTakesSlicesAndZeroWidthGlyphs() {
        let line = glyphs("xabc")
        XCTAssertEqual(render(TextLayout.dropColumns(line[1...], 1)), "bc")
        let handMade = [DisplayGlyph(text: "a", width: 1), DisplayGlyph(text: "\u{301}", width: 0), DisplayGlyph(text: "b", width: 1)]
        XCTAssertEqual(render(TextLayout.dropColumns(handMade, 1)), "b")
    }

    // MARK: - Properties

    /// Random lines of narrow, wide and placeholder glyphs: every layout is exactly as wide as
    /// asked and built only from whole input glyphs, spaces and the ellipsis.
    func testLayoutsAreExactlyAsWideAsAskedAndNeverSplitGlyphs() {
        var random = TextFuzzGenerator(seed: 42)
        let alphabet = ["a", "b", " ", "日", "語", "\u{1F600}", "\u{202E}", "é", "\u{1F1EB}\u{1F1F7}", "\t"]
        for _ in 0..<500 {
            var source = ""
            for _ in 0..<Int(random.next() % 30) {
                source += alphabet[Int(random.next() % UInt64(alphabet.count))]
            }
            let line = TextSanitizer.singleLine(source)
            let allowed = Set(line + [DisplayGlyph.space, TextLayout.ellipsisGlyph(asciiOnly: false)])
            let total = width(line)
            for columns in 0...(total + 3) {
                let fitted = TextLayout.fit(line, width: columns)
                XCTAssertEqual(width(fitted), columns, source)
                XCTAssertTrue(fitted.allSatisfy(allowed.contains), source)

                let dropped = TextLayout.dropColumns(line, columns)
                XCTAssertEqual(width(dropped), max(0, total - columns), source)
                XCTAssertTrue(dropped.allSatisfy(allowed.contains), source)

                guard columns > 0 else { continue }
                let wrapped = TextLayout.wrap(line, width: columns)
                XCTAssertFalse(wrapped.isEmpty, source)
                for wrappedLine in wrapped {
                    XCTAssertEqual(width(wrappedLine), columns, source)
                    XCTAssertTrue(wrappedLine.allSatisfy(allowed.contains), source)
                }
                if columns >= 2 {
                    XCTAssertEqual(
                        wrapped.joined().filter { $0 != .space }, line.filter { $0 != .space },
                        "wrapping lost or reordered text: \(source)")
                }
            }
        }
    }

    // MARK: - Helpers

    private func glyphs(_ s: String) -> [DisplayGlyph] { TextSanitizer.singleLine(s) }

    private func render(_ glyphs: [DisplayGlyph]) -> String { glyphs.map(\.text).joined() }

    private func width(_ glyphs: [DisplayGlyph]) -> Int { glyphs.reduce(0) { $0 + $1.width } }

    private func tags(_ ascii: String) -> String {
        String(String.UnicodeScalarView(ascii.unicodeScalars.compactMap { Unicode.Scalar(0xE0000 + $0.value) }))
    }
}
