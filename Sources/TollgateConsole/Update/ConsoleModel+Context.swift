import TollgateCore

// MARK: - Which servers are followed (`:ctx`)

extension ConsoleModel {
    /// `:ctx NAME[,NAME...]` follows those servers only, `:ctx all` every one the console was
    /// started with; `:ctx` alone says which are followed. Names compare ignoring case.
    mutating func switchContext(_ argument: String) -> [Effect] {
        guard !isOffline else {
            showToast("Offline mode: there are no servers to follow", .warn)
            return []
        }
        let names = servers.map(\.name)
        guard !argument.isEmpty else {
            let followed = servers.filter(\.followed).map(\.name).joined(separator: ", ")
            showToast("Following \(followed) (of \(names.joined(separator: ", "))); :ctx NAME or :ctx all", .info)
            return []
        }
        var wanted = Set<ServerID>()
        if argument.lowercased() == "all" {
            wanted = Set(servers.indices.map(ServerID.init))
        } else {
            for word in argument.split(separator: ",") {
                let name = String(word).trimmingWhitespace.lowercased()
                guard let i = names.firstIndex(where: { $0.lowercased() == name }) else {
                    showToast(":ctx - no server \"\(String(word).trimmingWhitespace)\"; expected \(names.joined(separator: ", ")) or all", .error)
                    return []
                }
                wanted.insert(ServerID(i))
            }
        }
        var effects: [Effect] = []
        for i in servers.indices {
            let id = ServerID(i)
            let follow = wanted.contains(id)
            guard servers[i].followed != follow else { continue }
            if !follow { forget(id) }
            servers[i] = ServerState(name: servers[i].name, url: servers[i].url, followed: follow)
            effects.append(.follow(id, follow))
        }
        let followed = servers.filter(\.followed).map(\.name).joined(separator: ", ")
        showToast("Following \(followed)", .info)
        return effects
    }

    /// Takes a server's actions off the console when it is no longer followed: its rows, the
    /// records and outcomes kept for them, and the screens about them. A decision on its way to
    /// it stays in the outbox and is sent when the server is followed again.
    private mutating func forget(_ id: ServerID) {
        for key in Array(queue.members) where key.server == id { dropFromQueue(key) }
        for key in Array(rows.keys) where key.server == id { rows[key] = nil }
        lingering = lingering.filter { $0.key.server != id }
        outcomes = outcomes.filter { $0.key.server != id }
        details = details.filter { $0.key.server != id }
        recordRequests = recordRequests.filter { $0.key.server != id }
        if awaitingDetail?.server == id { awaitingDetail = nil }
        screens.removeAll { screen in
            switch screen {
            case .detail(let d): d.actionID.server == id && !d.readOnly
            case .diff(let d): d.actionID.server == id && !d.readOnly
            default: false
            }
        }
        if screens.isEmpty { screens = [.queue] }
        if queue.filter.servers.contains(id) {
            var filter = queue.filter
            filter.servers.remove(id)
            filter.serverNames = filter.servers.sorted().map { servers[$0.index].name }
            queue.setFilter(filter, rows: rows)
        }
    }
}
