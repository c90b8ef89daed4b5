import TollgateCore

/// What the queue or the history shows: free text plus field filters, all of which must match.
///
/// Written as `:filter status=denied risk=high,critical env=production server=prod since=2026-11-01 words`;
/// a value may list alternatives separated by commas, and bare words are searched as text.
public struct ActionFilter: Hashable, Sendable {
    /// Lower-cased words; the queue matches them as a substring, the history through full-text search.
    public var text: String = ""
    public var statuses: Set<ActionStatus> = []
    public var risks: Set<Risk> = []
    public var environments: Set<String> = []
    public var since: Timestamp?
    /// The servers whose actions pass (`server=`), by their place among the console's; empty: all.
    public var servers: Set<ServerID> = []
    /// Their names as the configuration spells them, for the header line.
    public var serverNames: [String] = []

    public init(
        text: String = "", statuses: Set<ActionStatus> = [], risks: Set<Risk> = [],
        environments: Set<String> = [], since: Timestamp? = nil
    ) {
        self.text = text.lowercased(); self.statuses = statuses; self.risks = risks
        self.environments = environments; self.since = since
    }

    public var isEmpty: Bool {
        text.isEmpty && statuses.isEmpty && risks.isEmpty && environments.isEmpty && since == nil && servers.isEmpty
    }

    /// Whether a queue row passes; `haystack` is its lower-cased searchable text.
    func matches(_ action: QueueRow, haystack: String) -> Bool {
        if !statuses.isEmpty && !statuses.contains(action.status) { return false }
        if !risks.isEmpty && !risks.contains(action.risk) { return false }
        if !environments.isEmpty && !environments.contains(action.environment ?? "") { return false }
        if !servers.isEmpty && !servers.contains(action.server) { return false }
        if let since, action.createdAt < since { return false }
        return text.isEmpty || haystack.contains(text)
    }

    /// The filter written back in `:filter` syntax, for the header line.
    public var summary: String {
        var parts: [String] = []
        if !statuses.isEmpty { parts.append("status=" + statuses.sorted().map(\.rawValue).joined(separator: ",")) }
        if !risks.isEmpty { parts.append("risk=" + risks.sorted().map(\.rawValue).joined(separator: ",")) }
        if !environments.isEmpty { parts.append("env=" + environments.sorted().joined(separator: ",")) }
        if !serverNames.isEmpty { parts.append("server=" + serverNames.joined(separator: ",")) }
        if let since { parts.append("since=\(since)") }
        if !text.isEmpty { parts.append("\"\(text)\"") }
        return parts.joined(separator: " ")
    }

    // MARK: - Parsing

    /// Parses `:filter` arguments; the message names the word that is wrong. `server=` takes
    /// the names of `servers` (the console's, in order), compared ignoring case.
    public static func parse(_ arguments: String, servers: [String] = []) -> Result<ActionFilter, FilterError> {
        var filter = ActionFilter()
        var words: [Substring] = []
        for token in arguments.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let eq = token.firstIndex(of: "=") else { words.append(token); continue }
            let key = token[..<eq].lowercased()
            let values = token[token.index(after: eq)...].split(separator: ",").map { String($0) }
            if values.isEmpty { return .failure(FilterError("\(key)= needs a value")) }
            switch key {
            case "status":
                for v in values {
                    guard let s = ActionStatus(rawValue: v.lowercased()) else {
                        return .failure(FilterError("status=\(v): expected " + ActionStatus.allCases.map(\.rawValue).joined(separator: ", ")))
                    }
                    filter.statuses.insert(s)
                }
            case "risk":
                for v in values {
                    guard let r = Risk(rawValue: v.lowercased()) else {
                        return .failure(FilterError("risk=\(v): expected low, medium, high or critical"))
                    }
                    filter.risks.insert(r)
                }
            case "env", "environment":
                filter.environments.formUnion(values)
            case "since":
                guard values.count == 1, let t = parseDate(values[0]) else {
                    return .failure(FilterError("since=\(values.joined(separator: ",")): expected a date such as 2026-11-01 or 2026-11-01T08:00:00Z"))
                }
                filter.since = t
            case "server":
                for v in values {
                    guard let i = servers.firstIndex(where: { $0.lowercased() == v.lowercased() }) else {
                        let known = servers.isEmpty ? "this console follows no server" : "expected " + servers.joined(separator: ", ")
                        return .failure(FilterError("server=\(v): \(known)"))
                    }
                    filter.servers.insert(ServerID(i))
                }
                filter.serverNames = filter.servers.sorted().map { servers[$0.index] }
            default:
                return .failure(FilterError("unknown filter \(key)=; use status=, risk=, env=, server= or since="))
            }
        }
        filter.text = words.joined(separator: " ").lowercased()
        return .success(filter)
    }

    private static func parseDate(_ text: String) -> Timestamp? {
        if let t = Timestamp(rfc3339: text) { return t }
        return Timestamp(rfc3339: text + "T00:00:00Z")
    }
}

/// Why a `:filter` could not be read, in words for the toast line.
public struct FilterError: Error, Hashable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
