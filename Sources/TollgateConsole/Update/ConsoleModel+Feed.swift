import TollgateClient
import TollgateCore

// MARK: - The feed and the queue

extension ConsoleModel {
    mutating func handleFeed(_ update: FeedUpdate, from id: ServerID) -> [Effect] {
        guard var server = server(id), server.followed else { return [] }
        defer { servers[id.index] = server }
        switch update {
        case .event(.action(let action, _)):
            return absorb(action, from: id, fromFeed: true, server: &server)
        case .event(.sync):
            server.isLive = true
            if let stale = server.staleAfterReset {
                let dropped = stale.map { ActionKey(server: id, id: $0) }.filter { !lingering.keys.contains($0) }.sorted()
                for key in dropped { dropFromQueue(key) }
                server.staleAfterReset = nil
                if !dropped.isEmpty { return [.refreshActions(dropped)] }
            }
        case .event(.reset):
            // Keep the rows on screen until the snapshot that follows has been seen, so the
            // selection survives; whatever the snapshot does not repeat goes at `sync`.
            server.staleAfterReset = Set(queue.members.filter { $0.server == id && rows[$0]?.status == .pending }.map(\.id))
        case .event(.unknown):
            break
        case .malformed:
            server.malformedEvents += 1
            if server.malformedEvents == 1 {
                showToast("\(serverPrefix(id))The server sent an event this console cannot read; it was skipped", .warn)
            }
        case .state(let state):
            server.connection = state
            switch state {
            case .offline(let why): server.connectionProblem = why
            case .live:
                server.connectionProblem = nil
                // whoami failed while the server was unreachable: without it nothing can be decided.
                if server.me == nil && server.identityProblem != nil {
                    server.identityProblem = nil
                    return [.fetchIdentity(id)]
                }
            case .unauthorised(let why): showToast("\(serverPrefix(id))The server refused the token: \(why)", .error)
            case .certificateRefused(let why): showToast("\(serverPrefix(id))The server's TLS certificate was refused: \(why)", .error)
            default: break
            }
        }
        return []
    }

    /// "prod: " before a message about one server when several are followed; nothing otherwise.
    func serverPrefix(_ id: ServerID) -> String {
        guard isFleet, let server = server(id) else { return "" }
        return server.name + ": "
    }

    /// Takes in the latest state of an action from the feed, the cache, the server or a
    /// decision's answer: its row, and its full record where a screen shows it.
    @discardableResult
    mutating func absorb(_ action: Action, from id: ServerID, fromFeed: Bool) -> [Effect] {
        guard var server = server(id), server.followed else { return [] }
        defer { servers[id.index] = server }
        return absorb(action, from: id, fromFeed: fromFeed, server: &server)
    }

    /// `absorb` with the server's state in hand (the feed's handler holds it while it works).
    private mutating func absorb(_ action: Action, from id: ServerID, fromFeed: Bool, server: inout ServerState) -> [Effect] {
        // For lookups only: what the model keeps is keyed by the row's own copy of the id (see
        // `QueueRow`), never by the decoded action's, which would pin the feed thread's freed
        // decoding buffers in memory, a page or so per action.
        let lookup = ActionKey(server: id, id: action.id)
        let known = rows[lookup]
        // A resolved action never changes again; an older pending copy is a stale replay.
        if let known, known.status.isResolved, action.status == .pending { return [] }
        server.staleAfterReset?.remove(action.id)
        let wasQueued = queue.contains(lookup)
        count(known, wasQueued: wasQueued, sign: -1)
        if details[lookup] != nil || recordRequests[lookup] != nil {
            // A record a screen shows or waits for: this copy is the newest, whoever was asked.
            details[lookup] = action
            recordRequests[lookup] = nil
        }
        let row = QueueRow(action, server: id)
        let key = row.key
        rows[key] = row
        var effects: [Effect] = []
        if action.status == .pending {
            queue.upsert(row)
            lingering[key] = nil
            if let alert = alert(for: action, known: known, fromFeed: fromFeed, live: server.isLive) { effects.append(.alert(alert)) }
        } else if wasQueued {
            queue.upsert(row)
            if lingering[key] == nil { lingering[key] = now.adding(seconds: Self.lingerSeconds) }
        } else {
            forgetIfUnused(key)
        }
        // Only a pending action can be decided in bulk: a resolved one loses its mark here.
        if action.status != .pending { marks.drop(key) }
        count(rows[key], wasQueued: queue.contains(key), sign: 1)
        return effects
    }

    mutating func dropFromQueue(_ key: ActionKey) {
        count(rows[key], wasQueued: queue.contains(key), sign: -1)
        queue.remove(key)
        marks.drop(key)
        lingering[key] = nil
        if let row = rows[key], row.status == .pending {
            rows[key] = nil
            outcomes[key] = nil
        }
    }

    private mutating func count(_ row: QueueRow?, wasQueued: Bool, sign: Int) {
        guard let row, wasQueued, row.status == .pending else { return }
        pendingByRisk[row.risk.rank] += sign
        if row.escalatedAt != nil { escalatedCount += sign }
    }
}
