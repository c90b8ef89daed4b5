/// Writes a unified diff (`diff -u`, three lines of context) of one file's old and new text.
///
/// Pure and bounded: the common head and tail are trimmed first, and the line-level LCS table
/// for what is left is built only when it has at most `Limits.tableCells` cells, so a huge or
/// wholly rewritten file answers `.tooLarge` at once rather than taking minutes or gigabytes.
/// A side that is empty (a new file, a file emptied) needs no table at all.
///
/// ```swift
/// switch UnifiedDiffWriter.diff(old: onDisk, new: proposed, oldPath: path, newPath: path) {
/// case .diff(let text): attach(text)
/// case .identical: break
/// case .tooLarge(let why): say("diff too large: \(why)")
/// }
/// ```
public enum UnifiedDiffWriter {
    /// What came of one comparison.
    public enum Outcome: Hashable, Sendable {
        /// The diff text, headers and hunks, ending with a newline.
        case diff(String)
        /// The two texts are the same, byte for byte.
        case identical
        /// Over a limit; the string says which, for a person.
        case tooLarge(String)
    }

    /// The bounds that keep one call short.
    public enum Limits {
        /// Lines on either side.
        public static let lines = 200_000
        /// Cells of the LCS table for the part that differs (2 bytes each: 32 MB).
        public static let tableCells = 16_000_000
        /// Bytes of diff text written.
        public static let outputBytes = 4 << 20
    }

    /// The diff from `old` to `new`; an old path of nil means the file is new (`/dev/null`).
    public static func diff(old: String, new: String, oldPath: String?, newPath: String, context: Int = 3) -> Outcome {
        if old == new, old.utf8.elementsEqual(new.utf8) { return .identical }
        let a = Lines(old), b = Lines(new)
        if a.count > Limits.lines || b.count > Limits.lines {
            return .tooLarge("\(max(a.count, b.count)) lines; the limit is \(Limits.lines)")
        }
        guard let script = editScript(a, b) else {
            return .tooLarge("too many lines differ to compare within bounds")
        }
        var out = "--- \(oldPath ?? "/dev/null")\n+++ \(newPath)\n"
        for hunk in hunks(script, context: max(context, 0)) {
            write(hunk, of: script, a, b, into: &out)
            if out.utf8.count > Limits.outputBytes { return .tooLarge("the diff is over \(Limits.outputBytes) bytes") }
        }
        return .diff(out)
    }

    // MARK: - Lines

    /// A text as lines without their LF; the last line may lack one.
    struct Lines {
        let items: [Substring]
        /// The last line has no LF after it.
        let lastUnterminated: Bool
        /// Per line, an id equal for equal lines (an unterminated last line differs from the same text with an LF).
        var ids: [Int] = []

        init(_ text: String) {
            var parts = text.split(separator: "\n", omittingEmptySubsequences: false)
            if parts.last == "" {
                parts.removeLast()
                lastUnterminated = false
            } else {
                lastUnterminated = !parts.isEmpty
            }
            items = parts
        }

        var count: Int { items.count }

        /// True when line `i` is the last and has no LF.
        func unterminated(_ i: Int) -> Bool { lastUnterminated && i == items.count - 1 }
    }

    // MARK: - The edit script

    enum Op: Hashable {
        case same(Int, Int)
        case delete(Int)
        case insert(Int)
    }

    /// The shortest edit script by an LCS over the lines, nil when the table would be too big.
    static func editScript(_ a: Lines, _ b: Lines) -> [Op]? {
        // Ids make the table's comparisons integer compares and fold in the missing-LF flag.
        var table: [String: Int] = [:]
        func ids(_ lines: Lines) -> [Int] {
            lines.items.indices.map { i in
                let key = lines.unterminated(i) ? String(lines.items[i]) + "\n\u{0}" : String(lines.items[i])
                if let id = table[key] { return id }
                table[key] = table.count
                return table[key] ?? 0
            }
        }
        let x = ids(a), y = ids(b)
        var head = 0
        while head < x.count, head < y.count, x[head] == y[head] { head += 1 }
        var tail = 0
        while tail < x.count - head, tail < y.count - head, x[x.count - 1 - tail] == y[y.count - 1 - tail] { tail += 1 }
        let n = x.count - head - tail, m = y.count - head - tail
        var script: [Op] = (0..<head).map { .same($0, $0) }
        if n == 0 || m == 0 {
            script += (0..<n).map { .delete(head + $0) }
            script += (0..<m).map { .insert(head + $0) }
        } else {
            guard n.multipliedReportingOverflow(by: m).partialValue <= Limits.tableCells, n <= Limits.tableCells / m else { return nil }
            script += middle(Array(x[head..<(head + n)]), Array(y[head..<(head + m)]), offset: head)
        }
        script += (0..<tail).map { .same(x.count - tail + $0, y.count - tail + $0) }
        return script
    }

