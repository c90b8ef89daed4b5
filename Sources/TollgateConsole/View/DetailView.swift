import TollgateCore

/// An action's detail: a title, a live status line, a banner when something changed, then the
/// laid-out document, scrolled.
enum DetailView {
    /// Rows between the pane title and the document: the status line and the banner.
    static let fixedRows = 2

    static func draw(
        _ model: ConsoleModel, scroll: Int, focused: Bool, into frame: inout Frame,
        x: Int, width: Int, layout: Layout, styler: Styler
    ) {
        let top = layout.bodyTop
        let border: ThemeRole = focused ? .borderFocused : .borderUnfocused
        guard let subject = model.detailSubject else {
            title([styler.label(" Detail ", border)], into: &frame, x: x, y: top, width: width, role: border, styler: styler)
            let text =
                switch model.queueList.id.flatMap({ model.recordRequests[$0] }) {
                case .cache: "Reading the full record from the local cache."
                case .server: "Not in the local cache; asking the server for the full record."
                case .failed: "Could not fetch the full record from the server; Enter asks again."
                case nil: "Nothing selected."
                }
            frame.put(fitted: [styler.label(text, .dim)], x: x + 1, y: top + 1, width: width - 1, asciiOnly: styler.asciiOnly)
            return
        }
        let action = subject.action
        let document =
            model.detailDocument.flatMap { $0.matches(action, width: width, asciiOnly: styler.asciiOnly) ? $0 : nil }
            ?? DetailDocument(action, width: width, asciiOnly: styler.asciiOnly, danger: model.danger)
        let rows = max(0, layout.paneRows - fixedRows)
        let first = max(0, min(scroll, document.lines.count - rows))
        var heading = [styler.label(" Detail: ", border), styler.text(action.kind, border, limit: width / 2)]
        if document.lines.count > rows {
            heading.append(styler.label(" [\(first + 1)-\(min(first + rows, document.lines.count))/\(document.lines.count)] ", border))
        } else {
            heading.append(styler.label(" ", border))
        }
        title(heading, into: &frame, x: x, y: top, width: width, role: border, styler: styler)
        frame.put(
            fitted: statusLine(action, key: subject.key, stillNeeded: document.stillNeeded, model: model, styler: styler), x: x, y: top + 1,
            width: width,
            asciiOnly: styler.asciiOnly)
        if let banner = banner(subject, model: model, styler: styler) {
            frame.put(fitted: banner, x: x, y: top + 2, width: width, asciiOnly: styler.asciiOnly)
        }
        for row in 0..<rows {
            let index = first + row
            guard index < document.lines.count else { break }
            frame.put(document.lines[index], x: x, y: top + 1 + fixedRows + row, limit: width)
        }
    }

    /// `── Detail: kind ───────`: the pane's title row.
    static func title(_ runs: [Run], into frame: inout Frame, x: Int, y: Int, width: Int, role: ThemeRole, styler: Styler) {
        guard width > 0 else { return }
        frame.fill(x: x, y: y, count: width, role: role, text: styler.horizontal)
        frame.put(runs, x: x + min(2, width), y: y, limit: max(0, width - 4))
    }

