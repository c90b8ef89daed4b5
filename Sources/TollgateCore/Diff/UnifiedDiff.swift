/// A parsed unified diff (`git diff`, `diff -u`), indexed for a scrolling diff view.
///
/// Parsing is one linear pass over the UTF-8 bytes that stores a small record per line (kind,
/// byte range, line numbers); a line's text is sliced out of the original string only when asked
/// for, so a 10 MB, 200 000-line diff costs one array of records, not 200 000 strings. It never
/// fails: whatever is not a diff becomes `.meta` lines, and body lines beyond a hunk's declared
/// counts are `.meta` too, so numbering stays right however hostile the text.
///
/// ```swift
/// let diff = UnifiedDiff(action.diffs[0].text)
/// for index in visibleRows { draw(diff.line(at: index)) }
/// if let next = diff.hunk(after: cursor) { cursor = next }
/// ```
public struct UnifiedDiff: Sendable {
    private let storage: String
    private let records: [DiffLineRecord]
    /// The files, in order; lines before the first file header belong to none.
    public let files: [DiffFileSpan]
    /// Every hunk, in order.
    public let hunks: [DiffHunkSpan]

    /// Parses `text`; never fails.
    public init(_ text: String) {
        var storage = text
        // Slicing by UTF-8 offset is O(1) only on native, contiguous UTF-8.
        storage.makeContiguousUTF8()
        var parser = UnifiedDiffParser(text: storage)
        if storage.utf8.withContiguousStorageIfAvailable({ parser.parse($0) }) == nil {
            Array(storage.utf8).withUnsafeBufferPointer { parser.parse($0) }
        }
        self.storage = storage
        self.records = parser.records
        self.files = parser.files
        self.hunks = parser.hunks
    }

    // MARK: - Lines

    public var lineCount: Int { records.count }

    /// The line at `index` (in `0..<lineCount`), its text sliced from the original; O(1).
    public func line(at index: Int) -> DiffLine {
        let record = records[index]
        return DiffLine(
            kind: record.kind,
            text: Self.slice(storage, record.start, record.end),
            oldNumber: record.oldNumber == DiffLineRecord.noNumber ? nil : record.oldNumber,
            newNumber: record.newNumber == DiffLineRecord.noNumber ? nil : record.newNumber
        )
    }

    /// The text between two UTF-8 offsets; O(1) on native strings.
    ///
    /// The offsets always sit next to an ASCII byte (a marker, CR or LF), hence on scalar
    /// boundaries, which a Substring keeps even where they split a Character (`+` and a
    /// combining mark), so the marker never comes back.
    static func slice(_ text: String, _ start: Int, _ end: Int) -> Substring {
        let utf8 = text.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: start)
        let upper = utf8.index(lower, offsetBy: end - start)
        return text[lower..<upper]
    }

    // MARK: - Navigation

    /// The line index of the first hunk header after `lineIndex`, if any.
    public func hunk(after lineIndex: Int) -> Int? {
        let i = Self.firstIndex(in: hunks) { $0.headerLine > lineIndex }
        return i < hunks.count ? hunks[i].headerLine : nil
    }

    /// The line index of the last hunk header before `lineIndex`, if any.
    public func hunk(before lineIndex: Int) -> Int? {
        let i = Self.firstIndex(in: hunks) { $0.headerLine >= lineIndex }
        return i > 0 ? hunks[i - 1].headerLine : nil
    }

    /// The line index of the first file's first line after `lineIndex`, if any.
    public func file(after lineIndex: Int) -> Int? {
        let i = Self.firstIndex(in: files) { $0.firstLine > lineIndex }
        return i < files.count ? files[i].firstLine : nil
    }

    /// The line index of the last file's first line before `lineIndex`, if any.
    public func file(before lineIndex: Int) -> Int? {
        let i = Self.firstIndex(in: files) { $0.firstLine >= lineIndex }
        return i > 0 ? files[i - 1].firstLine : nil
    }

    /// The index into `files` of the file that contains `lineIndex`, if any.
    public func fileIndex(containing lineIndex: Int) -> Int? {
        let i = Self.firstIndex(in: files) { $0.firstLine > lineIndex } - 1
        return i >= 0 && files[i].lines.contains(lineIndex) ? i : nil
    }

    /// The index into `hunks` of the hunk that contains `lineIndex`, if any.
    public func hunkIndex(containing lineIndex: Int) -> Int? {
        let i = Self.firstIndex(in: hunks) { $0.headerLine > lineIndex } - 1
        return i >= 0 && hunks[i].lines.contains(lineIndex) ? i : nil
    }

    /// Binary search: the first index whose element satisfies `isPast`, which must be false then true.
    static func firstIndex<T>(in items: [T], where isPast: (T) -> Bool) -> Int {
        var low = 0
        var high = items.count
        while low < high {
            let mid = low + (high - low) / 2
            if isPast(items[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}

// MARK: - Collection

extension UnifiedDiff: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { records.count }
    public subscript(position: Int) -> DiffLine { line(at: position) }
}
