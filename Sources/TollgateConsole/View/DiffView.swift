import TollgateCore

/// A unified diff with both sides' line numbers, coloured by kind, paged and scrolled sideways.
///
/// Only the lines in the window are sliced, sanitised and laid out, each no wider than the
/// window plus the horizontal offset, so a 200 000-line diff draws as fast as a 20-line one.
enum DiffView {
    /// How far right `l` may scroll, in columns.
    static let maxHorizontalScroll = 4_000

    static func draw(_ state: DiffState, into frame: inout Frame, layout: Layout, styler: Styler) {
        let diff = state.parsed
        let top = layout.bodyTop
        let rows = layout.paneRows
        var heading = [styler.label(" Diff \(state.diffIndex + 1)/\(state.diffs.count): ", .borderFocused)]
        if state.diffs.indices.contains(state.diffIndex) {
            heading.append(styler.text(state.diffs[state.diffIndex].title, .borderFocused, limit: layout.width / 3))
        }
        var where_ = ""
        if let file = diff.fileIndex(containing: state.top) { where_ += "\(styler.dot)file \(file + 1)/\(diff.files.count)" }
        if let hunk = diff.hunkIndex(containing: state.top) { where_ += "\(styler.dot)hunk \(hunk + 1)/\(diff.hunks.count)" }
        let last = min(diff.lineCount, state.top + rows)
        where_ += "\(styler.dot)lines \(diff.lineCount == 0 ? 0 : state.top + 1)-\(last)/\(diff.lineCount)"
        if state.left > 0 { where_ += "\(styler.dot)col +\(state.left)" }
        heading.append(styler.label(where_ + " ", .borderFocused))
        DetailView.title(heading, into: &frame, x: 0, y: top, width: layout.width, role: .borderFocused, styler: styler)
        guard diff.lineCount > 0 else {
            frame.put(fitted: [styler.label("This diff is empty.", .dim)], x: 1, y: top + 1, width: layout.width - 1, asciiOnly: styler.asciiOnly)
            return
        }
        let numberWidth = max(3, String(largestLineNumber(diff)).count)
        let gutter = numberWidth * 2 + 3
        let textWidth = max(0, layout.width - gutter)
        for row in 0..<rows {
            let index = state.top + row
            guard index < diff.lineCount else { break }
            let line = diff.line(at: index)
            let y = top + 1 + row
            let (marker, role) = look(line.kind)
            if let old = line.oldNumber { QueueView.rightAligned(String(old), x: 0, width: numberWidth, y: y, role: .dim, into: &frame) }
            if let new = line.newNumber { QueueView.rightAligned(String(new), x: numberWidth + 1, width: numberWidth, y: y, role: .dim, into: &frame) }
            frame.put(label: styler.vertical, x: numberWidth * 2 + 1, y: y, role: .dim)
            frame.put(label: marker, x: numberWidth * 2 + 2, y: y, role: role)
            guard textWidth > 0 else { continue }
            let glyphs = TextSanitizer.singleLine(line.text, options: styler.options, maxColumns: state.left + textWidth + 1)
            let visible = TextLayout.dropColumns(glyphs, state.left)
            frame.put(
                TextLayout.fit(visible, width: textWidth, ellipsis: true, asciiOnly: styler.asciiOnly),
                x: gutter, y: y, limit: textWidth, role: role)
        }
    }

    /// The marker column and role for each kind of line: never colour alone.
    static func look(_ kind: DiffLine.Kind) -> (String, ThemeRole) {
        switch kind {
        case .added: ("+", .diffAdded)
        case .removed: ("-", .diffRemoved)
        case .context: (" ", .diffContext)
        case .hunkHeader: (" ", .diffHunk)
        case .fileHeader: (" ", .diffHunk)
        case .noNewlineMarker: (" ", .dim)
        case .meta: (" ", .dim)
        }
    }

    /// The widest line number any side reaches: the largest hunk end.
    static func largestLineNumber(_ diff: UnifiedDiff) -> Int {
        var largest = 1
        for hunk in diff.hunks {
            largest = max(largest, hunk.oldStart + hunk.oldCount, hunk.newStart + hunk.newCount)
        }
        return min(largest, 9_999_999)
    }
}
