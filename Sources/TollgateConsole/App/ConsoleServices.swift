import Foundation
import Synchronization
import TollgateClient
import TollgateCore
import TollgateStore
import TollgateSync

/// The console's work off the UI thread for all its servers: each server's own services
/// (`ServerServices`: feed, cache, decisions, each on queues of its own, so one server that
/// hangs never holds up another), and the history pages, read from the one cache they share.
final class ConsoleServices: Sendable {
    private let inbox: Inbox
    private let servers: [ServerServices]
    /// The cache's history across every server; it also serves offline mode.
    private let history: ActionCache
    /// Each server's URL as the cache keys it, and the name the console shows.
    private let names: [(url: String, name: String)]
    private let reads = DispatchQueue(label: "tollgate.console.history")
    /// Ids for the servers the history holds that the console was not started with, by URL:
    /// past the console's own, so two such servers' actions with one id stay apart.
    private let others = Mutex<[String: ServerID]>([:])

    init(inbox: Inbox, servers: [ServerContext], historyPath: String, feed: FeedOptions = FeedOptions()) {
        self.inbox = inbox
        // One pair of stores for every server: a disk failure for one switches all to the same memory cache.
        let stores = CacheStores(path: historyPath) { inbox.post(.cacheUnavailable($0)) }
        self.servers = servers.enumerated().map { i, server in
            ServerServices(id: ServerID(i), name: server.name, inbox: inbox, endpoint: server.endpoint, stores: stores, feed: feed)
        }
        names = servers.map { ($0.endpoint.baseURL, $0.name) }
        history = ActionCache(stores: stores, server: nil)
    }

    /// Starts following `followed` (the servers' places), each on its own.
    func start(_ followed: [ServerID]) {
        for id in followed { self[id]?.start() }
    }

    /// Quits: every server stops at once (a request in flight ends within a second, so a server
    /// that hangs cannot hold the console open), each saving what its feed sent last.
    func stop() {
        DispatchQueue.concurrentPerform(iterations: servers.count) { servers[$0].stop(wait: true) }
    }

    func follow(_ id: ServerID, _ on: Bool) {
        // Called on the UI thread: the stop saves in the background.
        if on { self[id]?.start() } else { self[id]?.stop(wait: false) }
    }

    func fetchIdentity(_ id: ServerID) { self[id]?.fetchIdentity() }

    /// Every followed server's feed reconnects now, dropping its backoff.
    func reconnect() {
        for server in servers { server.reconnect() }
    }

    func decide(_ intent: DecisionIntent) { self[intent.actionID.server]?.decide(intent) }

    func refresh(_ keys: [ActionKey]) {
        for (id, ids) in Self.byServer(keys) { self[id]?.refresh(ids) }
    }

    /// The cache's answers for `keys`: one message per server asked.
    func records(_ keys: [ActionKey]) -> [Message] {
        Self.byServer(keys).compactMap { id, ids in self[id]?.records(ids) }
    }

    private subscript(id: ServerID) -> ServerServices? {
        servers.indices.contains(id.index) ? servers[id.index] : nil
    }

    /// `keys` grouped by server, in server order, each group's ids in the order given.
    private static func byServer(_ keys: [ActionKey]) -> [(ServerID, [String])] {
        Dictionary(grouping: keys, by: \.server).sorted { $0.key < $1.key }.map { ($0.key, $0.value.map(\.id)) }
    }

    // MARK: - History

    /// The id of a server known only from the history, the same for the whole session.
    private func other(_ url: String) -> ServerID {
        others.withLock { others in
            if let id = others[url] { return id }
            let id = ServerID(names.count + others.count)
            others[url] = id
            return id
        }
    }

    /// A page of the cache's history (one server's with `server=`, else everyone's), each row
    /// named after its server.
    func loadHistory(_ request: HistoryRequest) {
        reads.async { [self] in
            guard let store = history.store else {
                inbox.post(.historyFailed(generation: request.generation, "no local cache"))
                return
            }
            let f = request.filter
            let server = f.servers.count == 1 ? f.servers.first.flatMap { names.indices.contains($0.index) ? names[$0.index].url : nil } : nil
            let query = HistoryQuery(text: f.text, statuses: f.statuses, risks: f.risks, environments: f.environments, since: f.since, server: server)
            do {
                let page = try store.page(query, limit: request.limit, cursor: request.cursor)
                let items = page.actions.map { stored in
                    if let i = names.firstIndex(where: { $0.url == stored.server }) {
                        return HistoryItem(server: ServerID(i), serverName: names[i].name, action: stored.action)
                    }
                    return HistoryItem(server: other(stored.server), serverName: ServerContext.name(forURL: stored.server), action: stored.action)
                }
                inbox.post(.historyPage(generation: request.generation, items: items, next: page.nextCursor))
            } catch {
                inbox.post(.historyFailed(generation: request.generation, "\(error)"))
            }
        }
    }
}
