import TollgateClient
import TollgateCore

// MARK: - The update function

extension ConsoleModel {
    /// Applies one message and returns what the outside world must do.
    ///
    /// Pure in all but name: the only state it touches is `self`, and time comes from messages,
    /// so `update` is tested with plain values. It is cheap for every message the UI loop sees
    /// often (keys, ticks, feed events): no sorting, no scans of the whole queue.
    public mutating func update(_ message: Message) -> [Effect] {
        var effects: [Effect] = []
        switch message {
        case .key(let key):
            effects = handleKey(key)
        case .paste(let text):
            handlePaste(text)
        case .mouse(let event):
            effects = handleMouse(event)
        case .resize(let newSize):
            size = newSize
        case .tick(let time):
            now = time
            expireTransients()
        case .feed(let update, let server):
            effects = handleFeed(update, from: server)
        case .cachedPending(let list, let server):
            for action in list { absorb(action, from: server, fromFeed: false) }
        case .fetched(let list, let problem, let server):
            // An escalation the fetched copy is the first to show still alerts.
            for action in list { effects += absorb(action, from: server, fromFeed: false) }
            if let problem {
                // What was asked and did not come stays unasked until Enter asks again.
                for (key, request) in recordRequests where request == .server && key.server == server { recordRequests[key] = .failed }
                showToast("\(serverPrefix(server))Could not fetch from the server: \(problem)", .warn)
            }
        case .records(let found, let missing, let problem, let server):
            effects = receiveRecords(found, missing: missing, problem: problem, from: server)
        case .identity(let principal, let server):
            guard servers.indices.contains(server.index) else { break }
            servers[server.index].me = principal
            servers[server.index].identityProblem = nil
        case .identityFailed(let why, let server):
            guard servers.indices.contains(server.index) else { break }
            servers[server.index].identityProblem = why
            showToast("\(serverPrefix(server))Could not find out who you are: \(why)", .warn)
        case .decisionResult(let intent, let result):
            handleDecisionResult(intent, result)
        case .historyPage(let generation, let list, let next):
            receiveHistoryPage(generation: generation, list, next: next)
        case .historyFailed(let generation, let why):
            guard generation == history.generation else { break }
            history.loading = false
            history.problem = why
            showToast("History unavailable: \(why)", .error)
        case .themeLoaded(let name, let problem):
            themeName = name
            if let problem { showToast(problem, .error) } else { showToast("Theme \(name)", .info) }
        case .cacheUnavailable(let why):
            if cacheProblem == nil { showToast("Cache unavailable (\(why)); working from memory", .warn) }
            cacheProblem = why
        case .notice(let text):
            showToast(text, .info)
        }
        effects += reconcile()
        followMarks(after: message)
        effects += historyLoadIfNeeded()
        effects += titleChange()
        return effects
    }

    // MARK: - Keys

    mutating func handleKey(_ key: Key) -> [Effect] {
        if key == .ctrl("c") { return [.quit] }
        if prompt != nil { return handlePromptKey(key) }
        guard let command = KeyMap.command(for: key, in: keyContext) else { return [] }
        return perform(command)
    }

