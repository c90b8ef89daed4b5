/// Which removed line each added line replaced, and what changed inside each such pair.
///
/// Within each run of removed and added lines (between context lines, headers and anything
/// else), removed lines are taken in order and each is paired with the first added line not yet
/// passed whose `WordEmphasis` distance is at most `maxDistance`, as delta does; added lines
/// passed over stay unpaired, so pairs keep both sides' order. A line too different from every
/// candidate is shown whole. The work is bounded: each removed line tries at most `lookahead`
/// added lines, and a whole diff spends at most `Limits.cells` LCS cells, after which the rest
/// of it is shown without emphasis.
///
/// ```swift
/// let pairing = LinePairing(diff)
/// if let other = pairing.partner(of: index) { ... }
/// for span in pairing.emphasis(of: index) { paint(span, .diffAddedEmphasis) }
/// ```
public struct LinePairing: Sendable {
    /// The bounds on pairing a whole diff.
    public enum Limits {
        /// Token comparisons (LCS cells and trimmed tokens) one diff may spend over all its pairs:
        /// a few milliseconds.
        public static let cells = 4_000_000
    }

    /// Lines further apart than this (see `WordEmphasis.Comparison.distance`) are not paired.
    public static let maxDistance = 0.6
    /// Added lines one removed line is compared with before it is left unpaired.
    public static let lookahead = 8

    /// Per line: the index of its partner, or -1.
    private let partners: [Int32]
    /// Per line: where its spans start in `bounds`; one more entry ends the last line's.
    private let spanStarts: [Int32]
    /// Span bounds, two per span: UTF-8 offsets into the line's text.
    private let bounds: [Int32]
    /// How many pairs were made.
    public let pairCount: Int

    /// Pairs the lines of `diff`.
    public init(_ diff: UnifiedDiff) {
        var builder = Builder(lineCount: diff.lineCount)
        var removed: [Int] = []
        var added: [Int] = []
        for index in 0..<diff.lineCount {
            switch diff.line(at: index).kind {
            case .removed: removed.append(index)
            case .added: added.append(index)
            case .noNewlineMarker: continue
            default:
                builder.pair(removed, added, in: diff)
                removed.removeAll(keepingCapacity: true)
                added.removeAll(keepingCapacity: true)
            }
        }
        builder.pair(removed, added, in: diff)
        partners = builder.partners
        var starts = [Int32](repeating: 0, count: diff.lineCount + 1)
        var flat: [Int32] = []
        for index in 0..<diff.lineCount {
            starts[index] = Int32(flat.count)
            for span in builder.spans[index] ?? [] {
                flat.append(Int32(span.lowerBound))
                flat.append(Int32(span.upperBound))
            }
        }
        starts[diff.lineCount] = Int32(flat.count)
        spanStarts = starts
        bounds = flat
        pairCount = builder.pairCount
    }

    /// The line `index` is paired with, if any.
    public func partner(of index: Int) -> Int? {
        guard partners.indices.contains(index), partners[index] >= 0 else { return nil }
        return Int(partners[index])
    }

    /// The changed UTF-8 offset ranges of line `index`'s text; empty for unpaired lines.
    public func emphasis(of index: Int) -> [Range<Int>] {
        guard index >= 0, index + 1 < spanStarts.count else { return [] }
        var out: [Range<Int>] = []
        var k = Int(spanStarts[index])
        while k < Int(spanStarts[index + 1]) {
            out.append(Int(bounds[k])..<Int(bounds[k + 1]))
            k += 2
        }
        return out
    }
}

/// Pairs one run at a time, within the diff's budget.
private struct Builder {
    var partners: [Int32]
    var spans: [Int: [Range<Int>]] = [:]
    var pairCount = 0
    var cellsLeft = LinePairing.Limits.cells

    init(lineCount: Int) {
        partners = [Int32](repeating: -1, count: lineCount)
    }

    mutating func pair(_ removed: [Int], _ added: [Int], in diff: UnifiedDiff) {
        guard !removed.isEmpty, !added.isEmpty, cellsLeft > 0 else { return }
        // Each line is cut once, however many candidates it is compared with.
        var addedLines: [TokenizedLine??] = Array(repeating: nil, count: added.count)
        var next = 0
        for old in removed {
            guard next < added.count, cellsLeft > 0 else { return }
            guard let a = TokenizedLine(diff.line(at: old).text) else { continue }
            for candidate in next..<min(added.count, next + LinePairing.lookahead) {
                if addedLines[candidate] == nil { addedLines[candidate] = .some(TokenizedLine(diff.line(at: added[candidate]).text)) }
                guard let b = addedLines[candidate] ?? nil else { continue }
                var work = 0
                let comparison = WordEmphasis.compare(a, b, work: &work)
                cellsLeft -= work
                guard let comparison, comparison.distance <= LinePairing.maxDistance else { continue }
                let new = added[candidate]
                partners[old] = Int32(new)
                partners[new] = Int32(old)
                if !comparison.old.isEmpty { spans[old] = comparison.old }
                if !comparison.new.isEmpty { spans[new] = comparison.new }
                pairCount += 1
                next = candidate + 1
                break
            }
        }
    }
}
