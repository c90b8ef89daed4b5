import XCTest

@testable import TollgateCore

/// `UnifiedDiff`: kinds, numbering on both sides, spans, navigation, and hostile input.
///
/// Lines are compared as rows `kind old new |text`, where kind is F (file header), H (hunk
/// header), ` ` (context), `+`, `-`, `\` (no-newline marker) or M (meta), and `.` is no number.
final class DiffParserTests: XCTestCase {
    // MARK: - One file

    func testGitDiffOneHunk() {
        let diff = UnifiedDiff(
            """
            diff --git a/src/app.swift b/src/app.swift
            index 83db48f..bf269f4 100644
            --- a/src/app.swift
            +++ b/src/app.swift
            @@ -1,4 +1,5 @@ struct App {
             line1
            -line2
            +line2 changed
            +line2b
             line3
             line4

            """)
        XCTAssertEqual(
            rows(diff),
            [
                "F . . |diff --git a/src/app.swift b/src/app.swift",
                "F . . |index 83db48f..bf269f4 100644",
                "F . . |--- a/src/app.swift",
                "F . . |+++ b/src/app.swift",
                "H . . |@@ -1,4 +1,5 @@ struct App {",
                "  1 1 |line1",
                "- 2 . |line2",
                "+ . 2 |line2 changed",
                "+ . 3 |line2b",
                "  3 4 |line3",
                "  4 5 |line4",
            ])
        XCTAssertEqual(diff.files, [DiffFileSpan(oldPath: "src/app.swift", newPath: "src/app.swift", firstLine: 0, lineCount: 11, hunkIndices: 0..<1)])
        XCTAssertEqual(
            diff.hunks,
            [
                DiffHunkSpan(
                    headerLine: 4, lineCount: 7, oldStart: 1, oldCount: 4, newStart: 1, newCount: 5, section: "struct App {", fileIndex: 0
                )
            ])
    }

    func testDiffUWithTimestamps() {
        let diff = UnifiedDiff(
            "--- a.txt\t2024-01-01 00:00:00.000000000 +0000\n+++ b.txt\t2024-01-02 10:00:00.000000000 +0100\n"
                + "@@ -1,2 +1,2 @@\n-x\n+y\n z\n"
        )
        XCTAssertEqual(rows(diff).map { String($0.prefix(6)) }, ["F . . ", "F . . ", "H . . ", "- 1 . ", "+ . 1 ", "  2 2 "])
        XCTAssertEqual(diff.files.map(\.oldPath), ["a.txt"])
        XCTAssertEqual(diff.files.map(\.newPath), ["b.txt"])
    }

    func testCountsOmittedMeanOne() {
        let diff = UnifiedDiff("@@ -3 +3 @@\n-old\n+new\n")
        XCTAssertEqual(rows(diff), ["H . . |@@ -3 +3 @@", "- 3 . |old", "+ . 3 |new"])
        XCTAssertEqual(diff.hunks.map { [$0.oldStart, $0.oldCount, $0.newStart, $0.newCount] }, [[3, 1, 3, 1]])
    }

    func testHunkHeaderWithoutSection() {
        let diff = UnifiedDiff("@@ -1,0 +1,1 @@\n+x\n")
        XCTAssertEqual(diff.hunks.first?.section, "")
        XCTAssertEqual(rows(diff), ["H . . |@@ -1,0 +1,1 @@", "+ . 1 |x"])
    }

    func testNoNewlineMarkers() {
        let diff = UnifiedDiff("@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")
        XCTAssertEqual(
            rows(diff),
            [
                "H . . |@@ -1,2 +1,2 @@",
                "  1 1 |a",
                "- 2 . |b",
                "\\ . . |\\ No newline at end of file",
                "+ . 2 |c",
                "\\ . . |\\ No newline at end of file",
            ])
        XCTAssertEqual(diff.hunks.first?.lineCount, 6)
    }