    /// The LCS walk over two id arrays whose lengths multiply to at most `Limits.tableCells`.
    private static func middle(_ x: [Int], _ y: [Int], offset: Int) -> [Op] {
        let n = x.count, m = y.count
        // lcs[i][j] (flattened) is the LCS length of x[i...] and y[j...]; it is at most
        // min(n, m) ≤ 4,000 because n·m ≤ 16 M, so 16 bits hold it.
        var lcs = [UInt16](repeating: 0, count: (n + 1) * (m + 1))
        let width = m + 1
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i * width + j] = x[i] == y[j] ? lcs[(i + 1) * width + j + 1] + 1 : max(lcs[(i + 1) * width + j], lcs[i * width + j + 1])
            }
        }
        var ops: [Op] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, x[i] == y[j] {
                ops.append(.same(offset + i, offset + j))
                i += 1
                j += 1
            } else if i < n, j == m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
                // Deleting loses nothing here: deletions come first, as diff -u prints them.
                ops.append(.delete(offset + i))
                i += 1
            } else {
                ops.append(.insert(offset + j))
                j += 1
            }
        }
        return ops
    }

    // MARK: - Hunks

    /// Ranges of the script that make one hunk each: changes closer than two contexts share one.
    static func hunks(_ script: [Op], context: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start: Int?
        var lastChange = 0
        for (index, op) in script.enumerated() {
            if case .same = op { continue }
            if let s = start, index - lastChange - 1 > 2 * context {
                ranges.append(max(0, s - context)..<min(script.count, lastChange + context + 1))
                start = index
            } else if start == nil {
                start = index
            }
            lastChange = index
        }
        if let s = start { ranges.append(max(0, s - context)..<min(script.count, lastChange + context + 1)) }
        return ranges
    }

    private static func write(_ range: Range<Int>, of script: [Op], _ a: Lines, _ b: Lines, into out: inout String) {
        var oldCount = 0, newCount = 0
        var oldFirst: Int?, newFirst: Int?
        // Where the hunk sits when a side has no lines in it: after the lines before it.
        var oldBefore = 0, newBefore = 0
        for op in script[..<range.lowerBound] {
            switch op {
            case .same: oldBefore += 1; newBefore += 1
            case .delete: oldBefore += 1
            case .insert: newBefore += 1
            }
        }
        for op in script[range] {
            switch op {
            case .same(let i, let j):
                oldCount += 1; newCount += 1
                oldFirst = oldFirst ?? i; newFirst = newFirst ?? j
            case .delete(let i):
                oldCount += 1
                oldFirst = oldFirst ?? i
            case .insert(let j):
                newCount += 1
                newFirst = newFirst ?? j
            }
        }
        let oldStart = oldCount == 0 ? oldBefore : (oldFirst ?? 0) + 1
        let newStart = newCount == 0 ? newBefore : (newFirst ?? 0) + 1
        out += "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@\n"
        for op in script[range] {
            switch op {
            case .same(let i, _): line(" ", a.items[i], unterminated: a.unterminated(i), into: &out)
            case .delete(let i): line("-", a.items[i], unterminated: a.unterminated(i), into: &out)
            case .insert(let j): line("+", b.items[j], unterminated: b.unterminated(j), into: &out)
            }
        }
    }

    private static func line(_ marker: String, _ text: Substring, unterminated: Bool, into out: inout String) {
        out += marker
        out += text
        out += unterminated ? "\n\\ No newline at end of file\n" : "\n"
    }
}