    mutating func perform(_ command: Command) -> [Effect] {
        switch command {
        case .moveDown: move(by: 1)
        case .moveUp: move(by: -1)
        case .pageDown: move(by: max(1, pageSize - 1))
        case .pageUp: move(by: -max(1, pageSize - 1))
        case .top: move(by: Int.min / 2)
        case .bottom: move(by: Int.max / 2)
        case .open: return open()
        case .back: return back()
        case .quit, .forceQuit: return [.quit]
        case .switchPane:
            if isSplit { focus = focus == .list ? .detail : .list }
        case .filter:
            let context: KeyContext = onHistoryList ? .history : .queue
            let current = context == .history ? history.filter.text : queue.filter.text
            prompt = Prompt(kind: .search(context), editor: LineEditor(current))
        case .clearFilter:
            return clearFilter()
        case .sort:
            setSort(queue.sort.next)
        case .approve:
            if decidesMarks { openBulk(.approve) } else { startDecision(.approve) }
        case .deny:
            if decidesMarks { openBulk(.deny) } else { startDecision(.deny) }
        case .toggleMark:
            toggleMark()
        case .markRange:
            toggleRange()
        case .markAll:
            markAll()
        case .clearMarks:
            clearMarks()
        case .breakGlass:
            startBreakGlass()
        case .history:
            openHistory()
        case .reconnect:
            if isOffline { showToast("Offline mode: there is no server to connect to", .warn); return [] }
            showToast("Reconnecting now", .info)
            return [.reconnect]
        case .help:
            screens.append(.help(scroll: 0))
        case .commandLine:
            prompt = Prompt(kind: .command)
        case .openDiffs:
            openDiffs()
        case .nextHunk, .previousHunk, .nextMark, .previousMark, .nextFile, .previousFile, .scrollLeft, .scrollRight, .toggleSideBySide:
            navigateDiff(command)
        }
        return []
    }

    /// Rows a page key moves in the current context.
    var pageSize: Int {
        let layout = Layout(size, split: isSplit)
        switch keyContext {
        case .queue, .history: return layout.listRows
        case .diff:
            guard case .diff(let d) = screen else { return layout.paneRows }
            return layout.paneRows - d.pinnedRows
        default: return layout.paneRows
        }
    }

    // MARK: - Moving

    mutating func move(by delta: Int) {
        switch keyContext {
        case .queue:
            guard queue.count > 0 else { return }
            queueList.index = Self.clamp(queueList.index.addingClamped(delta), count: queue.count)
            queueList.id = queue.id(at: queueList.index)
            queueList.touched = true
            splitDetailScroll = 0
        case .history:
            guard !history.items.isEmpty else { return }
            history.list.index = Self.clamp(history.list.index.addingClamped(delta), count: history.items.count)
            history.list.id = history.items[history.list.index].key
            splitDetailScroll = 0
        case .detail:
            if case .detail(var d) = screen {
                d.scroll = max(0, d.scroll.addingClamped(delta))
                replaceTop(.detail(d))
            } else {
                splitDetailScroll = max(0, splitDetailScroll.addingClamped(delta))
            }
        case .diff:
            guard case .diff(var d) = screen else { return }
            let layout = Layout(size, split: false)
            guard d.showsSideBySide(width: layout.width), d.sideRows.count > 0 else {
                d.top = Self.scrolled(d.top, by: delta, count: d.lineCount, page: layout.paneRows - d.pinnedRows)
                replaceTop(.diff(d))
                return
            }
            let row = Self.scrolled(d.sideRows.row(ofLine: d.top), by: delta, count: d.sideRows.count, page: layout.paneRows)
            d.top = d.sideRows[row].firstLine
            replaceTop(.diff(d))
        case .help:
            guard case .help(let scroll) = screen else { return }
            replaceTop(.help(scroll: max(0, scroll.addingClamped(delta))))
        case .bulk:
            scrollBulk(by: delta)
        }
    }

    /// A diff's top row moved by `delta`: scrolling stops at the last full page, though a jump
    /// to a late hunk may sit below it.
    static func scrolled(_ top: Int, by delta: Int, count: Int, page: Int) -> Int {
        let lastPage = max(0, count - page)
        return delta > 0 ? min(top.addingClamped(delta), max(lastPage, top)) : max(0, top.addingClamped(delta))
    }

    static func clamp(_ value: Int, count: Int) -> Int {
        max(0, min(value, count - 1))
    }

    mutating func replaceTop(_ screen: Screen) {
        if screens.isEmpty { screens = [screen] } else { screens[screens.count - 1] = screen }
    }

    // MARK: - Screens

