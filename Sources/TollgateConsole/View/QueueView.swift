import TollgateCore

/// The queue: one line per pending action, most urgent first, the selection marked in the gutter.
///
/// The selected row is marked by a glyph in column 0 only, never a full-width bar: moving the
/// selection changes two cells, which is a handful of bytes over SSH.
///
/// The gutter is the selection (column 0) and the escalation mark (column 1); while any row is
/// marked for a bulk decision it grows a third column for that mark, so each of the three
/// keeps a cell of its own and none hides another. A console that never marks keeps every
/// column it has; marking shifts the list right by one column once.
enum QueueView {
    /// Column widths for a list width; columns drop out as the terminal narrows.
    struct Columns: Hashable {
        /// Selection and escalation, and the bulk mark while there are marks.
        var gutter = 2
        static let risk = 4
        var server = 0, kind = 0, requester = 0, environment = 0, age = 0, left = 7, quorum = 3
        var summary = 0

        /// `fleet`: several servers are followed, so each row names its own; `marking`: some
        /// rows are marked, so the gutter has a column for the mark.
        init(width: Int, fleet: Bool = false, marking: Bool = false) {
            if marking { gutter = 3 }
            if width >= 110 {
                (kind, requester, environment, age) = (16, 22, 11, 4)
                if fleet { server = 10 }
            } else if width >= 76 {
                (kind, requester, environment, age) = (11, 13, 7, 3)
                if fleet { server = 8 }
            } else if width < 40 {
                quorum = 0
            } else if fleet {
                server = 6
            }
            let leading = [server, kind].reduce(0) { $0 + ($1 > 0 ? $1 + 1 : 0) }
            let trailing = [requester, environment, age, left, quorum].reduce(0) { $0 + ($1 > 0 ? $1 + 1 : 0) }
            summary = max(1, width - gutter - (Self.risk + 1) - leading - trailing)
        }
    }

    static func draw(_ model: ConsoleModel, into frame: inout Frame, layout: Layout, styler: Styler) {
        let columns = Columns(width: layout.listWidth, fleet: model.isFleet, marking: !model.marks.isEmpty)
        drawTitles(columns, into: &frame, y: layout.bodyTop, width: layout.listWidth, styler: styler)
        let position = model.queueList
        guard model.queue.count > 0 else {
            let text: String
            if model.queue.totalCount > 0 {
                text = "No pending action matches the filter (Esc clears it)."
            } else if model.followedServers.contains(where: { model.server($0)?.connection == .live }) {
                text = "No pending actions. New requests appear here as they arrive."
            } else {
                text = "No pending actions known yet; waiting for the server."
            }
            frame.put(fitted: [styler.label(text, .dim)], x: 2, y: layout.listTop, width: layout.listWidth - 2, asciiOnly: styler.asciiOnly)
            return
        }
        let focused = model.focus == .list
        for row in 0..<layout.listRows {
            let index = position.top + row
            guard let id = model.queue.id(at: index), let queued = model.rows[id] else { break }
            let y = layout.listTop + row
            drawRow(
                queued, model: model, columns: columns, y: y, selected: index == position.index,
                focused: focused, into: &frame, styler: styler)
        }
    }

    static func drawTitles(_ columns: Columns, into frame: inout Frame, y: Int, width: Int, styler: Styler) {
        var x = columns.gutter
        func title(_ text: String, _ w: Int, right: Bool = false) {
            guard w > 0 else { return }
            let t = String(text.prefix(w))
            frame.put(label: t, x: right ? x + w - t.count : x, y: y, role: .dim)
            x += w + 1
        }
        title("RISK", Columns.risk)
        title("SERVER", columns.server)
        title("KIND", columns.kind)
        title("SUMMARY", columns.summary)
        title("REQUESTER", columns.requester)
        title("ENV", columns.environment)
        title("AGE", columns.age, right: true)
        title("LEFT", columns.left, right: true)
        title("OK", columns.quorum, right: true)
    }

