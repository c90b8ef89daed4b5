import TollgateCore

/// The rows of a diff shown side by side: old on the left, new on the right, aligned by hunk.
///
/// Context lines fill both sides of their row; headers and other text span the whole width;
/// within each run of removed and added lines, a pair shares a row and an unpaired line faces a
/// blank, in the order `LinePairing` keeps. Built once per diff, so a frame only reads rows.
struct SideBySideRows: Sendable {
    /// One row: a line index per side, -1 for a blank side; the same index on both sides for a
    /// line shown across (context on both halves, headers across the whole width).
    struct Row: Hashable, Sendable {
        var left: Int32
        var right: Int32

        var isShared: Bool { left == right }
        /// The first line the row shows.
        var firstLine: Int { Int(left >= 0 ? left : right) }
    }

    private(set) var rows: [Row] = []
    /// Per diff line: the row that shows it.
    private var rowOfLine: [Int32]

    var count: Int { rows.count }

    subscript(index: Int) -> Row { rows[index] }

    init(_ diff: UnifiedDiff, pairing: LinePairing) {
        rowOfLine = [Int32](repeating: 0, count: diff.lineCount)
        rows.reserveCapacity(diff.lineCount)
        var removed: [Int] = []
        var added: [Int] = []
        // `\ No newline` markers, by the line they follow.
        var markers: [Int: Int] = [:]
        var last = -1
        for index in 0..<diff.lineCount {
            switch diff.line(at: index).kind {
            case .removed:
                removed.append(index)
            case .added:
                added.append(index)
            case .noNewlineMarker where last >= 0 && (!removed.isEmpty || !added.isEmpty):
                markers[last] = index
            default:
                flush(&removed, &added, &markers, pairing)
                append(Row(left: Int32(index), right: Int32(index)))
            }
            last = index
        }
        flush(&removed, &added, &markers, pairing)
    }

    /// The row showing line `index`.
    func row(ofLine index: Int) -> Int {
        rowOfLine.indices.contains(index) ? Int(rowOfLine[index]) : 0
    }

    // MARK: - Building

    private mutating func append(_ row: Row) {
        if row.left >= 0 { rowOfLine[Int(row.left)] = Int32(rows.count) }
        if row.right >= 0 { rowOfLine[Int(row.right)] = Int32(rows.count) }
        rows.append(row)
    }

    /// Lays out one run: unpaired added lines before a pair come first, as they do in the diff.
    private mutating func flush(_ removed: inout [Int], _ added: inout [Int], _ markers: inout [Int: Int], _ pairing: LinePairing) {
        var next = 0
        func side(_ left: Int?, _ right: Int?) {
            append(Row(left: Int32(left ?? -1), right: Int32(right ?? -1)))
            let markLeft = left.flatMap { markers[$0] }, markRight = right.flatMap { markers[$0] }
            if markLeft != nil || markRight != nil { append(Row(left: Int32(markLeft ?? -1), right: Int32(markRight ?? -1))) }
        }
        for old in removed {
            guard let new = pairing.partner(of: old) else {
                side(old, nil)
                continue
            }
            while next < added.count, added[next] != new {
                side(nil, added[next])
                next += 1
            }
            side(old, new)
            next += 1
        }
        while next < added.count {
            side(nil, added[next])
            next += 1
        }
        removed.removeAll(keepingCapacity: true)
        added.removeAll(keepingCapacity: true)
        markers.removeAll(keepingCapacity: true)
    }
}
