import TollgateCore

/// The bulk decision screen: a title, a line of what to know, column titles, then a table of
/// the actions it decides and of those it leaves out and why; after the confirmation, the same
/// table with each action's answer. Agent text goes through the sanitiser as in the queue.
enum BulkView {
    /// Rows above the table: the title, the notes, the column titles.
    static let fixedRows = 3

    /// Table lines that fit on screen.
    static func tableRows(_ layout: Layout) -> Int { max(0, layout.bodyHeight - fixedRows) }

    /// Column widths for a width; the server column only when several servers are followed,
    /// the result column only once sent.
    struct Columns: Hashable {
        static let gutter = 2
        static let risk = 4
        var server = 0, kind = 0, requester = 0, result = 0
        var summary = 0

        init(width: Int, fleet: Bool, results: Bool) {
            if width >= 110 {
                (kind, requester, result) = (16, 22, results ? 30 : 0)
                if fleet { server = 10 }
            } else if width >= 76 {
                // Once sent, the answer matters more than who asked: it takes the requester's place.
                (kind, requester, result) = results ? (11, 0, 28) : (11, 13, 0)
                if fleet { server = 8 }
            } else {
                result = results ? 16 : 0
                if fleet { server = 6 }
            }
            let others = [server, kind, requester, result].reduce(0) { $0 + ($1 > 0 ? $1 + 1 : 0) }
            summary = max(1, width - Self.gutter - (Self.risk + 1) - others)
        }
    }

    static func draw(_ state: BulkState, model: ConsoleModel, into frame: inout Frame, layout: Layout, styler: Styler) {
        let width = layout.width
        DetailView.title(
            [styler.label(" " + title(state) + " ", .borderFocused)], into: &frame, x: 0, y: layout.bodyTop,
            width: width, role: .borderFocused, styler: styler)
        frame.put(fitted: notes(state, styler: styler), x: 0, y: layout.bodyTop + 1, width: width, asciiOnly: styler.asciiOnly)
        let columns = Columns(width: width, fleet: model.isFleet, results: state.phase == .results)
        drawTitles(columns, y: layout.bodyTop + 2, into: &frame)
        let top = layout.bodyTop + fixedRows
        for row in 0..<tableRows(layout) {
            guard let line = state.line(state.scroll + row) else { break }
            let y = top + row
            switch line {
            case .action(let action):
                drawRow(
                    action, result: state.phase == .results ? resultRun(state, action, styler) : nil, model: model, columns: columns, y: y, into: &frame,
                    styler: styler)
            case .blank:
                continue
            case .excludedHeading:
                let text = state.phase == .results ? " Left out, not sent (still marked):" : " Left out (they stay marked):"
                frame.put(fitted: [styler.label(text, .header)], x: 0, y: y, width: width, asciiOnly: styler.asciiOnly, padRole: .header)
            case .excluded(let action):
                let result = state.phase == .results ? styler.label("not sent", .dim) : nil
                drawRow(action, result: result, model: model, columns: columns, y: y, into: &frame, styler: styler)
            case .why(let why):
                // Mostly the console's words, but eligibility names the server's groups: sanitised.
                frame.put(
                    fitted: [styler.label("    left out: ", .dim), styler.text(why, .toastWarn, limit: width)], x: 0, y: y, width: width,
                    asciiOnly: styler.asciiOnly)
            }
        }
    }

    /// "Deny 3 marked actions", "Approve 2 of 5 marked actions", "Bulk deny: 3 sent".
    static func title(_ state: BulkState) -> String {
        let verb = state.verdict == .approve ? "approve" : "deny"
        let sent = state.included.count
        if state.phase == .results { return "Bulk \(verb): \(sent) sent" }
        let marked = sent + state.excluded.count
        let noun = marked == 1 ? "action" : "actions"
        guard sent > 0 else { return "\(verb.capitalized): none of the \(marked) marked \(noun)" }
        return sent == marked ? "\(verb.capitalized) \(sent) marked \(noun)" : "\(verb.capitalized) \(sent) of \(marked) marked \(noun)"
    }

    /// What else to know: what was left out, dropped or hidden; once sent, the answers so far.
    static func notes(_ state: BulkState, styler: Styler) -> [Run] {
        var parts: [String] = []
        if state.phase == .results {
            let tally = state.tally
            parts.append("\(tally.accepted) accepted")
            parts.append("\(tally.refused) refused or too late")
            parts.append("\(tally.waiting) waiting for an answer")
        } else {
            if !state.excluded.isEmpty { parts.append("\(state.excluded.count) left out, listed below") }
            if state.eligibleSinceOpening > 0 { parts.append("\(state.eligibleSinceOpening) more became eligible: reopen to include them") }
            if state.dropped > 0 {
                let whileOpen = state.dropped - state.droppedAtOpen
                parts.append(
                    "\(state.dropped) dropped since marking (resolved or gone)" + (whileOpen > 0 ? ", \(whileOpen) while this preview was open" : ""))
            }
            if state.hidden > 0 { parts.append("\(state.hidden) hidden by the filter, included all the same") }
            if parts.isEmpty { parts.append("nothing is sent until you confirm with y") }
        }
        var runs = [styler.label(" " + parts.joined(separator: styler.dot), .dim)]
        if state.phase == .results, !state.reason.isEmpty {
            runs += [styler.label(styler.dot + "reason: ", .dim), styler.text(state.reason, .body, limit: 200)]
        }
        return runs
    }

    static func drawTitles(_ columns: Columns, y: Int, into frame: inout Frame) {
        var x = Columns.gutter
        for (text, w) in [
            ("RISK", Columns.risk), ("SERVER", columns.server), ("KIND", columns.kind), ("SUMMARY", columns.summary),
            ("REQUESTER", columns.requester), ("RESULT", columns.result),
        ] where w > 0 {
            frame.put(label: String(text.prefix(w)), x: x, y: y, role: .dim)
            x += w + 1
        }
    }

    /// One action: risk, server, kind, summary and requester, then its answer when sent.
    static func drawRow(
        _ action: QueueRow, result: Run?, model: ConsoleModel, columns: Columns, y: Int, into frame: inout Frame, styler: Styler
    ) {
        var x = Columns.gutter
        func cell(_ runs: [Run], _ w: Int) {
            guard w > 0 else { return }
            frame.put(fitted: runs, x: x, y: y, width: w, asciiOnly: styler.asciiOnly)
            x += w + 1
        }
        cell([styler.label(Format.risk(action.risk), .risk(action.risk))], Columns.risk)
        cell([styler.text(model.server(action.server)?.name ?? "?", .body, limit: columns.server)], columns.server)
        cell([styler.text(action.kind, .body, limit: columns.kind)], columns.kind)
        cell([styler.text(action.summary, .body, limit: columns.summary)], columns.summary)
        var requester = [styler.text(action.requesterID, .body, limit: columns.requester)]
        if let onBehalf = action.onBehalfOf {
            requester += [styler.label(" for ", .dim), styler.text(onBehalf, .body, limit: columns.requester)]
        }
        cell(requester, columns.requester)
        if let result { cell([result], columns.result) }
    }

    /// The answer to one sent decision, or that it is still on its way.
    static func resultRun(_ state: BulkState, _ action: QueueRow, _ styler: Styler) -> Run {
        guard let result = state.results[action.key] else { return styler.label("sending...", .dim) }
        return styler.text(result.outcome.text, result.outcome.role, limit: 60)
    }
}
