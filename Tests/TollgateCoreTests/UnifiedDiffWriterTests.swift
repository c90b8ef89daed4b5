import XCTest

@testable import TollgateCore

/// `UnifiedDiffWriter`: exact output for small cases, and the property that applying its diff
/// (read back by `UnifiedDiff`, the parser the console uses) to the old text gives the new.
final class UnifiedDiffWriterTests: XCTestCase {
    // MARK: - Exact output

    func testOneChangedLineWithThreeLinesOfContext() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n"
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n"
        XCTAssertEqual(
            UnifiedDiffWriter.diff(old: old, new: new, oldPath: "f", newPath: "f"),
            .diff("--- f\n+++ f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"))
    }

    func testANewFileDiffsAgainstDevNull() {
        XCTAssertEqual(
            UnifiedDiffWriter.diff(old: "", new: "a\nb\n", oldPath: nil, newPath: "/src/new.txt"),
            .diff("--- /dev/null\n+++ /src/new.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n"))
    }

    func testEmptyingAFile() {
        XCTAssertEqual(
            UnifiedDiffWriter.diff(old: "a\nb\n", new: "", oldPath: "f", newPath: "f"),
            .diff("--- f\n+++ f\n@@ -1,2 +0,0 @@\n-a\n-b\n"))
    }

    func testAMissingFinalNewlineIsMarkedAndCountsAsAChange() {
        XCTAssertEqual(
            UnifiedDiffWriter.diff(old: "a\nb", new: "a\nb\n", oldPath: "f", newPath: "f"),
            .diff("--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"))
        XCTAssertEqual(
            UnifiedDiffWriter.diff(old: "a\nx", new: "b\nx", oldPath: "f", newPath: "f"),
            .diff("--- f\n+++ f\n@@ -1,2 +1,2 @@\n-a\n+b\n x\n\\ No newline at end of file\n"))
    }

    func testIdenticalTextsHaveNoDiff() {
        XCTAssertEqual(UnifiedDiffWriter.diff(old: "", new: "", oldPath: "f", newPath: "f"), .identical)
        XCTAssertEqual(UnifiedDiffWriter.diff(old: "a\nb", new: "a\nb", oldPath: "f", newPath: "f"), .identical)
    }

    func testDistantChangesMakeSeparateHunksAndCloseOnesShareOne() throws {
        let old = (1...30).map { "\($0)\n" }.joined()
        let far = old.replacingOccurrences(of: "\n3\n", with: "\nthree\n").replacingOccurrences(of: "\n25\n", with: "\nx\n")
        XCTAssertEqual(try hunkHeaders(old, far), ["@@ -1,6 +1,6 @@", "@@ -22,7 +22,7 @@"])
        // Six unchanged lines between two changes: one hunk (diff -u merges at 2 × context).
        let near = old.replacingOccurrences(of: "\n3\n", with: "\nthree\n").replacingOccurrences(of: "\n10\n", with: "\nten\n")
        XCTAssertEqual(try hunkHeaders(old, near), ["@@ -1,13 +1,13 @@"])
    }

    func testOverTheTableBoundItSaysTooLargeQuickly() {
        // Two 5,000-line texts with nothing in common: 25 M cells, over the 16 M bound.
        let old = (0..<5_000).map { "old \($0)\n" }.joined()
        let new = (0..<5_000).map { "new \($0)\n" }.joined()
        let started = ContinuousClock.now
        guard case .tooLarge = UnifiedDiffWriter.diff(old: old, new: new, oldPath: "f", newPath: "f") else {
            return XCTFail("expected tooLarge")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        // A large file with one small change is not large to diff: the common ends are trimmed.
        let big = (0..<100_000).map { "line \($0)\n" }.joined()
        let edited = big.replacingOccurrences(of: "line 50000\n", with: "changed\n")
        guard case .diff(let text) = UnifiedDiffWriter.diff(old: big, new: edited, oldPath: "f", newPath: "f") else {
            return XCTFail("expected a diff")
        }
        XCTAssertEqual(try apply(text, to: big), edited)
    }

    // MARK: - Applying the diff gives the new text

    func testApplyingTheDiffGivesTheNewTextForEdgeCases() throws {
        let cases: [(String, String)] = [
            ("", "a"), ("a", ""), ("", "a\n"), ("a\n", ""), ("a", "b"), ("a\n", "a"), ("a", "a\n"),
            ("\n", "\n\n"), ("x\ny\nz", "x\nz"), ("é\n👍🏽\n", "👍🏽\né\n"),
        ]
        for (old, new) in cases { try assertRoundTrip(old, new) }
    }

    func testApplyingTheDiffGivesTheNewTextForRandomEdits() throws {
        var rng = DiffWriterRNG(seed: 0x70_11_6a_7e)
        let alphabet = ["a", "b", "c", "", "a b", "}"]
        for _ in 0..<400 {
            func text() -> String {
                let lines = (0..<Int.random(in: 0...14, using: &rng)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
                return lines.joined(separator: "\n") + (Bool.random(using: &rng) ? "\n" : "")
            }
            try assertRoundTrip(text(), text())
        }
    }

    // MARK: - Support

    private func assertRoundTrip(_ old: String, _ new: String, file: StaticString = #filePath, line: UInt = #line) throws {
        switch UnifiedDiffWriter.diff(old: old, new: new, oldPath: "f", newPath: "f") {
        case .identical: XCTAssertEqual(old, new, file: file, line: line)
        case .tooLarge(let why): XCTFail("too large: \(why)", file: file, line: line)
        case .diff(let text):
            XCTAssertNotEqual(old, new, file: file, line: line)
            XCTAssertEqual(try apply(text, to: old), new, "\(old.debugDescription) → \(new.debugDescription):\n\(text)", file: file, line: line)
        }
    }

    private func hunkHeaders(_ old: String, _ new: String) throws -> [String] {
        guard case .diff(let text) = UnifiedDiffWriter.diff(old: old, new: new, oldPath: "f", newPath: "f") else { throw Unexpected() }
        let diff = UnifiedDiff(text)
        return diff.hunks.map { String(diff.line(at: $0.headerLine).text) }
    }

    private struct Unexpected: Error {}

    /// `patch`, on what `UnifiedDiff` parsed: walks the hunks over the old lines, checking context and removals.
    private func apply(_ text: String, to old: String) throws -> String {
        let diff = UnifiedDiff(text)
        var oldLines = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let oldEndsWithNewline = oldLines.last == ""
        if oldEndsWithNewline { oldLines.removeLast() }
        // Each output line with whether an LF follows it.
        var out: [(String, Bool)] = []
        var next = 0  // the next old line to copy
        func copy(upTo end: Int) throws {
            guard end <= oldLines.count, next <= end else { throw Unexpected() }
            while next < end {
                out.append((oldLines[next], next < oldLines.count - 1 || oldEndsWithNewline))
                next += 1
            }
        }
        for hunk in diff.hunks {
            try copy(upTo: hunk.oldCount == 0 ? hunk.oldStart : hunk.oldStart - 1)
            for index in hunk.lines.dropFirst() {
                let line = diff.line(at: index)
                switch line.kind {
                case .context:
                    guard next < oldLines.count, oldLines[next] == line.text else { throw Unexpected() }
                    out.append((String(line.text), true))
                    next += 1
                case .removed:
                    guard next < oldLines.count, oldLines[next] == line.text else { throw Unexpected() }
                    next += 1
                case .added:
                    out.append((String(line.text), true))
                case .noNewlineMarker:
                    // Qualifies the line before it: on the new side only if that line is there.
                    let previous = diff.line(at: index - 1)
                    if previous.kind != .removed, let last = out.popLast() { out.append((last.0, false)) }
                default:
                    throw Unexpected()
                }
            }
        }
        try copy(upTo: oldLines.count)
        return out.map { $0.0 + ($0.1 ? "\n" : "") }.joined()
    }
}

/// A small seeded generator, so a failing random case can be replayed.
private struct DiffWriterRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
