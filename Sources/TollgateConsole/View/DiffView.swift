import TollgateCore

/// A diff, unified (both line numbers, one column of text) or side by side (old left, new
/// right), coloured by kind, the changed words of paired lines emphasised, paged and scrolled
/// sideways.
///
/// Only the lines in the window are sliced, sanitised and laid out, each no wider than the
/// window plus the horizontal offset, so a 200 000-line diff draws as fast as a 20-line one;
/// pairing and the side-by-side rows were worked out once, when the diff opened.
enum DiffView {
    /// How far right `l` may scroll, in columns.
    static let maxHorizontalScroll = 4_000
    /// Windows this wide open diffs side by side.
    static let sideBySideWidth = 160
    /// Narrower windows cannot show two useful halves, whatever `S` asked for.
    static let narrowestSideBySide = 60

    static func draw(_ state: DiffState, into frame: inout Frame, layout: Layout, styler: Styler) {
        let diff = state.parsed
        let top = layout.bodyTop
        let sideBySide = state.showsSideBySide(width: layout.width)
        heading(state, sideBySide: sideBySide, into: &frame, layout: layout, styler: styler)
        guard state.lineCount > 0 else {
            frame.put(fitted: [styler.label("This diff is empty.", .dim)], x: 1, y: top + 1, width: layout.width - 1, asciiOnly: styler.asciiOnly)
            return
        }
        let numberWidth = max(3, String(largestLineNumber(diff)).count)
        let painter = LinePainter(state: state, styler: styler, numberWidth: numberWidth)
        if let plan = state.plan {
            var y = top + 1
            frame.put(
                fitted: [styler.label(" Plan: ", .diffHunk)] + PlanSummaryRuns.counts(plan.summary, styler: styler), x: 0, y: y, width: layout.width,
                asciiOnly: styler.asciiOnly)
            if let addresses = PlanSummaryRuns.addresses(plan.summary, styler: styler, limit: layout.width) {
                y += 1
                frame.put(fitted: [styler.label(" ", .body)] + addresses, x: 0, y: y, width: layout.width, asciiOnly: styler.asciiOnly)
            }
            for row in 0..<max(0, layout.paneRows - state.pinnedRows) {
                let index = state.top + row
                guard index < plan.lineCount else { break }
                painter.planLine(plan.line(at: index), index: index, width: layout.width, y: y + 1 + row, into: &frame)
            }
            return
        }
        if sideBySide {
            let first = state.sideRows.row(ofLine: state.top)
            let half = (layout.width - 1) / 2
            for row in 0..<layout.paneRows {
                guard first + row < state.sideRows.count else { break }
                let y = top + 1 + row
                let shown = state.sideRows[first + row]
                if shown.isShared, diff.line(at: Int(shown.left)).kind != .context {
                    painter.across(Int(shown.left), x: 0, width: layout.width, y: y, into: &frame)
                    continue
                }
                painter.side(shown.left, old: true, x: 0, width: half, y: y, into: &frame)
                // A danger mark sits on the rule between the halves: only added lines have one.
                let marked = shown.right >= 0 && state.marks.labels(at: Int(shown.right)) != nil
                frame.put(label: marked ? "!" : styler.vertical, x: half, y: y, role: marked ? .danger : .dim)
                painter.side(shown.right, old: false, x: half + 1, width: layout.width - half - 1, y: y, into: &frame)
            }
            return
        }
        for row in 0..<layout.paneRows {
            let index = state.top + row
            guard index < diff.lineCount else { break }
            painter.unified(index, width: layout.width, y: top + 1 + row, into: &frame)
        }
    }