    mutating func open() -> [Effect] {
        if isSplit {
            focus = .detail
            // The pane's record could not be fetched: asked again (`fillDetails`).
            if let id = queueList.id, recordRequests[id] == .failed { recordRequests[id] = nil }
            return []
        }
        switch screen {
        case .queue:
            guard let id = queueList.id, rows[id] != nil else { return [] }
            guard let action = details[id] else {
                // Opens when the record arrives (`fillDetails`); Enter after a failed fetch asks again.
                awaitingDetail = id
                if recordRequests[id] == .failed { recordRequests[id] = nil }
                return []
            }
            screens.append(.detail(DetailState(actionID: id, opened: action, readOnly: false)))
        case .history:
            guard let item = selectedHistoryItem else { return [] }
            screens.append(.detail(DetailState(actionID: item.key, opened: item.action, readOnly: true)))
        default:
            break
        }
        return []
    }

    /// The local cache's answer to `.loadRecords`: records still wanted are kept (the feed may
    /// have brought a newer copy meanwhile, which wins), and the ones it lacks are asked of the
    /// server, once each.
    mutating func receiveRecords(_ found: [Action], missing: [String], problem: String?, from server: ServerID) -> [Effect] {
        for action in found {
            let key = ActionKey(server: server, id: action.id)
            guard recordRequests[key] == .cache else { continue }
            recordRequests[key] = nil
            if details[key] == nil { details[key] = action }
        }
        if let problem {
            showToast("Could not read the local cache (\(problem)); asking the server", .warn)
        }
        var ask: [ActionKey] = []
        for id in missing {
            let key = ActionKey(server: server, id: id)
            guard recordRequests[key] == .cache else { continue }
            recordRequests[key] = .server
            ask.append(key)
        }
        guard !ask.isEmpty else { return [] }
        if problem == nil { showToast("The full record is not in the local cache; asking the server", .info) }
        return [.refreshActions(ask)]
    }

    mutating func back() -> [Effect] {
        if isSplit && focus == .detail {
            focus = .list
            return []
        }
        guard screens.count > 1 else { return [.quit] }
        screens.removeLast()
        return []
    }

    mutating func openHistory() {
        if onHistoryList { return }
        if let i = screens.firstIndex(where: { if case .history = $0 { true } else { false } }) {
            screens.removeSubrange((i + 1)...)
        } else {
            // Opened afresh: the cache has grown since last time, so start again from the newest.
            setHistoryFilter(history.filter)
            screens.append(.history)
        }
        focus = .list
    }

    /// `D` on a detail (a screen or the split view's pane): the diffs of the full record shown.
    mutating func openDiffs() {
        guard let shown = detailSubject else { return }
        guard !shown.action.diffs.isEmpty else {
            showToast("This action has no diffs", .info)
            return
        }
        screens.append(
            .diff(
                DiffState(
                    actionID: shown.key, readOnly: shown.readOnly,
                    diffs: shown.action.diffs, diffIndex: 0, danger: danger)))
    }

    mutating func navigateDiff(_ command: Command) {
        guard case .diff(var d) = screen else { return }
        switch command {
        case .nextMark where !d.marks.isEmpty:
            if let line = d.marks.line(after: d.top) { d.top = line } else { showToast("No more danger marks", .info) }
        case .previousMark where !d.marks.isEmpty:
            if let line = d.marks.line(before: d.top) { d.top = line } else { showToast("First danger mark", .info) }
        case .nextHunk, .nextMark:
            if let line = d.hunk(after: d.top) { d.top = line } else { showToast(d.plan == nil ? "No more hunks" : "No more resources", .info) }
        case .previousHunk, .previousMark:
            if let line = d.hunk(before: d.top) { d.top = line } else { showToast(d.plan == nil ? "First hunk" : "First resource", .info) }
        case .nextFile:
            if let line = d.parsed.file(after: d.top) {
                d.top = line
            } else if d.diffIndex + 1 < d.diffs.count {
                d = d.opening(diff: d.diffIndex + 1)
            } else {
                showToast("Last file", .info)
            }
        case .previousFile:
            if let line = d.parsed.file(before: d.top) {
                d.top = line
            } else if d.top > 0 {
                d.top = 0
            } else if d.diffIndex > 0 {
                d = d.opening(diff: d.diffIndex - 1)
                d.top = d.parsed.files.last?.firstLine ?? 0
            } else {
                showToast("First file", .info)
            }
        case .scrollLeft:
            d.left = max(0, d.left - 8)
        case .scrollRight:
            d.left = min(d.left + 8, DiffView.maxHorizontalScroll)
        case .toggleSideBySide:
            let width = Layout(size, split: false).width
            guard d.plan == nil else {
                showToast("A plan has no old and new sides to show side by side", .info)
                return
            }
            guard width >= DiffView.narrowestSideBySide else {
                showToast("Side by side needs \(DiffView.narrowestSideBySide) columns or more", .info)
                return
            }
            d.sideBySideChoice = !d.showsSideBySide(width: width)
        default:
            break
        }
        replaceTop(.diff(d))
    }