    func testMarkerNotAfterABodyLineIsMeta() {
        let diff = UnifiedDiff("\\ No newline at end of file\n@@ -1 +1 @@\n-a\n+b\n\\ one\n\\ two\n")
        XCTAssertEqual(kinds(diff), [.meta, .hunkHeader, .removed, .added, .noNewlineMarker, .meta])
        XCTAssertEqual(diff.hunks.first?.lineCount, 4)
    }

    func testCRLFLineEndings() {
        let diff = UnifiedDiff(
            "diff --git a/w.txt b/w.txt\r\n--- a/w.txt\r\n+++ b/w.txt\r\n@@ -1,2 +1,2 @@ sec\r\n-a\r\n+b\r\n c\r\n\\ No newline at end of file\r\n")
        XCTAssertEqual(
            rows(diff),
            [
                "F . . |diff --git a/w.txt b/w.txt",
                "F . . |--- a/w.txt",
                "F . . |+++ b/w.txt",
                "H . . |@@ -1,2 +1,2 @@ sec",
                "- 1 . |a",
                "+ . 1 |b",
                "  2 2 |c",
                "\\ . . |\\ No newline at end of file",
            ])
        XCTAssertEqual(diff.hunks.first?.section, "sec")
        XCTAssertEqual(diff.files.first?.newPath, "w.txt")
    }

    func testLoneCRIsContent() {
        let diff = UnifiedDiff("@@ -1 +1 @@\n-a\rb\n+c\n")
        XCTAssertEqual(diff.line(at: 1).text, "a\rb")
    }

    func testEmptyLineInsideAHunkIsEmptyContext() {
        let diff = UnifiedDiff("@@ -1,3 +1,3 @@\n a\n\n-c\n+C\n")
        XCTAssertEqual(rows(diff), ["H . . |@@ -1,3 +1,3 @@", "  1 1 |a", "  2 2 |", "- 3 . |c", "+ . 3 |C"])
    }

    // MARK: - Counts

    func testBodyLinesBeyondDeclaredCountsAreMeta() {
        let diff = UnifiedDiff("@@ -1,1 +1,1 @@\n-a\n+b\n extra\n+more\n-less\n\n")
        XCTAssertEqual(
            rows(diff),
            [
                "H . . |@@ -1,1 +1,1 @@", "- 1 . |a", "+ . 1 |b", "M . . | extra", "M . . |+more", "M . . |-less", "M . . |",
            ])
        XCTAssertEqual(diff.hunks.first?.lineCount, 3)
    }

    func testOneSideExhaustedMakesItsLinesMeta() {
        let diff = UnifiedDiff("@@ -1,1 +1,3 @@\n-a\n-b\n c\n+x\n+y\n+z\n")
        XCTAssertEqual(
            rows(diff),
            [
                "H . . |@@ -1,1 +1,3 @@", "- 1 . |a", "M . . |-b", "M . . | c", "+ . 1 |x", "+ . 2 |y", "+ . 3 |z",
            ])
        XCTAssertEqual(diff.hunks.first?.lineCount, 7)
    }

    func testRemovedAndAddedLinesThatLookLikeHeaders() {
        let diff = UnifiedDiff("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n--- x\n-diff --git a/y b/y\n+++ z\n+@@ -1 +1 @@\n")
        XCTAssertEqual(rows(diff).dropFirst(3), ["- 1 . |-- x", "- 2 . |diff --git a/y b/y", "+ . 1 |++ z", "+ . 2 |@@ -1 +1 @@"])
        XCTAssertEqual(diff.files.count, 1)
        XCTAssertEqual(diff.hunks.count, 1)
    }

