import Foundation
import TollgateCore

/// Submissions and bodies the tests send.
enum Fixtures {
    /// A plausible submission; every part can be varied.
    static func request(
        kind: String = "data.export", summary: String = "Export the customers table to the analytics bucket",
        risk: Risk = .high, approvals: Int = 1, ttl: Int? = nil, onBehalfOf: String? = nil,
        context: [ContextEntry] = [ContextEntry(key: "rows", value: "48213")], command: String? = "pg_dump -t customers prod"
    ) -> ActionRequest {
        ActionRequest(
            kind: kind, summary: summary, command: command, resource: "postgres://prod-db/customers",
            environment: "production", risk: risk, policy: Policy(id: "prod-data", reason: "production data leaves the VPC"),
            justification: "quarterly report", context: context, requiredApprovals: approvals, ttlSeconds: ttl,
            onBehalfOf: onBehalfOf)
    }

    /// `value` as JSON bytes (encoding these fixtures cannot fail).
    static func json(_ value: some Encodable) -> [UInt8] {
        (try? Array(JSONEncoder().encode(value))) ?? []
    }

    /// `text` as bytes.
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
}