    mutating func setSort(_ sort: QueueSort) {
        queue.resort(sort, rows: rows)
        showToast("Sorted by \(sort.rawValue)", .info)
    }

    mutating func clearFilter() -> [Effect] {
        if onHistoryList {
            if !history.filter.isEmpty {
                setHistoryFilter(ActionFilter())
                return []
            }
            return back()
        }
        if !queue.filter.isEmpty { queue.setFilter(ActionFilter(), rows: rows) }
        return []
    }

    // MARK: - Mouse

    mutating func handleMouse(_ event: MouseEvent) -> [Effect] {
        guard prompt == nil else { return [] }
        switch event {
        case .wheelUp:
            move(by: -3)
        case .wheelDown:
            move(by: 3)
        case .click(let x, let y):
            let layout = Layout(size, split: isSplit)
            let row = y - layout.listTop
            guard onListScreen, x < layout.listWidth, row >= 0, row < layout.listRows else { return [] }
            focus = .list
            let wasSelected: Int
            if onHistoryList {
                let index = history.list.top + row
                guard index < history.items.count else { return [] }
                wasSelected = history.list.index
                history.list.index = index
                history.list.id = history.items[index].key
                if wasSelected == index { return open() }
            } else {
                let index = queueList.top + row
                guard index < queue.count else { return [] }
                wasSelected = queueList.index
                queueList.index = index
                queueList.id = queue.id(at: index)
                queueList.touched = true
                if wasSelected == index { return open() }
            }
        }
        return []
    }

    var onListScreen: Bool {
        switch screen {
        case .queue, .history: true
        default: false
        }
    }

    // MARK: - Time and transients

    mutating func showToast(_ text: String, _ level: Toast.Level) {
        let seconds: Double =
            switch level {
            case .info: 4
            case .warn: 6
            case .error: 10
            }
        toast = Toast(text: text, level: level, until: now.adding(seconds: seconds))
    }

    mutating func expireTransients() {
        if let toast, now >= toast.until { self.toast = nil }
        for (id, until) in lingering where now >= until {
            lingering[id] = nil
            queue.remove(id)
            forgetIfUnused(id)
        }
    }

    /// Drops a resolved action no screen refers to any more, so memory follows the queue.
    mutating func forgetIfUnused(_ id: ActionKey) {
        guard let row = rows[id], row.status != .pending, !queue.contains(id) else { return }
        for screen in screens {
            switch screen {
            case .detail(let d) where d.actionID == id: return
            case .diff(let d) where d.actionID == id: return
            default: continue
            }
        }
        rows[id] = nil
        if outcomes[id]?.sending != true { outcomes[id] = nil }
    }

    // MARK: - Keeping positions valid

    /// After any change: the selection follows its action, the full records shown are at hand,
    /// and every scroll stays in range.
    mutating func reconcile() -> [Effect] {
        let layout = Layout(size, split: isSplit)
        if !isSplit { focus = .list }
        var position = queueList
        if !servers.allSatisfy({ !$0.followed || $0.isLive }) && !position.touched {
            // Until every server's snapshot is complete, the selection stays on the most urgent row.
            position.index = 0
            position.top = 0
            position.id = queue.id(at: 0)
        } else if let id = position.id, let index = queue.index(of: id) {
            position.top += index - position.index
            position.index = index
        } else {
            position.index = Self.clamp(position.index, count: queue.count)
            position.id = queue.id(at: position.index)
        }
        Self.keepVisible(&position, count: queue.count, rows: layout.listRows)
        if position.id != queueList.id, !onHistoryList { splitDetailScroll = 0 }
        queueList = position
        history.list.index = Self.clamp(history.list.index, count: history.items.count)
        history.list.id = selectedHistoryItem?.key
        Self.keepVisible(&history.list, count: history.items.count, rows: layout.listRows)
        let effects = fillDetails()
        refreshDetailDocument(layout)
        clampScrolls(layout)
        return effects
    }