    func testTruncatedHunkEndsAtTheNextHeader() {
        let diff = UnifiedDiff(
            """
            diff --git a/x b/x
            @@ -1,5 +1,5 @@
             a
            @@ -10,2 +10,2 @@
             j
            diff --git a/y b/y
            --- a/y
            +++ b/y
            @@ -1 +1 @@
            -p
            +q

            """)
        XCTAssertEqual(
            kinds(diff),
            [
                .fileHeader, .hunkHeader, .context, .hunkHeader, .context, .fileHeader, .fileHeader, .fileHeader,
                .hunkHeader, .removed, .added,
            ])
        XCTAssertEqual(diff.hunks.map(\.lines), [1..<3, 3..<5, 8..<11])
        XCTAssertEqual(diff.files.map(\.lines), [0..<5, 5..<11])
        XCTAssertEqual(diff.files.map(\.hunkIndices), [0..<2, 2..<3])
        XCTAssertEqual(diff.line(at: 4).oldNumber, 10)
    }

    func testInvalidHunkHeadersAreMeta() {
        for header in [
            "@@ -a +1 @@", "@@ -1,2 +1,2", "@@ -1,2 +1,2@@", "@@@ -1 +1 +1 @@@", "@@ -1, +1 @@", "@@ - 1 +1 @@",
            "@@ -1 +1,x @@", "@@ -9999999999999 +1 @@", "@@ -1 +99999999999999999999 @@", "@@", "@@ -",
        ] {
            let diff = UnifiedDiff(header + "\n-a\n+b\n")
            XCTAssertEqual(kinds(diff), [.meta, .meta, .meta], header)
            XCTAssertTrue(diff.hunks.isEmpty, header)
        }
    }

    func testLargestAcceptedNumbers() {
        let diff = UnifiedDiff("@@ -999999999999,1 +999999999999,1 @@\n-a\n+b\n")
        XCTAssertEqual(diff.line(at: 1).oldNumber, 999_999_999_999)
        XCTAssertEqual(diff.line(at: 2).newNumber, 999_999_999_999)
    }

    // MARK: - Several files

    func testCreatedDeletedRenamedAndBinaryFiles() {
        let diff = UnifiedDiff(
            """
            diff --git a/new.txt b/new.txt
            new file mode 100644
            index 0000000..3b18e51
            --- /dev/null
            +++ b/new.txt
            @@ -0,0 +1,2 @@
            +hello
            +world
            diff --git a/old.txt b/old.txt
            deleted file mode 100644
            index 3b18e51..0000000
            --- a/old.txt
            +++ /dev/null
            @@ -1 +0,0 @@
            -bye
            diff --git a/a.txt b/b.txt
            similarity index 100%
            rename from a.txt
            rename to b.txt
            diff --git a/run.sh b/run.sh
            old mode 100644
            new mode 100755
            diff --git a/bin.png b/bin.png
            Binary files a/bin.png and b/bin.png differ
            """)
        XCTAssertEqual(diff.files.map(\.oldPath), [nil, "old.txt", "a.txt", "run.sh", "bin.png"])
        XCTAssertEqual(diff.files.map(\.newPath), ["new.txt", nil, "b.txt", "run.sh", "bin.png"])
        XCTAssertEqual(diff.files.map(\.firstLine), [0, 8, 15, 19, 22])
        XCTAssertEqual(diff.files.map(\.lineCount), [8, 7, 4, 3, 2])
        XCTAssertEqual(diff.files.map(\.hunkIndices), [0..<1, 1..<2, 2..<2, 2..<2, 2..<2])
        XCTAssertEqual(diff.hunks.map { [$0.oldStart, $0.oldCount, $0.newStart, $0.newCount] }, [[0, 0, 1, 2], [1, 1, 0, 0]])
        XCTAssertEqual(rows(diff)[6...7], ["+ . 1 |hello", "+ . 2 |world"])
        XCTAssertEqual(rows(diff)[14], "- 1 . |bye")
        XCTAssertEqual(kinds(diff).filter { $0 == .fileHeader }.count, 19)
        XCTAssertEqual(kinds(diff).filter { $0 == .meta }.count, 0)
    }

    func testConcatenatedDiffUFiles() {
        let diff = UnifiedDiff("--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n--- c\n+++ d\n@@ -1 +1 @@\n-x\n+y\n")
        XCTAssertEqual(diff.files.map(\.lines), [0..<5, 5..<10])
        XCTAssertEqual(diff.files.map(\.oldPath), ["a", "c"])
        XCTAssertEqual(diff.hunks.map(\.fileIndex), [0, 1])
    }

