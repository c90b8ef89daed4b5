/// The digest that binds a decision to exactly what the approver was shown.
///
/// `digest = "sha256:" + hex(SHA-256(canonical JSON of the digest document))`, where the
/// digest document is this JSON object (after masking, as stored), canonicalised by RFC 8785:
///
/// ```
/// { "id", "created_at", "expires_at",
///   "requester": { "id", "kind", "on_behalf_of", "session" },
///   "kind", "summary", "command", "resource", "environment", "risk",
///   "policy": { "id", "reason" }, "justification",
///   "context": [ { "key", "value" } ], "diffs": [ { "title", "format", "text" } ],
///   "required_approvals",
///   "claimed": { "risk", "required_approvals", "ttl_seconds", "policy" },
///   "rule": { "id", "reason", "risk", "approvals", "groups": [ { "group", "count" } ],
///             "max_ttl_seconds", "justification", "outcome" } }
/// ```
/// Absent optional values are `null`; times are the exact strings the action carries.
/// `claimed` and `rule` are members only when the action has them (actions stored before
/// server-side policy have neither, and keep the digest they were decided under).
/// `status`, `decisions`, `resolved_at`, `escalated_at`, `redactions` and `digest` itself are left out, so the
/// digest stays fixed for the action's life. See docs/protocol.md for a Python one-liner.
public enum ActionDigest {
    /// The digest document of `action` (its current `digest` field is ignored).
    public static func document(of action: Action) -> JSONValue {
        let r = action.requester
        var members: [String: JSONValue] = [
            "id": .string(action.id),
            "created_at": .string(action.createdAt.description),
            "expires_at": .string(action.expiresAt.description),
            "requester": .object([
                "id": .string(r.id),
                "kind": .string(r.kind.rawValue),
                "on_behalf_of": .optional(r.onBehalfOf),
                "session": .optional(r.session),
            ]),
            "kind": .string(action.kind),
            "summary": .string(action.summary),
            "command": .optional(action.command),
            "resource": .optional(action.resource),
            "environment": .optional(action.environment),
            "risk": .string(action.risk.rawValue),
            "policy": .object(["id": .string(action.policy.id), "reason": .string(action.policy.reason)]),
            "justification": .optional(action.justification),
            "context": .array(action.context.map { .object(["key": .string($0.key), "value": .string($0.value)]) }),
            "diffs": .array(
                action.diffs.map {
                    .object(["title": .string($0.title), "format": .string($0.format), "text": .string($0.text)])
                }),
            "required_approvals": .int(Int64(action.requiredApprovals)),
        ]
        if let claimed = action.claimed {
            members["claimed"] = .object([
                "risk": .string(claimed.risk.rawValue),
                "required_approvals": .int(Int64(claimed.requiredApprovals)),
                "ttl_seconds": claimed.ttlSeconds.map { .int(Int64($0)) } ?? .null,
                "policy": claimed.policy.map { .object(["id": .string($0.id), "reason": .string($0.reason)]) } ?? .null,
            ])
        }
        if let rule = action.rule {
            members["rule"] = .object([
                "id": .string(rule.id),
                "reason": .string(rule.reason),
                "risk": .optional(rule.risk?.rawValue),
                "approvals": .int(Int64(rule.approvals)),
                "groups": .array(rule.groups.map { .object(["group": .string($0.group), "count": .int(Int64($0.count))]) }),
                "max_ttl_seconds": rule.maxTTLSeconds.map { .int(Int64($0)) } ?? .null,
                "justification": .string(rule.justificationRequired ? "required" : "optional"),
                "outcome": .string(rule.outcome.rawValue),
            ])
        }
        return .object(members)
    }

    /// The canonical bytes of the digest document, written in one pass (the same bytes as
    /// `document(of:).canonicalBytes`, without building the tree; see `Action.write(to:digestDocumentOnly:)`).
    public static func canonicalDocument(of action: Action) -> [UInt8] {
        var writer = JSONWriter(capacity: 2_048)
        action.write(to: &writer, digestDocumentOnly: true)
        return writer.bytes
    }

    /// `sha256:<hex>` of the canonical digest document.
    public static func compute(_ action: Action) -> String {
        SHA256Hex.prefixed(canonicalDocument(of: action))
    }

    /// True when the action's stored digest matches its content.
    public static func verify(_ action: Action) -> Bool { compute(action) == action.digest }
}
