import TollgateClient
import TollgateCore

// MARK: - The feed and the queue

extension ConsoleModel {
    mutating func handleFeed(_ update: FeedUpdate) -> [Effect] {
        switch update {
        case .event(.action(let action, _)):
            return absorb(action, fromFeed: true)
        case .event(.sync):
            isLive = true
            if let stale = staleAfterReset {
                let dropped = stale.filter { !lingering.keys.contains($0) }.sorted()
                for id in dropped { dropFromQueue(id) }
                staleAfterReset = nil
                if !dropped.isEmpty { return [.refreshActions(dropped)] }
            }
        case .event(.reset):
            // Keep the rows on screen until the snapshot that follows has been seen, so the
            // selection survives; whatever the snapshot does not repeat goes at `sync`.
            staleAfterReset = Set(queue.ids.filter { rows[$0]?.status == .pending })
        case .event(.unknown):
            break
        case .malformed:
            malformedEvents += 1
            if malformedEvents == 1 { showToast("The server sent an event this console cannot read; it was skipped", .warn) }
        case .state(let state):
            connection = state
            switch state {
            case .offline(let why): connectionProblem = why
            case .live:
                connectionProblem = nil
                // whoami failed while the server was unreachable: without it nothing can be decided.
                if me == nil && identityProblem != nil {
                    identityProblem = nil
                    return [.fetchIdentity]
                }
            case .unauthorised(let why): showToast("The server refused the token: \(why)", .error)
            case .certificateRefused(let why): showToast("The server's TLS certificate was refused: \(why)", .error)
            default: break
            }
        }
        return []
    }

    /// Takes in the latest state of an action from the feed, the cache, the server or a
    /// decision's answer: its row, and its full record where a screen shows it.
    @discardableResult
    mutating func absorb(_ action: Action, fromFeed: Bool) -> [Effect] {
        let known = rows[action.id]
        // A resolved action never changes again; an older pending copy is a stale replay.
        if let known, known.status.isResolved, action.status == .pending { return [] }
        staleAfterReset?.remove(action.id)
        let wasQueued = queue.contains(action.id)
        count(known, wasQueued: wasQueued, sign: -1)
        if details[action.id] != nil || recordRequests[action.id] != nil {
            // A record a screen shows or waits for: this copy is the newest, whoever was asked.
            details[action.id] = action
            recordRequests[action.id] = nil
        }
        let row = QueueRow(action)
        rows[row.id] = row
        var effects: [Effect] = []
        if action.status == .pending {
            queue.upsert(row)
            lingering[row.id] = nil
            if let alert = alert(for: action, known: known, fromFeed: fromFeed) { effects.append(.alert(alert)) }
        } else if wasQueued {
            queue.upsert(row)
            if lingering[row.id] == nil { lingering[row.id] = now.adding(seconds: Self.lingerSeconds) }
        } else {
            forgetIfUnused(row.id)
        }
        count(rows[row.id], wasQueued: queue.contains(row.id), sign: 1)
        return effects
    }

    private mutating func dropFromQueue(_ id: String) {
        count(rows[id], wasQueued: queue.contains(id), sign: -1)
        queue.remove(id)
        lingering[id] = nil
        if let row = rows[id], row.status == .pending {
            rows[id] = nil
            outcomes[id] = nil
        }
    }

    private mutating func count(_ row: QueueRow?, wasQueued: Bool, sign: Int) {
        guard let row, wasQueued, row.status == .pending else { return }
        pendingByRisk[row.risk.rank] += sign
        if row.escalatedAt != nil { escalatedCount += sign }
    }
}
