import TollgateCore

// MARK: - Prompts: reason, confirmation, command line, search

extension ConsoleModel {
    mutating func handlePromptKey(_ key: Key) -> [Effect] {
        guard var current = prompt else { return [] }
        if let handled = handleBulkPromptKey(key, current.kind) { return handled }
        if case .confirm(let intent) = current.kind {
            if key == .char("y") || key == .char("Y") { return send(intent) }
            prompt = nil
            let what = intent.breakGlass ? "Break glass cancelled: not approved" : "Not \(intent.verdict == .approve ? "approved" : "denied")"
            showToast("\(what): the confirmation needs y", .info)
            return []
        }
        switch key {
        case .escape:
            prompt = nil
            if case .search(.queue) = current.kind { queue.setFilter(searchFilter(""), rows: rows) }
            return []
        case .enter:
            return submit(current)
        case .char(let ch):
            if current.kind.offersCannedReasons, current.editor.isEmpty,
                let n = ch.wholeNumberValue, (1...CannedReasons.deny.count).contains(n)
            {
                current.editor.replace(with: CannedReasons.deny[n - 1])
            } else if !current.editor.insert(ch) {
                current.problem = "limit reached (\(current.editor.maxBytes) bytes)"
            } else {
                current.problem = nil
            }
        case .backspace: current.editor.backspace(); current.problem = nil
        case .delete: current.editor.deleteForward(); current.problem = nil
        case .ctrl("u"): current.editor.deleteToStart(); current.problem = nil
        case .left: current.editor.moveLeft()
        case .right: current.editor.moveRight()
        case .home, .ctrl("a"): current.editor.moveHome()
        case .end, .ctrl("e"): current.editor.moveEnd()
        default: return []
        }
        prompt = current
        if case .search(.queue) = current.kind {
            queue.setFilter(searchFilter(current.editor.text), rows: rows)
        }
        return []
    }

    /// Pasted text goes into an open line editor, line breaks and tabs as spaces; with no editor
    /// open it is dropped, since its characters would otherwise run as commands.
    mutating func handlePaste(_ text: String) {
        guard var current = prompt else {
            showToast("Paste ignored: open a prompt first (d, :, /)", .warn)
            return
        }
        if !current.kind.takesText {
            prompt = nil
            closeBulkPreview()
            showToast("Not confirmed: a paste is not a y", .info)
            return
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let ch: Character = v == 0x0A || v == 0x0D || v == 0x09 ? " " : Character(scalar)
            if v < 0x20 && ch != " " || (0x7F...0x9F).contains(v) { continue }
            if !current.editor.insert(ch) {
                current.problem = "limit reached (\(current.editor.maxBytes) bytes)"
                break
            }
        }
        prompt = current
        if case .search(.queue) = current.kind { queue.setFilter(searchFilter(current.editor.text), rows: rows) }
    }

    /// The queue's filter with its text replaced, keeping `:filter` fields.
    private func searchFilter(_ text: String) -> ActionFilter {
        var filter = queue.filter
        filter.text = text.lowercased()
        return filter
    }

    private mutating func submit(_ current: Prompt) -> [Effect] {
        let text = current.editor.text
        switch current.kind {
        case .reason(let verdict, let id):
            let reason = String(text.trimmingWhitespace)
            guard !reason.isEmpty else {
                prompt?.problem = verdict == .deny ? "a deny needs a reason" : "a critical action needs a reason"
                return []
            }
            guard let row = rows[id] else { prompt = nil; return [] }
            let intent = DecisionIntent(actionID: id, verdict: verdict, reason: reason, digest: row.digest)
            if verdict == .approve {
                confirm(intent)
                return []
            }
            return send(intent)
        case .breakGlassReason(let id):
            let reason = String(text.trimmingWhitespace)
            if let shortfall = BreakGlassReason.shortfall(reason) {
                prompt?.problem = shortfall
                return []
            }
            guard let row = rows[id] else { prompt = nil; return [] }
            confirm(DecisionIntent(actionID: id, verdict: .approve, reason: reason, digest: row.digest, breakGlass: true))
            return []
        case .confirm(let intent):
            return send(intent)
        case .bulkReason, .bulkReview, .bulkConfirm:
            submitBulk(current)
            return []
        case .command:
            prompt = nil
            return runCommand(text)
        case .search(let context):
            prompt = nil
            if context == .history {
                var filter = history.filter
                filter.text = text.lowercased()
                setHistoryFilter(filter)
            }
            return []
        }
    }

    // MARK: - The command line

    /// Runs a `:` command; unknown ones say so on the status line.
    mutating func runCommand(_ line: String) -> [Effect] {
        let trimmed = String(line.trimmingWhitespace)
        let name = String(trimmed.prefix { $0 != " " })
        let argument = String(String(trimmed.dropFirst(name.count)).trimmingWhitespace)
        switch name {
        case "":
            return []
        case "q", "q!", "quit", "qa", "wq":
            return [.quit]
        case "approve", "a":
            startDecision(.approve)
        case "deny", "d":
            if argument.isEmpty {
                startDecision(.deny)
            } else {
                startDecision(.deny)
                guard case .reason(.deny, let id)? = prompt?.kind, let row = rows[id] else { return [] }
                var reason = LineEditor()
                for ch in argument { reason.insert(ch) }
                return send(DecisionIntent(actionID: id, verdict: .deny, reason: reason.text, digest: row.digest))
            }
        case "filter", "f":
            switch ActionFilter.parse(argument, servers: servers.map(\.name)) {
            case .success(let filter) where onHistoryList && filter.servers.count > 1:
                showToast(":filter - the history shows one server or all: give one server=", .error)
            case .success(let filter):
                if onHistoryList { setHistoryFilter(filter) } else { queue.setFilter(filter, rows: rows) }
                showToast(filter.isEmpty ? "Filter cleared" : "Filter: \(filter.summary)", .info)
            case .failure(let error):
                showToast(":filter - \(error.message)", .error)
            }
        case "sort":
            guard let sort = QueueSort(rawValue: argument) else {
                showToast(":sort - expected " + QueueSort.allCases.map(\.rawValue).joined(separator: ", "), .error)
                return []
            }
            setSort(sort)
        case "theme":
            guard !argument.isEmpty else {
                showToast(":theme - give a theme name, e.g. :theme light (now \(themeName))", .error)
                return []
            }
            return [.loadTheme(argument)]
        case "history":
            openHistory()
        case "help":
            screens.append(.help(scroll: 0))
        case "reconnect":
            return perform(.reconnect)
        case "ctx", "context":
            return switchContext(argument)
        default:
            showToast("Unknown command :\(name) - try approve, deny REASON, filter, sort, ctx, theme, history, q", .error)
        }
        return []
    }
}