    /// `── Diff 1/2: title · file 1/3 · hunk 2/9 · lines 5-40/812 · side by side ──`.
    private static func heading(_ state: DiffState, sideBySide: Bool, into frame: inout Frame, layout: Layout, styler: Styler) {
        let diff = state.parsed
        var heading = [styler.label(" Diff \(state.diffIndex + 1)/\(state.diffs.count): ", .borderFocused)]
        if state.diffs.indices.contains(state.diffIndex) {
            heading.append(styler.text(state.diffs[state.diffIndex].title, .borderFocused, limit: layout.width / 3))
        }
        var where_ = ""
        if let file = diff.fileIndex(containing: state.top) { where_ += "\(styler.dot)file \(file + 1)/\(diff.files.count)" }
        if let hunk = diff.hunkIndex(containing: state.top) { where_ += "\(styler.dot)hunk \(hunk + 1)/\(diff.hunks.count)" }
        var last = min(state.lineCount, state.top + layout.paneRows - state.pinnedRows)
        if sideBySide, state.sideRows.count > 0 {
            let lastRow = state.sideRows[min(state.sideRows.count - 1, state.sideRows.row(ofLine: state.top) + layout.paneRows - 1)]
            last = Int(max(lastRow.left, lastRow.right)) + 1
        }
        where_ += "\(styler.dot)lines \(state.lineCount == 0 ? 0 : state.top + 1)-\(last)/\(state.lineCount)"
        if !state.marks.isEmpty { where_ += "\(styler.dot)\(state.marks.count) danger mark\(state.marks.count == 1 ? "" : "s")" }
        if state.left > 0 { where_ += "\(styler.dot)col +\(state.left)" }
        if sideBySide { where_ += "\(styler.dot)side by side" }
        heading.append(styler.label(where_ + " ", .borderFocused))
        DetailView.title(heading, into: &frame, x: 0, y: layout.bodyTop, width: layout.width, role: .borderFocused, styler: styler)
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

    /// The role of each kind of plan line: terraform's own marker (`+`, `-`, `~`, `-/+`) stays
    /// in the text, so meaning never rests on colour alone.
    static func look(_ kind: PlanLine.Kind) -> ThemeRole {
        switch kind {
        case .heading: .diffHunk
        case .added: .diffAdded
        case .removed: .diffRemoved
        // Terraform draws an in-place update in yellow, a replacement in red.
        case .changed: .riskMedium
        case .replaced: .danger
        case .read: .dim
        case .context: .diffContext
        }
    }

    /// The role of a kind's changed words, if its lines have any.
    static func emphasisRole(_ kind: DiffLine.Kind) -> ThemeRole? {
        switch kind {
        case .added: .diffAddedEmphasis
        case .removed: .diffRemovedEmphasis
        default: nil
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

    /// The columns, in the sanitised line, of each changed UTF-8 span of `text`, up to `limit`.
    ///
    /// A span's edges are measured by sanitising the text before them, the way the whole line
    /// is sanitised: placeholders, tabs and wide characters then count exactly as drawn, and
    /// emphasis only ever changes a cell's role, never its text or width.
    static func emphasisColumns(_ spans: [Range<Int>], in text: Substring, styler: Styler, limit: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        let utf8 = text.utf8
        func column(_ offset: Int) -> Int {
            let end = utf8.index(utf8.startIndex, offsetBy: min(offset, utf8.count))
            return TextSanitizer.singleLine(text[..<end], options: styler.options, maxColumns: limit).reduce(0) { $0 + max(0, $1.width) }
        }
        for span in spans {
            let start = column(span.lowerBound)
            guard start <= limit else { break }
            out.append(start..<column(span.upperBound))
        }
        return out
    }
}

/// Draws single diff lines: their numbers, marker and text, with emphasis.
private struct LinePainter {
    let state: DiffState
    let styler: Styler
    let numberWidth: Int

    /// `old new│+text`: one line of the unified view.
    func unified(_ index: Int, width: Int, y: Int, into frame: inout Frame) {
        let line = state.parsed.line(at: index)
        let (marker, role) = DiffView.look(line.kind)
        if let old = line.oldNumber { QueueView.rightAligned(String(old), x: 0, width: numberWidth, y: y, role: .dim, into: &frame) }
        if let new = line.newNumber { QueueView.rightAligned(String(new), x: numberWidth + 1, width: numberWidth, y: y, role: .dim, into: &frame) }
        frame.put(label: styler.vertical, x: numberWidth * 2 + 1, y: y, role: .dim)
        frame.put(label: marker, x: numberWidth * 2 + 2, y: y, role: role)
        // Only added lines are marked, and they have no old number: its first column is free.
        if state.marks.labels(at: index) != nil { frame.put(label: "!", x: 0, y: y, role: .danger) }
        let gutter = numberWidth * 2 + 3
        text(index, line.text, kind: line.kind, x: gutter, width: width - gutter, y: y, role: role, into: &frame)
    }

    /// `! text`: one line of a plan, the danger mark in its gutter.
    func planLine(_ line: PlanLine, index: Int, width: Int, y: Int, into frame: inout Frame) {
        if state.marks.labels(at: index) != nil { frame.put(label: "!", x: 0, y: y, role: .danger) }
        text(index, line.text, kind: nil, x: 2, width: width - 2, y: y, role: DiffView.look(line.kind), into: &frame)
    }

    /// A header or other text across both halves of the side-by-side view.
    func across(_ index: Int, x: Int, width: Int, y: Int, into frame: inout Frame) {
        let line = state.parsed.line(at: index)
        let (_, role) = DiffView.look(line.kind)
        frame.put(label: styler.vertical, x: x + numberWidth, y: y, role: .dim)
        let gutter = numberWidth + 2
        text(index, line.text, kind: line.kind, x: x + gutter, width: width - gutter, y: y, role: role, into: &frame)
    }

    /// `num│-text`: one half of a side-by-side row; a blank half keeps only its rule.
    func side(_ index: Int32, old: Bool, x: Int, width: Int, y: Int, into frame: inout Frame) {
        frame.put(label: styler.vertical, x: x + numberWidth, y: y, limit: width - numberWidth, role: .dim)
        guard index >= 0 else { return }
        let line = state.parsed.line(at: Int(index))
        let (marker, role) = DiffView.look(line.kind)
        if let number = old ? line.oldNumber : line.newNumber {
            QueueView.rightAligned(String(number), x: x, width: numberWidth, y: y, role: .dim, into: &frame)
        }
        frame.put(label: marker, x: x + numberWidth + 1, y: y, limit: width - numberWidth - 1, role: role)
        let gutter = numberWidth + 2
        text(Int(index), line.text, kind: line.kind, x: x + gutter, width: width - gutter, y: y, role: role, into: &frame)
    }

    /// The line's text scrolled by `state.left`, cut with an ellipsis, its changed words
    /// emphasised, and a marked line's danger labels at its right end.
    private func text(_ index: Int, _ text: Substring, kind: DiffLine.Kind?, x: Int, width fullWidth: Int, y: Int, role: ThemeRole, into frame: inout Frame) {
        var width = fullWidth
        if let labels = state.marks.labels(at: index), fullWidth > 12 {
            let tag = styler.text(" ! " + labels.joined(separator: ", ") + " ", .danger, limit: fullWidth / 2)
            let used = tag.glyphs.reduce(0) { $0 + max(0, $1.width) }
            width = fullWidth - used
            frame.put([tag], x: x + width, y: y, limit: used)
        }
        guard width > 0 else { return }
        let limit = state.left + width + 1
        let glyphs = TextSanitizer.singleLine(text, options: styler.options, maxColumns: limit)
        let fitted = TextLayout.fit(TextLayout.dropColumns(glyphs, state.left), width: width, ellipsis: true, asciiOnly: styler.asciiOnly)
        let spans = state.pairing.emphasis(of: index)
        guard let emphasis = kind.flatMap(DiffView.emphasisRole), !spans.isEmpty else {
            frame.put(fitted, x: x, y: y, limit: width, role: role)
            return
        }
        let columns = DiffView.emphasisColumns(spans, in: text, styler: styler, limit: limit)
        // Runs of glyphs of one role, each put at once: the role of a glyph is where it starts.
        var column = state.left
        var start = 0
        var runRole = role
        var used = 0
        for (i, glyph) in fitted.enumerated() {
            let glyphRole = columns.contains { $0.contains(column) } ? emphasis : role
            if glyphRole != runRole, i > start {
                used += frame.put(fitted[start..<i], x: x + used, y: y, limit: width - used, role: runRole)
                start = i
            }
            runRole = glyphRole
            column += max(0, glyph.width)
        }
        frame.put(fitted[start...], x: x + used, y: y, limit: width - used, role: runRole)
    }
}