    /// Status, countdown, quorum and risk, recomputed every frame (they change with the clock);
    /// `stillNeeded` is the document's, worked out once per change of the action.
    static func statusLine(_ action: Action, key: ActionKey, stillNeeded: String?, model: ConsoleModel, styler: Styler) -> [Run] {
        var runs = [styler.label(" " + action.status.rawValue.uppercased(), .status(action.status))]
        if action.status == .pending {
            let seconds = Format.secondsLeft(from: model.now, to: action.expiresAt)
            runs.append(
                seconds == 0
                    ? styler.label(styler.dot + "expired", .statusExpired)
                    : styler.label(styler.dot + "expires in " + Format.duration(seconds), seconds < 60 ? .danger : .body))
            if action.escalatedAt != nil {
                runs += [styler.label(styler.dot, .body), styler.label(QueueView.escalatedMarker, .alert)]
            }
        }
        runs.append(styler.label(styler.dot + "approvals \(action.approvalCount)/\(action.requiredApprovals)", .body))
        runs.append(styler.label(styler.dot + "risk ", .body))
        runs.append(styler.label(Format.risk(action.risk), .risk(action.risk)))
        if let env = action.environment {
            runs.append(styler.label(styler.dot, .body))
            runs.append(styler.text(env, .body, limit: 30))
        }
        // After the risk, which a narrow pane must not lose to it.
        if let stillNeeded { runs.append(styler.text(styler.dot + stillNeeded, .statusPending, limit: 120)) }
        if model.isFleet {
            // Several servers: which one it is on, as the configuration names it.
            let name = model.server(key.server)?.name ?? model.history.items.first { $0.key == key }?.serverName ?? "?"
            runs += [styler.label(styler.dot + "server ", .body), styler.text(name, .body, limit: 40)]
        }
        if let outcome = model.outcomes[key] {
            runs.append(styler.label(styler.dot, .body))
            runs.append(styler.text(outcome.text, outcome.role, limit: 120))
        }
        return runs
    }

    /// The one line that says why approve/deny do not apply, if they do not.
    static func banner(_ subject: (key: ActionKey, action: Action, readOnly: Bool, opened: Action), model: ConsoleModel, styler: Styler) -> [Run]? {
        let action = subject.action
        let me = model.server(subject.key.server)?.me
        if let glass = action.decisions.first(where: \.breakGlass) {
            // Whoever broke the glass, and why, before anything else: no one may miss it.
            var runs = [styler.label(" BREAK-GLASS approval by ", .alert), styler.text(glass.approver, .alert, limit: 40)]
            if !glass.reason.isEmpty { runs += [styler.label(": ", .alert), styler.text(glass.reason, .alert, limit: 200)] }
            return runs
        }
        if let rule = action.resolvingRule {
            return [
                styler.label(" Closed: \(action.status.rawValue) at submission by ", .status(action.status)),
                styler.text(rule.decider, .status(action.status), limit: 70),
            ]
        }
        if !subject.readOnly, subject.opened.status == .pending, action.status != .pending {
            // Resolved by the approver's own vote: that is no news, only confirmation.
            if let me, let last = action.decisions.last, action.decisions.count > subject.opened.decisions.count,
                Identity.same(last.approver, me.id)
            {
                let verb = last.verdict == .approve ? "approval" : "denial"
                return [styler.label(" Your \(verb) was recorded: the action is now \(action.status.rawValue)", .status(action.status))]
            }
            var text = " RESOLVED while you were reading: now \(action.status.rawValue)"
            if action.status == .approved || action.status == .denied, let last = action.decisions.last {
                return [
                    styler.label(text + " by ", .danger), styler.text(last.approver, .danger, limit: 40),
                    styler.label("; approve and deny no longer apply", .danger),
                ]
            }
            text += "; approve and deny no longer apply"
            return [styler.label(text, .danger)]
        }
        if action.status != .pending {
            return [styler.label(" Closed: \(action.status.rawValue)", .status(action.status))]
        }
        if subject.readOnly { return [styler.label(" From the local history (read-only)", .dim)] }
        if let me, action.isRequested(by: me.id) {
            return [styler.label(" You requested this action (or it runs for you): someone else must decide it", .danger)]
        }
        if let me, action.hasDecision(by: me.id) {
            return [styler.label(" You have voted on this action", .dim)]
        }
        if let me, let why = model.rows[subject.key].flatMap({ $0.ineligibility(of: me) }) {
            return [styler.label(" ", .dim), styler.text(why + ": approve is not offered", .dim, limit: 200)]
        }
        if Format.secondsLeft(from: model.now, to: action.expiresAt) == 0 {
            return [styler.label(" Expired: it can no longer be decided", .danger)]
        }
        return nil
    }
}