    func testDiffDashRHeaderJoinsItsMarkers() {
        let diff = UnifiedDiff("Only in left: gone.txt\ndiff -u left/f right/f\n--- left/f\t2024-01-01\n+++ right/f\t2024-01-02\n@@ -1 +1 @@\n-x\n+y\n")
        XCTAssertEqual(kinds(diff), [.meta, .fileHeader, .fileHeader, .fileHeader, .hunkHeader, .removed, .added])
        XCTAssertEqual(diff.files.map(\.lines), [1..<7])
        XCTAssertEqual(diff.files.first?.oldPath, "left/f")
        XCTAssertEqual(diff.files.first?.newPath, "right/f")
    }

    func testFormatPatchPreambleBelongsToNoFile() {
        let diff = UnifiedDiff(
            """
            From 1234 Mon Sep 17 00:00:00 2001
            Subject: [PATCH] fix
            ---
             f | 2 +-
            diff --git a/f b/f
            --- a/f
            +++ b/f
            @@ -1 +1 @@
            -a
            +b
            --\u{20}
            2.43.0
            """)
        XCTAssertEqual(kinds(diff).prefix(4), [.meta, .meta, .meta, .meta])
        XCTAssertEqual(kinds(diff).suffix(2), [.meta, .meta])
        XCTAssertNil(diff.fileIndex(containing: 3))
        XCTAssertEqual(diff.fileIndex(containing: 4), 0)
        XCTAssertEqual(diff.fileIndex(containing: 11), 0)
        XCTAssertEqual(diff.files.first?.lines, 4..<12)
    }

    // MARK: - Paths

