/// One line of a unified diff, as the diff view shows it.
///
/// The text is agent-written: treat it as data, never as terminal control.
public struct DiffLine: Hashable, Sendable {
    /// What a line is, which decides how it is drawn and whether it has line numbers.
    public enum Kind: Hashable, Sendable {
        /// `diff --git`, `---`/`+++`, and git's extended headers (`index`, `new file mode`, `rename from`…).
        case fileHeader
        /// `@@ -a,b +c,d @@ section`.
        case hunkHeader
        /// A line both sides share (numbered on both sides).
        case context
        /// A line only the new side has (numbered on the new side).
        case added
        /// A line only the old side has (numbered on the old side).
        case removed
        /// `\ No newline at end of file`, after the body line it qualifies.
        case noNewlineMarker
        /// Anything else: commit messages, stray text, body lines beyond a hunk's declared counts.
        case meta
    }

    public var kind: Kind
    /// Without the leading `+`/`-`/space marker for body lines; the whole line otherwise.
    /// Never includes the line ending (LF or CRLF).
    public var text: Substring
    /// The line's number in the old file, for context and removed lines.
    public var oldNumber: Int?
    /// The line's number in the new file, for context and added lines.
    public var newNumber: Int?

    public init(kind: Kind, text: Substring, oldNumber: Int? = nil, newNumber: Int? = nil) {
        self.kind = kind
        self.text = text
        self.oldNumber = oldNumber
        self.newNumber = newNumber
    }
}

/// The lines of one file in a unified diff: its headers, its hunks, and any text up to the next file.
public struct DiffFileSpan: Hashable, Sendable {
    /// The old path without git's `a/` prefix; nil for `/dev/null` (a created file) or when no header names it.
    public var oldPath: String?
    /// The new path without git's `b/` prefix; nil for `/dev/null` (a deleted file) or when no header names it.
    public var newPath: String?
    /// Index of the file's first line (its first header, or its first hunk header when it has none).
    public var firstLine: Int
    public var lineCount: Int
    /// Indices into `UnifiedDiff.hunks` of this file's hunks.
    public var hunkIndices: Range<Int>

    /// The file's line indices.
    public var lines: Range<Int> { firstLine..<(firstLine + lineCount) }

    public init(oldPath: String?, newPath: String?, firstLine: Int, lineCount: Int, hunkIndices: Range<Int>) {
        self.oldPath = oldPath
        self.newPath = newPath
        self.firstLine = firstLine
        self.lineCount = lineCount
        self.hunkIndices = hunkIndices
    }
}

/// One hunk of a unified diff: its `@@` header and the body lines that belong to it.
public struct DiffHunkSpan: Hashable, Sendable {
    /// Index of the `@@` header line.
    public var headerLine: Int
    /// The header, the body lines and any `\ No newline` markers.
    public var lineCount: Int
    public var oldStart: Int
    /// Old-side lines the header declares (1 when omitted).
    public var oldCount: Int
    public var newStart: Int
    /// New-side lines the header declares (1 when omitted).
    public var newCount: Int
    /// The text after the closing `@@` (git puts the enclosing function there), without its leading space.
    public var section: Substring
    /// Index into `UnifiedDiff.files` of the file the hunk belongs to.
    public var fileIndex: Int

    /// The hunk's line indices.
    public var lines: Range<Int> { headerLine..<(headerLine + lineCount) }

    public init(
        headerLine: Int, lineCount: Int, oldStart: Int, oldCount: Int, newStart: Int, newCount: Int,
        section: Substring, fileIndex: Int
    ) {
        self.headerLine = headerLine
        self.lineCount = lineCount
        self.oldStart = oldStart
        self.oldCount = oldCount
        self.newStart = newStart
        self.newCount = newCount
        self.section = section
        self.fileIndex = fileIndex
    }
}