    static func drawRow(
        _ action: QueueRow, model: ConsoleModel, columns: Columns, y: Int, selected: Bool,
        focused: Bool, into frame: inout Frame, styler: Styler
    ) {
        let resolved = action.status != .pending
        let textRole: ThemeRole = resolved ? .dim : .body
        if selected {
            frame.put(label: styler.marker, x: 0, y: y, role: focused ? .selectedFocused : .selectedUnfocused)
        }
        let escalated = !resolved && action.escalatedAt != nil
        if escalated {
            // Beside the selection marker, never under it: moving the selection still changes
            // one cell per row, and the mark stays a character where there is no colour.
            frame.put(label: escalationMark, x: 1, y: y, role: .alert)
        }
        if columns.gutter > 2, model.marks.contains(action.key) {
            frame.put(label: bulkMark(styler), x: 2, y: y, role: .selectedUnfocused)
        }
        var x = columns.gutter
        frame.put(fitted: [styler.label(Format.risk(action.risk), .risk(action.risk))], x: x, y: y, width: Columns.risk, asciiOnly: styler.asciiOnly)
        x += Columns.risk + 1
        if columns.server > 0 {
            // Server names are the approver's own configuration, but still drawn as text from outside.
            let name = model.server(action.server)?.name ?? "?"
            frame.put(fitted: [styler.text(name, textRole, limit: columns.server)], x: x, y: y, width: columns.server, asciiOnly: styler.asciiOnly)
            x += columns.server + 1
        }
        if columns.kind > 0 {
            frame.put(fitted: [styler.text(action.kind, textRole, limit: columns.kind)], x: x, y: y, width: columns.kind, asciiOnly: styler.asciiOnly)
            x += columns.kind + 1
        }
        var summary: [Run] = []
        let outcome = model.outcomes[action.key]
        if resolved && outcome?.sending != false {
            summary.append(styler.label("[\(action.status.rawValue)] ", .status(action.status)))
        } else if !resolved, model.server(action.server)?.isStale == true, model.isFleet {
            // Its server's feed is down: the row is what was last heard, and may have changed since.
            summary.append(styler.label(staleMarker + " ", .toastWarn))
        }
        if escalated {
            summary.append(styler.label(escalatedMarker, .alert))
            summary.append(styler.label(" ", textRole))
        }
        if action.breakGlass {
            summary.append(styler.label(breakGlassMarker, .alert))
            summary.append(styler.label(" ", textRole))
        }
        if let outcome {
            summary.append(styler.text(outcome.text, outcome.role, limit: columns.summary))
            summary.append(styler.label(styler.dot, .dim))
        }
        if !resolved, let needs = action.needs.short {
            // Group names are the server's configuration, not the console's own text: sanitised.
            summary.append(styler.text(needs, .statusPending, limit: columns.summary))
            summary.append(styler.label(styler.dot, .dim))
        }
        summary.append(styler.text(action.summary, textRole, limit: columns.summary))
        frame.put(fitted: summary, x: x, y: y, width: columns.summary, asciiOnly: styler.asciiOnly)
        x += columns.summary + 1
        if columns.requester > 0 {
            var runs = [styler.text(action.requesterID, textRole, limit: columns.requester)]
            if let onBehalf = action.onBehalfOf {
                runs += [styler.label(" for ", .dim), styler.text(onBehalf, textRole, limit: columns.requester)]
            }
            frame.put(fitted: runs, x: x, y: y, width: columns.requester, asciiOnly: styler.asciiOnly)
            x += columns.requester + 1
        }
        if columns.environment > 0 {
            frame.put(
                fitted: [styler.text(action.environment ?? "-", textRole, limit: columns.environment)],
                x: x, y: y, width: columns.environment, asciiOnly: styler.asciiOnly)
            x += columns.environment + 1
        }
        if columns.age > 0 {
            let age = Format.age(Int(action.createdAt.seconds(until: model.now)))
            rightAligned(age, x: x, width: columns.age, y: y, role: .dim, into: &frame)
            x += columns.age + 1
        }
        if columns.left > 0 {
            let (text, role) = timeLeft(action, now: model.now)
            rightAligned(text, x: x, width: columns.left, y: y, role: role, into: &frame)
            x += columns.left + 1
        }
        if columns.quorum > 0 {
            rightAligned("\(action.approvalCount)/\(action.requiredApprovals)", x: x, width: columns.quorum, y: y, role: .dim, into: &frame)
        }
    }

    /// The mark of a pending row whose server is not streaming now (several servers followed).
    static let staleMarker = "[stale]"
    /// The mark of a break-glass approval on a row, painted in the alert role.
    static let breakGlassMarker = "BREAK-GLASS"
    /// The marks of a pending action whose escalation has started, in the alert role: a word
    /// before the summary, and a gutter cell that a narrow summary column cannot cut.
    static let escalatedMarker = "ESCALATED"
    static let escalationMark = "!"

    /// The gutter mark of a row marked for a bulk decision: a character, never colour alone.
    static func bulkMark(_ styler: Styler) -> String { styler.asciiOnly ? "*" : "●" }

    /// The countdown to expiry, red in the last minute; the status once resolved.
    static func timeLeft(_ action: QueueRow, now: Timestamp) -> (String, ThemeRole) {
        guard action.status == .pending else { return ("-", .dim) }
        let seconds = Format.secondsLeft(from: now, to: action.expiresAt)
        if seconds == 0 { return ("expired", .statusExpired) }
        return (Format.countdown(seconds), seconds < 60 ? .danger : .body)
    }

    static func rightAligned(_ text: String, x: Int, width: Int, y: Int, role: ThemeRole, into frame: inout Frame) {
        let t = String(text.suffix(width))
        frame.put(label: t, x: x + width - t.count, y: y, role: role)
    }
}