    func testQuotedAndSpacedPaths() {
        let quoted = UnifiedDiff(
            #"""
            diff --git "a/tab\there" "b/tab\there"
            --- "a/tab\there"
            +++ "b/\303\251t\303\251 \"q\""
            """#)
        XCTAssertEqual(quoted.files.first?.oldPath, "tab\there")
        XCTAssertEqual(quoted.files.first?.newPath, "été \"q\"")

        let spaced = UnifiedDiff("diff --git a/my file.txt b/my file.txt\nold mode 100644\nnew mode 100755\n")
        XCTAssertEqual(spaced.files.first?.oldPath, "my file.txt")
        XCTAssertEqual(spaced.files.first?.newPath, "my file.txt")

        let renamed = UnifiedDiff("diff --git a/x y b/z w\nrename from \"x\\ty\"\nrename to z w\n")
        XCTAssertEqual(renamed.files.first?.oldPath, "x\ty")
        XCTAssertEqual(renamed.files.first?.newPath, "z w")

        let gitLineOnly = UnifiedDiff("diff --git a/x y b/z w\n")
        XCTAssertEqual(gitLineOnly.files.first?.oldPath, "x y")
        XCTAssertEqual(gitLineOnly.files.first?.newPath, "z w")
    }

    func testPrefixesAreKeptWhenTheyAreNotGitPrefixes() {
        let diff = UnifiedDiff("--- a/x\n+++ c/x\n@@ -1 +1 @@\n-a\n+b\n")
        XCTAssertEqual(diff.files.first?.oldPath, "a/x")
        XCTAssertEqual(diff.files.first?.newPath, "c/x")
    }

    func testUnterminatedQuoteAndGarbageGitLines() {
        for line in ["diff --git \"a/x", "diff --git ", "diff --git a", "diff --git \"a\"", "diff --git \"\\", "diff --git \"\\30"] {
            let diff = UnifiedDiff(line + "\n")
            XCTAssertEqual(diff.files.count, 1, line)
            XCTAssertEqual(kinds(diff), [.fileHeader], line)
        }
    }

    // MARK: - Text

    func testTextIsSlicedByScalarsNotCharacters() {
        // "+" and a combining acute accent are one Character; the marker must still be dropped.
        let diff = UnifiedDiff("@@ -1 +1,2 @@\n-\u{301}x\n+\u{301}y\n+😀 é\n")
        XCTAssertEqual(Array(diff.line(at: 1).text.unicodeScalars), ["\u{301}", "x"])
        XCTAssertEqual(Array(diff.line(at: 2).text.unicodeScalars), ["\u{301}", "y"])
        XCTAssertEqual(diff.line(at: 3).text, "😀 é")
    }

    func testEmptyAndPlainText() {
        XCTAssertEqual(UnifiedDiff("").lineCount, 0)
        let newline = UnifiedDiff("\n")
        XCTAssertEqual(rows(newline), ["M . . |"])
        let plain = UnifiedDiff("hello\n+world\n-bye\n \n")
        XCTAssertEqual(kinds(plain), [.meta, .meta, .meta, .meta])
        XCTAssertTrue(plain.files.isEmpty)
        XCTAssertTrue(plain.hunks.isEmpty)
        XCTAssertNil(plain.hunk(after: -1))
        XCTAssertNil(plain.file(before: 10))
        XCTAssertEqual(UnifiedDiff("no trailing newline").line(at: 0).text, "no trailing newline")
    }

    func testHunksWithoutHeadersGetAnUnnamedFile() {
        let diff = UnifiedDiff("note\n@@ -1 +1 @@\n-a\n+b\n@@ -5 +5 @@\n-c\n+d\n")
        XCTAssertEqual(diff.files, [DiffFileSpan(oldPath: nil, newPath: nil, firstLine: 1, lineCount: 6, hunkIndices: 0..<2)])
    }

    func testCollectionConformance() {
        let diff = UnifiedDiff("@@ -1 +1 @@\n-a\n+b\n")
        XCTAssertEqual(diff.count, diff.lineCount)
        XCTAssertEqual(diff.map(\.kind), [.hunkHeader, .removed, .added])
        XCTAssertEqual(diff.last?.text, "b")
    }

    // MARK: - Navigation

    func testHunkAndFileNavigation() {
        let diff = UnifiedDiff(
            """
            diff --git a/x b/x
            --- a/x
            +++ b/x
            @@ -1 +1 @@
            -a
            +b
            @@ -9 +9 @@
            -c
            +d
            diff --git a/y b/y
            --- a/y
            +++ b/y
            @@ -1 +1 @@
            -e
            +f
            """)
        XCTAssertEqual(diff.hunks.map(\.headerLine), [3, 6, 12])
        XCTAssertEqual(diff.hunk(after: -5), 3)
        XCTAssertEqual(diff.hunk(after: 0), 3)
        XCTAssertEqual(diff.hunk(after: 3), 6)
        XCTAssertEqual(diff.hunk(after: 7), 12)
        XCTAssertNil(diff.hunk(after: 12))
        XCTAssertNil(diff.hunk(after: 1_000))
        XCTAssertNil(diff.hunk(before: 3))
        XCTAssertEqual(diff.hunk(before: 4), 3)
        XCTAssertEqual(diff.hunk(before: 12), 6)
        XCTAssertEqual(diff.hunk(before: 1_000), 12)
        XCTAssertEqual(diff.file(after: -1), 0)
        XCTAssertEqual(diff.file(after: 0), 9)
        XCTAssertNil(diff.file(after: 9))
        XCTAssertNil(diff.file(before: 0))
        XCTAssertEqual(diff.file(before: 9), 0)
        XCTAssertEqual(diff.file(before: 14), 9)
        XCTAssertEqual(diff.hunkIndex(containing: 8), 1)
        XCTAssertNil(diff.hunkIndex(containing: 9))
        XCTAssertEqual(diff.hunkIndex(containing: 14), 2)
        XCTAssertNil(diff.hunkIndex(containing: 15))
        XCTAssertEqual(diff.fileIndex(containing: 8), 0)
        XCTAssertEqual(diff.fileIndex(containing: 9), 1)
        XCTAssertNil(diff.fileIndex(containing: -1))
        XCTAssertNil(diff.fileIndex(containing: 15))
    }

    // MARK: - Size and hostility

    func testTwoHundredThousandLineDiff() {
        // 2 files × 10 000 hunks × (header + 3 context + 3 removed + 3 added) = 200 002 lines.
        var text = ""
        text.reserveCapacity(4_000_000)
        for file in 0..<2 {
            text += "diff --git a/f\(file) b/f\(file)\n"
            for h in 0..<10_000 {
                let start = h * 10 + 1
                text += "@@ -\(start),6 +\(start),6 @@ fn\(h)\n c\(h)\n-r\(h)a\n-r\(h)b\n-r\(h)c\n+a\(h)a\n+a\(h)b\n+a\(h)c\n c\(h)x\n c\(h)y\n"
            }
        }
        let diff = UnifiedDiff(text)
        XCTAssertEqual(diff.lineCount, 200_002)
        XCTAssertEqual(diff.hunks.count, 20_000)
        XCTAssertEqual(diff.files.map(\.hunkIndices), [0..<10_000, 10_000..<20_000])
        XCTAssertEqual(diff.files.map(\.lineCount), [100_001, 100_001])
        let last = diff.line(at: diff.lineCount - 1)
        XCTAssertEqual(last.text, "c9999y")
        XCTAssertEqual(last.oldNumber, 99_996)
        XCTAssertEqual(last.newNumber, 99_996)
        // The second file's diff line, hunk header, " c0", "-r0a", then "-r0b".
        XCTAssertEqual(diff.line(at: 100_001 + 4).text, "r0b")
        XCTAssertEqual(diff.line(at: 100_001 + 4).oldNumber, 3)
        XCTAssertNil(diff.line(at: 100_001 + 4).newNumber)
        var hops = 0
        var cursor = -1
        while let next = diff.hunk(after: cursor) {
            XCTAssertEqual(diff.line(at: next).kind, .hunkHeader)
            cursor = next
            hops += 1
        }
        XCTAssertEqual(hops, 20_000)
        var counts: [DiffLine.Kind: Int] = [:]
        for line in diff { counts[line.kind, default: 0] += 1 }
        XCTAssertEqual(counts, [.fileHeader: 2, .hunkHeader: 20_000, .context: 60_000, .removed: 60_000, .added: 60_000])
    }

    func testHugeCountsDoNotCostMemoryOrMisnumber() {
        let diff = UnifiedDiff("@@ -1,999999999999 +1,999999999999 @@\n a\n-b\n+c\n")
        XCTAssertEqual(rows(diff), ["H . . |@@ -1,999999999999 +1,999999999999 @@", "  1 1 |a", "- 2 . |b", "+ . 2 |c"])
    }

    func testRandomGarbageKeepsEveryInvariant() {
        var generator = SplitMix64(seed: 0x7011_6a7e)
        let alphabet = Array(" +-@\\\r\nd:/ab0123,\t\"é😀".utf8) + Array("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,2 @@\n".utf8)
        for round in 0..<40 {
            let bytes = (0..<5_000).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let diff = UnifiedDiff(String(decoding: bytes, as: UTF8.self))
            assertInvariants(diff, "round \(round)")
        }
    }

    func testSplicedRealDiffsKeepEveryInvariant() {
        // Pieces of real diffs glued in random order: plausible-looking but inconsistent input.
        let pieces = [
            "diff --git a/x b/x\n", "index 1..2 100644\n", "--- a/x\n", "+++ b/x\n", "--- /dev/null\n", "@@ -1,3 +1,4 @@ f\n",
            "@@ -0,0 +1 @@\n", " ctx\n", "-old\n", "+new\n", "\\ No newline at end of file\n", "\n", "rename from q\n",
            "new file mode 100644\n", "garbage\n", "\r\n", "@@ -5 +5 @@\r\n", "+\u{301}\n", "diff -u a b\n",
        ]
        var generator = SplitMix64(seed: 42)
        for round in 0..<200 {
            var text = ""
            for _ in 0..<60 { text += pieces[Int(generator.next() % UInt64(pieces.count))] }
            assertInvariants(UnifiedDiff(text), "round \(round)")
        }
    }

    // MARK: - Helpers

    /// What must hold for any input: spans tile the lines they claim, numbers follow their hunk.
    private func assertInvariants(_ diff: UnifiedDiff, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        var previousEnd = 0
        for (index, span) in diff.files.enumerated() {
            XCTAssertGreaterThanOrEqual(span.firstLine, previousEnd, label, file: file, line: line)
            XCTAssertGreaterThan(span.lineCount, 0, label, file: file, line: line)
            XCTAssertLessThanOrEqual(span.lines.upperBound, diff.lineCount, label, file: file, line: line)
            if index > 0 { XCTAssertEqual(span.firstLine, previousEnd, "files tile once the first starts", file: file, line: line) }
            previousEnd = span.lines.upperBound
            for h in span.hunkIndices {
                XCTAssertEqual(diff.hunks[h].fileIndex, index, label, file: file, line: line)
                XCTAssertTrue(span.lines.contains(diff.hunks[h].headerLine), label, file: file, line: line)
                XCTAssertLessThanOrEqual(diff.hunks[h].lines.upperBound, span.lines.upperBound, label, file: file, line: line)
            }
        }
        if let last = diff.files.last { XCTAssertEqual(last.lines.upperBound, diff.lineCount, label, file: file, line: line) }
        XCTAssertEqual(diff.files.flatMap { Array($0.hunkIndices) }, Array(diff.hunks.indices), label, file: file, line: line)
        for hunk in diff.hunks {
            XCTAssertEqual(diff.line(at: hunk.headerLine).kind, .hunkHeader, label, file: file, line: line)
            var old = hunk.oldStart
            var new = hunk.newStart
            for i in hunk.lines.dropFirst() {
                let row = diff.line(at: i)
                XCTAssertNotEqual(row.kind, .hunkHeader, label, file: file, line: line)
                XCTAssertNotEqual(row.kind, .fileHeader, label, file: file, line: line)
                if let number = row.oldNumber {
                    XCTAssertEqual(number, old, label, file: file, line: line)
                    old += 1
                }
                if let number = row.newNumber {
                    XCTAssertEqual(number, new, label, file: file, line: line)
                    new += 1
                }
            }
            XCTAssertLessThanOrEqual(old - hunk.oldStart, hunk.oldCount, label, file: file, line: line)
            XCTAssertLessThanOrEqual(new - hunk.newStart, hunk.newCount, label, file: file, line: line)
        }
        for i in 0..<diff.lineCount {
            let row = diff.line(at: i)
            let inHunk = diff.hunkIndex(containing: i) != nil
            switch row.kind {
            case .context: XCTAssertTrue(row.oldNumber != nil && row.newNumber != nil && inHunk, label, file: file, line: line)
            case .removed: XCTAssertTrue(row.oldNumber != nil && row.newNumber == nil && inHunk, label, file: file, line: line)
            case .added: XCTAssertTrue(row.oldNumber == nil && row.newNumber != nil && inHunk, label, file: file, line: line)
            default: XCTAssertTrue(row.oldNumber == nil && row.newNumber == nil, label, file: file, line: line)
            }
            XCTAssertFalse(row.text.contains("\n"), label, file: file, line: line)
        }
    }

    private func kinds(_ diff: UnifiedDiff) -> [DiffLine.Kind] { diff.map(\.kind) }

    private func rows(_ diff: UnifiedDiff) -> [String] {
        diff.map { line in
            let kind: String
            switch line.kind {
            case .fileHeader: kind = "F"
            case .hunkHeader: kind = "H"
            case .context: kind = " "
            case .added: kind = "+"
            case .removed: kind = "-"
            case .noNewlineMarker: kind = "\\"
            case .meta: kind = "M"
            }
            return "\(kind) \(line.oldNumber.map(String.init) ?? ".") \(line.newNumber.map(String.init) ?? ".") |\(line.text)"
        }
    }
}
