import TollgateCore

/// The two bottom lines: the prompt, a toast or a position line; then the keys that work now.
enum StatusLineView {
    static func draw(_ model: ConsoleModel, into frame: inout Frame, layout: Layout, styler: Styler) {
        let y = layout.statusRow
        if let prompt = model.prompt {
            drawPrompt(prompt, model: model, into: &frame, layout: layout, styler: styler)
        } else if let toast = model.toast {
            let role: ThemeRole =
                switch toast.level {
                case .info: .toastInfo
                case .warn: .toastWarn
                case .error: .toastError
                }
            frame.put(
                fitted: [styler.label(" ", role), styler.text(toast.text, role, limit: layout.width)],
                x: 0, y: y, width: layout.width, asciiOnly: styler.asciiOnly, padRole: role)
        } else {
            frame.put(fitted: [styler.label(position(model, styler), .dim)], x: 0, y: y, width: layout.width, asciiOnly: styler.asciiOnly)
        }
        let hints = hints(model, styler: styler)
        frame.put(fitted: hints, x: 0, y: layout.hintsRow, width: layout.width, asciiOnly: styler.asciiOnly, padRole: .keyHints)
    }

    /// Where the selection is and how the list is shaped: one or two cells change per `j`.
    static func position(_ model: ConsoleModel, _ styler: Styler) -> String {
        var parts: [String] = []
        let inHistory = model.onHistoryList || model.screens.contains { if case .history = $0 { true } else { false } }
        if case .bulk(let state) = model.screen {
            let shown = BulkView.tableRows(Layout(model.size, split: false))
            let last = min(state.lineCount, state.scroll + shown)
            parts.append(state.lineCount == 0 ? "nothing listed" : "lines \(state.scroll + 1)-\(last) of \(state.lineCount)")
        } else if inHistory {
            let h = model.history
            parts.append(h.items.isEmpty ? "history" : "\(h.list.index + 1)/\(h.items.count)\(h.exhausted ? "" : "+")")
            if h.loading { parts.append("loading...") }
            if !h.filter.isEmpty { parts.append("filter: \(h.filter.summary)") }
        } else {
            let count = model.queue.count
            parts.append(count == 0 ? "queue empty" : "\(model.queueList.index + 1)/\(count)")
            if !model.marks.isEmpty {
                parts.append("\(model.marks.count) marked" + (model.marks.range == nil ? "" : " (range: V ends it)"))
            }
            parts.append("sort: \(model.queue.sort.rawValue)")
            if !model.queue.filter.isEmpty { parts.append("filter: \(model.queue.filter.summary)") }
        }
        parts.append("theme: \(model.themeName)")
        return " " + parts.joined(separator: styler.dot)
    }

    // MARK: - Prompts

    static func drawPrompt(_ prompt: Prompt, model: ConsoleModel, into frame: inout Frame, layout: Layout, styler: Styler) {
        let y = layout.statusRow
        frame.fill(y: y, role: .prompt)
        var label: [Run]
        switch prompt.kind {
        case .confirm(let intent):
            label = confirmation(intent, model: model, styler: styler, width: layout.width)
            frame.put(fitted: label, x: 0, y: y, width: layout.width, asciiOnly: styler.asciiOnly, padRole: .prompt)
            return
        case .reason(let verdict, _):
            label = [styler.label(verdict == .deny ? " Reason to deny: " : " Reason to approve (critical): ", .prompt)]
            if verdict == .deny && prompt.editor.isEmpty { drawCannedReasons(into: &frame, layout: layout, styler: styler) }
        case .breakGlassReason:
            label = [styler.label(" ", .prompt), styler.label("BREAK GLASS", .alert), styler.label(" What broke? ", .prompt)]
        case .command:
            label = [styler.label(" :", .prompt)]
        case .search(let context):
            label = [styler.label(context == .history ? " Search history: " : " Filter: ", .prompt)]
        case .bulkReason:
            label = [styler.label(" Reason to deny all \(bulkCount(model)): ", .prompt)]
            if prompt.editor.isEmpty { drawCannedReasons(into: &frame, layout: layout, styler: styler) }
        case .bulkReview:
            let text = " Approve the \(bulkCount(model)) listed? Enter goes on to the confirmation, Esc cancels "
            frame.put(fitted: [styler.label(text, .prompt)], x: 0, y: y, width: layout.width, asciiOnly: styler.asciiOnly, padRole: .prompt)
            return
        case .bulkConfirm(let verdict, let reason):
            label = bulkConfirmation(verdict, reason: reason, count: bulkCount(model), styler: styler, width: layout.width)
            frame.put(fitted: label, x: 0, y: y, width: layout.width, asciiOnly: styler.asciiOnly, padRole: .prompt)
            return
        }
        let labelWidth = label.reduce(0) { $0 + $1.glyphs.count }
        var x = frame.put(label, x: 0, y: y, limit: layout.width)
        if let problem = prompt.problem {
            let note = styler.label(" (\(problem)) ", .toastError)
            let room = layout.width - x
            if note.glyphs.count < room - 8 {
                frame.put(note.glyphs, x: layout.width - note.glyphs.count, y: y, role: .toastError)
            }
        }
        let room = max(0, layout.width - labelWidth - 1 - (prompt.problem.map { $0.count + 4 } ?? 0))
        x = labelWidth
        drawEditor(prompt.editor, x: x, y: y, width: room, into: &frame, styler: styler)
    }