    /// Keeps `details` to the full records on screen: asks the local cache for the missing ones
    /// (once each), opens the detail that was waiting for its record, and drops the rest.
    mutating func fillDetails() -> [Effect] {
        var wanted = Set<ActionKey>()
        for screen in screens {
            switch screen {
            case .detail(let d) where !d.readOnly: wanted.insert(d.actionID)
            case .diff(let d) where !d.readOnly: wanted.insert(d.actionID)
            default: continue
            }
        }
        if isSplit && !onHistoryList, let selection = queueList.id { wanted.insert(selection) }
        if let waiting = awaitingDetail {
            if case .queue = screen, queueList.id == waiting {
                wanted.insert(waiting)
            } else {
                awaitingDetail = nil
            }
        }
        for id in details.keys where !wanted.contains(id) { details[id] = nil }
        // A failed fetch is retried when its record is wanted afresh, not on every message.
        for (id, request) in recordRequests where request == .failed && !wanted.contains(id) { recordRequests[id] = nil }
        if let waiting = awaitingDetail, let action = details[waiting] {
            awaitingDetail = nil
            if !isSplit { screens.append(.detail(DetailState(actionID: waiting, opened: action, readOnly: false))) }
        }
        let missing = wanted.filter { details[$0] == nil && recordRequests[$0] == nil }.sorted()
        guard !missing.isEmpty else { return [] }
        for id in missing { recordRequests[id] = .cache }
        return [.loadRecords(missing)]
    }

    static func keepVisible(_ position: inout ListPosition, count: Int, rows: Int) {
        guard count > 0 else {
            position.index = 0
            position.top = 0
            return
        }
        position.index = clamp(position.index, count: count)
        guard rows > 0 else { position.top = position.index; return }
        if position.index < position.top { position.top = position.index }
        if position.index >= position.top + rows { position.top = position.index - rows + 1 }
        position.top = max(0, min(position.top, count - rows))
    }

    /// Rebuilds the cached detail text when the action, the width or the charset changed.
    mutating func refreshDetailDocument(_ layout: Layout) {
        guard let subject = detailSubject else { detailDocument = nil; return }
        let width = layout.detailWidth
        if let doc = detailDocument, doc.matches(subject.action, width: width, asciiOnly: asciiOnly) { return }
        detailDocument = DetailDocument(subject.action, width: width, asciiOnly: asciiOnly, danger: danger)
    }

    mutating func clampScrolls(_ layout: Layout) {
        let detailLines = detailDocument?.lines.count ?? 0
        let detailRows = max(1, layout.paneRows - DetailView.fixedRows)
        splitDetailScroll = max(0, min(splitDetailScroll, detailLines - detailRows))
        guard let last = screens.indices.last else { return }
        switch screens[last] {
        case .detail(var d):
            d.scroll = max(0, min(d.scroll, detailLines - detailRows))
            screens[last] = .detail(d)
        case .diff(var d):
            d.top = max(0, min(d.top, d.lineCount - 1))
            screens[last] = .diff(d)
        case .help(let scroll):
            let lines = HelpView.lineCount(asciiOnly: asciiOnly, width: layout.width)
            screens[last] = .help(scroll: max(0, min(scroll, lines - max(1, layout.bodyHeight - 1))))
        default:
            break
        }
    }
}

extension Int {
    /// Addition that saturates instead of trapping, for "move to the end" deltas.
    func addingClamped(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? Int.max : Int.min) : sum
    }
}
