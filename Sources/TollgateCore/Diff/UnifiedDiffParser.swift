import Foundation

/// What `UnifiedDiff` keeps per line: a few integers, never the text.
struct DiffLineRecord: Sendable {
    static let noNumber = -1

    var kind: DiffLine.Kind
    /// UTF-8 offsets of the text, after any body marker and before the line ending.
    var start: Int
    var end: Int
    var oldNumber: Int
    var newNumber: Int
}

/// The single pass behind `UnifiedDiff`: a line-at-a-time state machine over UTF-8 bytes.
///
/// Body lines are recognised by the counts their hunk header declares, so a removed line that
/// reads `--- x` stays a removed line, and lines past the counts never get numbers.
struct UnifiedDiffParser {
    private(set) var records: [DiffLineRecord] = []
    private(set) var files: [DiffFileSpan] = []
    private(set) var hunks: [DiffHunkSpan] = []

    /// The text the offsets point into, for hunk sections.
    private let text: String
    private var file: OpenFile?
    private var hunk: OpenHunk?
    /// The last line was a context, added or removed line, which a `\ No newline` marker may follow.
    private var previousWasBody = false
    /// The last line was `--- ` and this one starts with `+++ `.
    private var expectingNewPath = false

    /// A file whose span is still growing.
    private struct OpenFile {
        var firstLine: Int
        var firstHunk: Int
        var paths: DiffPaths
        /// Between the file's first line and its first hunk, where git's extended headers live.
        var inHeader = true
        /// Its `---`/`+++` pair has been seen; another pair starts a new file.
        var sawMarkers = false
    }

    /// A hunk whose declared counts are not yet used up.
    private struct OpenHunk {
        var oldLeft: Int
        var newLeft: Int
        var nextOld: Int
        var nextNew: Int
    }

    init(text: String) {
        self.text = text
    }

    // MARK: - Lines

    mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) {
        let raw = UnsafeRawBufferPointer(bytes)
        var lineStart = 0
        while lineStart < raw.count {
            let lf = Self.find(DiffByte.lf, in: raw, from: lineStart)
            var end = lf
            if end > lineStart, raw[end - 1] == DiffByte.cr { end -= 1 }
            let next = min(lf + 1, raw.count)
            handleLine(raw, start: lineStart, end: end, next: next)
            lineStart = next
        }
        closeFile()
    }

    private mutating func handleLine(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int, next: Int) {
        let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        if expectingNewPath {
            expectingNewPath = false
            file?.paths.setNew(fromMarker: UnsafeRawBufferPointer(rebasing: line[4...]))
            append(.fileHeader, start, end)
            return
        }
        if handleBody(line, start: start, end: end) { return }
        // A hunk cut short by a line that is no body line: whatever follows is read afresh.
        hunk = nil
        if line.first == DiffByte.backslash, previousWasBody {
            append(.noNewlineMarker, start, end)
            extendLastHunk()
            return
        }
        append(headerKind(line, start: start, bytes: bytes, next: next), start, end)
    }

    /// Classifies a line inside an open hunk; false when the line is no body line at all.
    private mutating func handleBody(_ line: UnsafeRawBufferPointer, start: Int, end: Int) -> Bool {
        guard var open = hunk else { return false }
        let isBody: Bool
        switch line.first {
        case nil, .some(DiffByte.space):
            // An empty line counts as empty context, as GNU patch and git apply accept it
            // (mail and editors strip the lone space).
            isBody = open.oldLeft > 0 && open.newLeft > 0
            if isBody {
                append(.context, start + (line.isEmpty ? 0 : 1), end, old: open.nextOld, new: open.nextNew)
                open.oldLeft -= 1
                open.newLeft -= 1
                open.nextOld += 1
                open.nextNew += 1
            }
        case .some(DiffByte.minus):
            isBody = open.oldLeft > 0
            if isBody {
                append(.removed, start + 1, end, old: open.nextOld)
                open.oldLeft -= 1
                open.nextOld += 1
            }
        case .some(DiffByte.plus):
            isBody = open.newLeft > 0
            if isBody {
                append(.added, start + 1, end, new: open.nextNew)
                open.newLeft -= 1
                open.nextNew += 1
            }
        case .some(DiffByte.backslash):
            isBody = false
            append(previousWasBody ? .noNewlineMarker : .meta, start, end)
        default:
            return false
        }
        if !isBody, line.first != DiffByte.backslash { append(.meta, start, end) }
        previousWasBody = isBody
        extendLastHunk()
        hunk = open.oldLeft == 0 && open.newLeft == 0 ? nil : open
        return true
    }

    /// Classifies a line outside any hunk, opening files and hunks as their headers appear.
    private mutating func headerKind(
        _ line: UnsafeRawBufferPointer, start: Int, bytes: UnsafeRawBufferPointer, next: Int
    ) -> DiffLine.Kind {
        let index = records.count
        if Self.hasPrefix(line, "diff --git ") {
            openFile(at: index)
            file?.paths.setBoth(fromGitLine: UnsafeRawBufferPointer(rebasing: line[11...]))
            return .fileHeader
        }
        if Self.hasPrefix(line, "diff -") {
            openFile(at: index)
            return .fileHeader
        }
        if Self.hasPrefix(line, "--- "),
            Self.hasPrefix(UnsafeRawBufferPointer(rebasing: bytes[next...]), "+++ ")
        {
            let continuesFile = file.map({ $0.inHeader && !$0.sawMarkers }) ?? false
            if !continuesFile { openFile(at: index) }
            file?.sawMarkers = true
            file?.paths.setOld(fromMarker: UnsafeRawBufferPointer(rebasing: line[4...]))
            expectingNewPath = true
            return .fileHeader
        }
        if let header = DiffHunkHeader(line) {
            if file == nil { openFile(at: index) }
            file?.inHeader = false
            hunks.append(
                DiffHunkSpan(
                    headerLine: index, lineCount: 1,
                    oldStart: header.oldStart, oldCount: header.oldCount,
                    newStart: header.newStart, newCount: header.newCount,
                    section: UnifiedDiff.slice(text, start + header.sectionStart, start + line.count),
                    fileIndex: files.count
                ))
            if header.oldCount > 0 || header.newCount > 0 {
                hunk = OpenHunk(
                    oldLeft: header.oldCount, newLeft: header.newCount,
                    nextOld: header.oldStart, nextNew: header.newStart
                )
            }
            return .hunkHeader
        }
        if file?.inHeader == true, file?.paths.applyExtendedHeader(line) == true {
            return .fileHeader
        }
        return .meta
    }

    // MARK: - Spans

    private mutating func openFile(at index: Int) {
        closeFile()
        file = OpenFile(firstLine: index, firstHunk: hunks.count, paths: DiffPaths())
    }

    private mutating func closeFile() {
        guard let open = file else { return }
        let (oldPath, newPath) = open.paths.resolved()
        files.append(
            DiffFileSpan(
                oldPath: oldPath, newPath: newPath, firstLine: open.firstLine,
                lineCount: records.count - open.firstLine, hunkIndices: open.firstHunk..<hunks.count
            ))
        file = nil
    }

    /// Counts the line just appended into the last hunk.
    private mutating func extendLastHunk() {
        guard let last = hunks.indices.last else { return }
        hunks[last].lineCount = records.count - hunks[last].headerLine
    }

    private mutating func append(
        _ kind: DiffLine.Kind, _ start: Int, _ end: Int,
        old: Int = DiffLineRecord.noNumber, new: Int = DiffLineRecord.noNumber
    ) {
        records.append(DiffLineRecord(kind: kind, start: start, end: end, oldNumber: old, newNumber: new))
        if kind != .context && kind != .added && kind != .removed { previousWasBody = false }
    }

    // MARK: - Bytes

    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        for i in 0..<prefix.utf8CodeUnitCount where bytes[i] != prefix.utf8Start[i] { return false }
        return true
    }

    /// The index of the first `byte` at or after `from`, or `bytes.count` when there is none.
    static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        guard let base = bytes.baseAddress, from < bytes.count else { return bytes.count }
        guard let hit = memchr(base + from, Int32(byte), bytes.count - from) else { return bytes.count }
        return UnsafeRawPointer(hit) - base
    }
}

/// The ASCII bytes the diff grammar is made of.
enum DiffByte {
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let tab: UInt8 = 0x09
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let backslash: UInt8 = 0x5C
}