    /// The part of the editor's text around the cursor that fits, and the cursor placed in it.
    static func drawEditor(_ editor: LineEditor, x: Int, y: Int, width: Int, into frame: inout Frame, styler: Styler) {
        guard width > 0 else { return }
        // Lay out only a window around the cursor: a 4 KB paste never costs more than a line.
        let chars = editor.characters
        let start = max(0, editor.cursor - width)
        let end = min(chars.count, editor.cursor + width)
        let before = TextSanitizer.singleLine(String(chars[start..<editor.cursor]), options: styler.options)
        let after = TextSanitizer.singleLine(String(chars[editor.cursor..<end]), options: styler.options)
        var beforeCols = before.reduce(0) { $0 + $1.width }
        var head = before[...]
        while beforeCols > width - 1, let first = head.first {
            beforeCols -= first.width
            head = head.dropFirst()
        }
        let used = frame.put(head, x: x, y: y, limit: width, role: .prompt)
        frame.put(after, x: x + used, y: y, limit: width - used, role: .prompt)
        frame.cursor = Frame.Position(x: x + used, y: y)
    }

    /// The confirmation question, its summary cut so that `[y/N]` fits in `width` columns.
    static func confirmation(_ intent: DecisionIntent, model: ConsoleModel, styler: Styler, width: Int = .max) -> [Run] {
        let action = model.rows[intent.actionID]
        var head = [styler.label(" \(intent.verdict == .approve ? "Approve" : "Deny") ", .prompt)]
        if intent.breakGlass {
            head = [styler.label(" ", .prompt), styler.label("BREAK GLASS", .alert), styler.label(" Approve ALONE ", .prompt)]
        }
        let question = styler.label("? [y/N] ", .prompt)
        guard let action else { return head + [question] }
        head.append(styler.clipped(action.kind, .prompt, width: 30))
        head.append(styler.label(" \"", .prompt))
        let tail = [
            styler.label("\", risk ", .prompt), styler.label(Format.risk(action.risk), .risk(action.risk)), styler.label(" in ", .prompt),
            styler.clipped(action.environment ?? "no environment", .prompt, width: 20), question,
        ]
        let fixed = (head + tail).reduce(0) { $0 + $1.glyphs.reduce(0) { $0 + max(0, $1.width) } }
        let room = width == .max ? 40 : max(8, min(40, width - fixed))
        return head + [styler.clipped(action.summary, .prompt, width: room)] + tail
    }

    /// How many actions the bulk preview on screen would decide.
    static func bulkCount(_ model: ConsoleModel) -> Int {
        if case .bulk(let state) = model.screen { return state.included.count }
        return 0
    }

