import ArgumentParser
import Foundation
import TollgateClient
import TollgateCore
import TollgateStore

/// `tollgate history`: the local cache, offline, for people (table) and auditors (jsonl, csv).
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List actions from the local history cache (no network needed).",
        discussion:
            "Newest first. --search is full-text over summary, command, resource, justification, context and reasons. jsonl rows are the action "
            + "objects, decisions included. The table's DECIDED BY says who resolved each action: policy:<id> for a rule's resolution at "
            + "submission, and BREAK-GLASS with a line of its own for a break-glass approval. detail prints each action with the matched rule "
            + "and what the requester asked on lines of their own. SERVER names each action's server by its [[servers]] name in "
            + "config.toml, else by its host[:port]; jsonl and csv give the URL the cache keys it by."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, detail, jsonl, csv }

    @OptionGroup var history: HistoryOptions
    @Option(help: ArgumentHelp("Full-text search.", valueName: "words")) var search: String = ""
    @Option(help: ArgumentHelp("Only actions in this status (repeatable).", valueName: "status")) var status: [ActionStatus] = []
    @Option(help: ArgumentHelp("Only actions of this risk (repeatable).", valueName: "risk")) var risk: [Risk] = []
    @Option(help: ArgumentHelp("Only this environment (repeatable).", valueName: "name")) var environment: [String] = []
    @Option(help: ArgumentHelp("Only this server: a [[servers]] name of config.toml, or a URL as the cache holds it.", valueName: "name"))
    var server: String?
    @Option(help: ArgumentHelp("Only actions requested by this principal.", valueName: "id")) var requester: String?
    @Option(help: ArgumentHelp("Only actions this principal decided.", valueName: "id")) var approver: String?
    @Option(help: ArgumentHelp("Created at or after (RFC 3339 or YYYY-MM-DD).", valueName: "date")) var since: String?
    @Option(help: ArgumentHelp("Created before (RFC 3339 or YYYY-MM-DD).", valueName: "date")) var until: String?
    @Option(help: ArgumentHelp("At most this many rows (0: all).", valueName: "n")) var limit: Int = 50
    @Option(help: ArgumentHelp("table, detail, jsonl or csv.", valueName: "format")) var format: Format = .table

    func validate() throws {
        if let since, DateArgument.parse(since) == nil { throw ValidationError("--since: expected RFC 3339 or YYYY-MM-DD") }
        if let until, DateArgument.parse(until) == nil { throw ValidationError("--until: expected RFC 3339 or YYYY-MM-DD") }
        if limit < 0 { throw ValidationError("--limit: expected 0 or more") }
    }

    func run() throws {
        let store = try history.open()
        let configuration: ClientConfiguration
        do { configuration = try ClientConfiguration.current(environment: ProcessInfo.processInfo.environment) } catch {
            // The history is read offline, audits included: a config.toml it only takes server
            // names from does not stop it, unless --server needs a name from there.
            guard server == nil else { throw CommandFailure(error.description) }
            Diagnostics.warn("warning: \(error.description); servers are named by their host")
            configuration = ClientConfiguration()
        }
        let stored: [String]
        do { stored = try store.serverURLs() } catch { throw CommandFailure("history cache \(history.path): \(error)") }
        let query = HistoryQuery(
            text: search, statuses: Set(status), risks: Set(risk),
            environments: Set(environment), requester: requester, approver: approver,
            since: since.flatMap(DateArgument.parse), until: until.flatMap(DateArgument.parse),
            server: try server.map { name in try Self.serverURL(name, configuration: configuration, stored: stored) })
        // Named once per server, not once per row.
        let names = Dictionary(stored.map { ($0, configuration.serverName(url: $0)) }) { first, _ in first }
        func name(_ url: String) -> String { names[url] ?? configuration.serverName(url: url) }
        var rows: [StoredAction] = []
        var emitted = 0
        var cursor: String?
        repeat {
            let want = limit == 0 ? 500 : min(500, limit - rows.count - emitted)
            let page: HistoryPage
            do { page = try store.page(query, limit: want, cursor: cursor) } catch {
                throw CommandFailure("history cache \(history.path): \(error)")
            }
            do { cursor = try PageProgress.cursor(page.nextCursor, after: cursor, rows: page.actions.count, what: "history cache \(history.path)") } catch {
                throw CommandFailure(error.description)
            }
            if format == .table || format == .detail {
                rows += page.actions
            } else {
                emit(page.actions, header: emitted == 0)
                emitted += page.actions.count
            }
        } while cursor != nil && (limit == 0 || rows.count + emitted < limit)
        if format == .csv && emitted == 0 { emit([], header: true) }
        switch format {
        case .table:
            print(HistoryTable.render(rows.map { (name($0.server), $0.action) }, width: TerminalWidth.current(), now: .now()))
        case .detail:
            let blocks = rows.map { Self.detail($0, name: name($0.server)) }
            print(rows.isEmpty ? "(no actions in the cache match)" : blocks.joined(separator: "\n\n"))
        case .jsonl, .csv: break
        }
    }

    /// The URL the cache keys `name`'s actions by: a [[servers]] table's, else `name` itself
    /// when the cache holds a server at that URL; else a failure saying what there is.
    static func serverURL(_ name: String, configuration: ClientConfiguration, stored: [String]) throws -> String {
        if let entry = configuration.server(named: name) { return entry.url }
        if stored.contains(name) { return name }
        let known = configuration.servers.map(\.name) + stored
        throw CommandFailure(
            "--server \(Printable.line(ShellQuote.quote(name))): neither a [[servers]] name of config.toml nor a server URL the cache holds "
                + "(\(known.isEmpty ? "there are none" : "there are " + Printable.line(known.joined(separator: ", "))))")
    }

    /// One action on several lines, its server's name and URL after the first.
    static func detail(_ row: StoredAction, name: String) -> String {
        var lines = ActionText.block(row.action)
        lines.insert("  " + Printable.line("server: \(name) (\(row.server))"), at: 1)
        return lines.joined(separator: "\n")
    }

    private func emit(_ rows: [StoredAction], header: Bool) {
        let out = FileHandle.standardOutput
        switch format {
        case .jsonl:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
            for r in rows { if let data = try? encoder.encode(ServerAction(stored: r)) { out.write(data + Data("\n".utf8)) } }
        case .csv:
            if header { out.write(Data((CSV.header.joined(separator: ",") + "\r\n").utf8)) }
            for r in rows { out.write(Data((CSV.row(r.action, server: r.server).joined(separator: ",") + "\r\n").utf8)) }
        case .table, .detail:
            break
        }
    }
}

