import Foundation
import TollgateCore

/// Sample protocol values and their wire forms.
enum Fixtures {
    static func action(id: String = "act_1", summary: String = "Export customers table") -> Action {
        Action(
            id: id, createdAt: Timestamp(milliseconds: 1_790_000_000_000), expiresAt: Timestamp(milliseconds: 1_790_000_600_000),
            requester: Requester(id: "etl-bot", kind: .pipeline, session: "run-42"), kind: "data.export", summary: summary,
            command: "pg_dump -t customers", resource: "postgres://prod-db/customers", environment: "production",
            risk: .high, policy: Policy(id: "prod-data", reason: "production data leaves the network"),
            justification: "quarterly report", context: [ContextEntry(key: "ticket", value: "OPS-1")],
            diffs: [ActionDiff(title: "grant", text: "@@ -1 +1 @@\n-a\n+b\n")], digest: "sha256:" + String(repeating: "ab", count: 32)
        )
    }

    static func json<T: Encodable>(_ value: T, pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        // Encoding a fixture cannot fail: every field is a plain value.
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }

    /// One `action` event, its JSON on one `data:` line.
    static func actionEvent(_ action: Action, id: Int64) -> String {
        "id: \(id)\nevent: action\ndata: \(json(action))\n\n"
    }

    static func syncEvent(seq: Int64, pending: Int, id: Int64? = nil) -> String {
        (id.map { "id: \($0)\n" } ?? "") + "event: sync\ndata: {\"seq\":\(seq),\"pending\":\(pending)}\n\n"
    }

    static func protocolError(_ code: String, _ message: String) -> String {
        "{\"error\":\"\(code)\",\"message\":\"\(message)\"}"
    }
}