    /// "Deny 3 marked actions with reason "…"? [y/N]", the reason cut so that `[y/N]` fits.
    static func bulkConfirmation(_ verdict: Verdict, reason: String, count: Int, styler: Styler, width: Int) -> [Run] {
        let noun = count == 1 ? "action" : "actions"
        let question = styler.label("? [y/N] ", .prompt)
        guard verdict == .deny else { return [styler.label(" Approve \(count) marked \(noun), none of them critical", .prompt), question] }
        let head = styler.label(" Deny \(count) marked \(noun) with reason \"", .prompt)
        let room = max(8, min(60, width - head.glyphs.count - 10))
        return [head, styler.clipped(reason, .prompt, width: room), styler.label("\"", .prompt), question]
    }

    static func drawCannedReasons(into frame: inout Frame, layout: Layout, styler: Styler) {
        let count = CannedReasons.deny.count
        let top = layout.statusRow - count
        guard top > layout.bodyTop else { return }
        for (i, reason) in CannedReasons.deny.enumerated() {
            frame.put(
                fitted: [styler.label("  \(i + 1)  \(reason)", .prompt)], x: 0, y: top + i, width: min(layout.width, 60),
                asciiOnly: styler.asciiOnly, padRole: .prompt)
        }
    }

    // MARK: - Key hints

    /// The keys that do something now, from the key map, in its order.
    static func hints(_ model: ConsoleModel, styler: Styler) -> [Run] {
        var pairs: [(String, String)] = []
        var why: (after: Int, key: String, text: String)?
        if let prompt = model.prompt {
            let kind = promptKind(prompt.kind)
            for key in KeyMap.promptKeys where key.kinds.contains(kind) {
                if let hint = key.hint { pairs.append((key.keys, hint)) }
            }
        } else {
            for binding in KeyMap.bindings(in: model.keyContext) {
                guard let hint = binding.hint, let key = binding.keys.first else { continue }
                let label = styler.asciiOnly ? key.asciiLabel : key.label
                if model.isAvailable(binding.command) {
                    pairs.append((label, liveHint(binding.command, hint, model)))
                } else if binding.command == .approve, let text = model.approvalIneligibility {
                    // Not offered, and said why in its place: the approver may think it an oversight.
                    why = (pairs.count, label, text.prefix(1).lowercased() + text.dropFirst())
                }
            }
        }
        var runs: [Run] = [styler.label(" ", .keyHints)]
        for (i, (keys, hint)) in pairs.enumerated() {
            if let why, why.after == i { runs += ineligible(why.key, why.text, styler: styler) }
            runs.append(styler.label(keys, .keyHints))
            runs.append(styler.label(" " + hint + "  ", .keyHints))
        }
        if let why, why.after == pairs.count { runs += ineligible(why.key, why.text, styler: styler) }
        return runs
    }

    /// The hint of keys whose effect depends on the diff shown: what they do now.
    private static func liveHint(_ command: Command, _ hint: String, _ model: ConsoleModel) -> String {
        switch command {
        case .toggleSideBySide where model.showsSideBySide: "unified"
        case .nextMark where model.diffHasMarks: "danger mark"
        case .nextMark where model.diffShowsPlan == true: "resource"
        case .approve where model.decidesMarks: "approve \(model.marks.count) marked"
        case .deny where model.decidesMarks: "deny \(model.marks.count) marked"
        default: hint
        }
    }

    /// `a not offered: you are not in security, which this still needs`; the group names are the
    /// server's configuration, so they go through the sanitiser.
    private static func ineligible(_ key: String, _ why: String, styler: Styler) -> [Run] {
        [styler.label(key + " not offered: ", .keyHints), styler.text(why, .keyHints, limit: 120), styler.label("  ", .keyHints)]
    }

    static func promptKind(_ kind: Prompt.Kind) -> PromptKind {
        switch kind {
        case .reason(.approve, _): .approveReason
        case .reason(.deny, _): .denyReason
        case .breakGlassReason: .breakGlassReason
        case .confirm, .bulkConfirm: .confirm
        case .command: .command
        case .search: .search
        case .bulkReason: .bulkReason
        case .bulkReview: .bulkReview
        }
    }
}