/// `--since`/`--until` values: RFC 3339 or a plain UTC date.
enum DateArgument {
    static func parse(_ text: String) -> Timestamp? {
        Timestamp(rfc3339: text) ?? Timestamp(rfc3339: text + "T00:00:00Z")
    }
}

/// The width of the terminal on stdout, else COLUMNS, else 160 (a file or a pipe).
enum TerminalWidth {
    static func current() -> Int {
        var size = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 0 { return c }
        return 160
    }
}

/// The history table: fixed columns, the summary takes what is left, every cell sanitised.
enum HistoryTable {
    /// The SERVER column is as wide as its longest name within these bounds: server names are
    /// short, and a host name must not take the summary's room.
    static let serverWidths = 6...16

    /// `rows`: each action with the name of its server.
    static func render(_ rows: [(server: String, action: Action)], width: Int, now: Timestamp) -> String {
        let options = SanitizeOptions(asciiOnly: !Locale.utf8Terminal)
        let serverWidth = min(max(rows.map(\.server.count).max() ?? 0, serverWidths.lowerBound), serverWidths.upperBound)
        let fixed: [(String, Int)] = [
            ("CREATED", 16), ("SERVER", serverWidth), ("STATUS", 9), ("RISK", 8), ("KIND", 16), ("REQUESTER", 18), ("DECIDED BY", 20),
        ]
        let idWidth = 30
        let summaryWidth = max(10, width - fixed.reduce(0) { $0 + $1.1 + 1 } - idWidth - 1)
        func cell(_ text: String, _ w: Int) -> String {
            TextLayout.fit(TextSanitizer.singleLine(text, options: options), width: w).map(\.text).joined()
        }
        var lines = [(fixed.map { cell($0.0, $0.1) } + [cell("SUMMARY", summaryWidth), cell("ID", idWidth)]).joined(separator: " ")]
        for (server, a) in rows {
            let created = String(a.createdAt.description.prefix(16)).replacingOccurrences(of: "T", with: " ")
            let requester = a.requester.onBehalfOf.map { "\(a.requester.id) for \($0)" } ?? a.requester.id
            let values = [created, server, a.status.rawValue, a.risk.rawValue, a.kind, requester, ActionText.decidedBy(a)]
            lines.append((zip(values, fixed).map { cell($0, $1.1) } + [cell(a.summary, summaryWidth), cell(a.id, idWidth)]).joined(separator: " "))
            // Never only a cell that can be cut: a break-glass approval gets its own whole line.
            for decision in a.decisions where decision.breakGlass { lines.append("  ^ " + ActionText.decision(decision, in: a)) }
        }
        if rows.isEmpty { lines.append("(no actions in the cache match)") }
        return lines.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }.joined(separator: "\n")
    }
}

/// A jsonl row: the action object with `server`, the URL the cache keys it by, among its fields.
struct ServerAction: Encodable {
    let stored: StoredAction

    private enum Key: String, CodingKey { case server }

    func encode(to encoder: Encoder) throws {
        try stored.action.encode(to: encoder)
        // A second keyed container of one encoder writes into the same object.
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(stored.server, forKey: .server)
    }
}

/// RFC 4180 CSV for auditors, guarded against spreadsheet formula injection.
enum CSV {
    static let header = [
        "server", "id", "created_at", "resolved_at", "status", "risk", "kind", "environment", "requester", "on_behalf_of",
        "summary", "command", "resource", "policy", "approvals", "decisions", "redactions", "digest", "rule", "requester_asked", "break_glass",
    ]

    static func row(_ a: Action, server: String) -> [String] {
        let decisions = a.decisions.map { d in
            "\(d.breakGlass ? "BREAK-GLASS " : "")\(d.approver) \(d.verdict.rawValue) \(d.at): \(d.reason)"
        }.joined(separator: "; ")
        let rule = a.rule.map { r in "\(r.id): \(r.reason)" } ?? ""
        let asked = a.claimed.map { ActionText.claimWords($0) } ?? ""
        return [
            server, a.id, a.createdAt.description, a.resolvedAt?.description ?? "", a.status.rawValue, a.risk.rawValue, a.kind,
            a.environment ?? "", a.requester.id, a.requester.onBehalfOf ?? "", a.summary, a.command ?? "", a.resource ?? "",
            a.policy.id, "\(a.approvalCount)/\(a.requiredApprovals)", decisions, "\(a.redactions)", a.digest, rule, asked,
            a.isBreakGlass ? "yes" : "",
        ].map(field)
    }

    /// Quotes when needed; a leading = + - @ (or tab/CR) gets a ' so spreadsheets show text, not a formula.
    static func field(_ s: String) -> String {
        var v = s
        if let first = v.first, "=+-@\t\r".contains(first) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
