import Foundation

// MARK: - Decoding actions from JSON

extension Action {
    /// Decodes an action from UTF-8 JSON in a single pass: the same value as
    /// `JSONDecoder().decode(Action.self, from:)`, at several times its speed.
    ///
    /// Input the fast reader does not handle (see `JSONReader`), including every malformed one,
    /// goes to `JSONDecoder` (through `decode(_:fromUntrusted:)`, which spares it a trap), so
    /// this throws exactly when and what `JSONDecoder` throws.
    public init(json bytes: UnsafeRawBufferPointer) throws {
        self = try JSONReader.decode(bytes, Action.init(reading:))
    }

    /// Decodes an action from UTF-8 JSON; see `init(json:)` for raw bytes.
    public init(json data: Data) throws {
        if let action = data.withUnsafeBytes({ Self.readJSON($0) }) {
            self = action
        } else {
            self = try JSONDecoder().decode(Action.self, fromUntrusted: data)
        }
    }

    /// Decodes an action from UTF-8 JSON; see `init(json:)` for raw bytes.
    public init(json bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try Action(json: $0) }
    }

    /// Decodes an action from JSON text; see `init(json:)` for raw bytes.
    public init(json text: String) throws {
        var text = text
        if let action = text.withUTF8({ Self.readJSON(UnsafeRawBufferPointer($0)) }) {
            self = action
        } else {
            self = try JSONDecoder().decode(Action.self, fromUntrusted: Data(text.utf8))
        }
    }

    /// The single-pass reader alone: nil wherever it leaves the input to `JSONDecoder`.
    @_spi(Testing) public static func readJSON(_ bytes: UnsafeRawBufferPointer) -> Action? {
        JSONReader.document(bytes, Action.init(reading:))
    }
}

// MARK: - Readers, one per type
//
// Each mirrors its type's `init(from:)`: required members (`decode`) must be present and not
// null, optional ones (`decodeIfPresent`) may be absent or null and then take the same default.

extension Action {
    private static let jsonNames = JSONNames<CodingKeys>()

    init(reading r: inout JSONReader) throws(JSONReader.GaveUp) {
        var id: String?, status: ActionStatus?, createdAt: Timestamp?, expiresAt: Timestamp?
        var resolvedAt: Timestamp?, requester: Requester?, kind: String?, summary: String?
        var command: String?, resource: String?, environment: String?, risk: Risk?, policy: Policy?
        var justification: String?, context: [ContextEntry] = [], diffs: [ActionDiff] = []
        var requiredApprovals: Int?, rule: AppliedRule?, claimed: RequesterClaim?
        var decisions: [Decision] = [], redactions = 0, digest: String?, escalatedAt: Timestamp?
        let names = Self.jsonNames
        var members = JSONMembers()
        try r.beginObject()
        while let key = try r.member(in: names, &members) {
            switch key {
            case .id: id = try r.string()
            case .status: status = try r.enumCase(ActionStatus.self)
            case .createdAt: createdAt = try r.timestamp()
            case .expiresAt: expiresAt = try r.timestamp()
            case .resolvedAt: resolvedAt = r.skipNull() ? nil : try r.timestamp()
            case .escalatedAt: escalatedAt = r.skipNull() ? nil : try r.timestamp()
            case .requester: requester = try Requester(reading: &r)
            case .kind: kind = try r.string()
            case .summary: summary = try r.string()
            case .command: command = try r.optionalString()
            case .resource: resource = try r.optionalString()
            case .environment: environment = try r.optionalString()
            case .risk: risk = try r.enumCase(Risk.self)
            case .policy: policy = try Policy(reading: &r)
            case .justification: justification = try r.optionalString()
            case .context: context = r.skipNull() ? [] : try r.array(ContextEntry.init(reading:))
            case .diffs: diffs = r.skipNull() ? [] : try r.array(ActionDiff.init(reading:))
            case .requiredApprovals: requiredApprovals = try r.int()
            case .rule: rule = r.skipNull() ? nil : try AppliedRule(reading: &r)
            case .claimed: claimed = r.skipNull() ? nil : try RequesterClaim(reading: &r)
            case .decisions: decisions = r.skipNull() ? [] : try r.array(Decision.init(reading:))
            case .redactions: redactions = r.skipNull() ? 0 : try r.int()
            case .digest: digest = try r.string()
            }
        }
        guard let id, let status, let createdAt, let expiresAt, let requester, let kind, let summary,
            let risk, let policy, let requiredApprovals, let digest
        else { throw JSONReader.GaveUp() }
        self.init(
            id: id, status: status, createdAt: createdAt, expiresAt: expiresAt, resolvedAt: resolvedAt,
            requester: requester, kind: kind, summary: summary, command: command, resource: resource,
            environment: environment, risk: risk, policy: policy, justification: justification,
            context: context, diffs: diffs, requiredApprovals: requiredApprovals, rule: rule, claimed: claimed, decisions: decisions,
            redactions: redactions, digest: digest, escalatedAt: escalatedAt)
    }
}

extension Requester {
    private static let jsonNames = JSONNames<CodingKeys>()

    init(reading r: inout JSONReader) throws(JSONReader.GaveUp) {
        var id: String?, kind: RequesterKind?, onBehalfOf: String?, session: String?
        let names = Self.jsonNames
        var members = JSONMembers()
        try r.beginObject()
        while let key = try r.member(in: names, &members) {
            switch key {
            case .id: id = try r.string()
            case .kind: kind = r.skipNull() ? nil : try r.enumCase(RequesterKind.self)
            case .onBehalfOf: onBehalfOf = try r.optionalString()
            case .session: session = try r.optionalString()
            }
        }
        guard let id else { throw JSONReader.GaveUp() }
        self.init(id: id, kind: kind ?? .agent, onBehalfOf: onBehalfOf, session: session)
    }
}

extension Policy {
    private static let jsonNames = JSONNames<CodingKeys>()

    init(reading r: inout JSONReader) throws(JSONReader.GaveUp) {
        var id: String?, reason: String?
        let names = Self.jsonNames
        var members = JSONMembers()
        try r.beginObject()
        while let key = try r.member(in: names, &members) {
            switch key {
            case .id: id = try r.string()
            case .reason: reason = try r.string()
            }
        }
        guard let id, let reason else { throw JSONReader.GaveUp() }
        self.init(id: id, reason: reason)
    }
}

extension ContextEntry {
    private static let jsonNames = JSONNames<CodingKeys>()

    init(reading r: inout JSONReader) throws(JSONReader.GaveUp) {
        var key: String?, value: String?
        let names = Self.jsonNames
        var members = JSONMembers()
        try r.beginObject()
        while let name = try r.member(in: names, &members) {
            switch name {
            case .key: key = try r.string()
            case .value: value = try r.string()
            }
        }
        guard let key, let value else { throw JSONReader.GaveUp() }
        self.init(key: key, value: value)
    }
}

extension ActionDiff {
    private static let jsonNames = JSONNames<CodingKeys>()

    init(reading r: inout JSONReader) throws(JSONReader.GaveUp) {
        var title: String?, format: String?, text: String?
        let names = Self.jsonNames
        var members = JSONMembers()
        try r.beginObject()
        while let key = try r.member(in: names, &members) {
            switch key {
            case .title: title = try r.string()
            case .format: format = try r.optionalString()
            case .text: text = try r.string()
            }
        }
        guard let title, let text else { throw JSONReader.GaveUp() }
        self.init(title: title, format: format ?? "unified", text: text)
    }
}

extension Decision {
    private static let jsonNames = JSONNames<CodingKeys>()

    init(reading r: inout JSONReader) throws(JSONReader.GaveUp) {
        var approver: String?, verdict: Verdict?, reason: String?, at: Timestamp?, digest: String?
        var groups: [String] = [], breakGlass = false
        let names = Self.jsonNames
        var members = JSONMembers()
        try r.beginObject()
        while let key = try r.member(in: names, &members) {
            switch key {
            case .approver: approver = try r.string()
            case .verdict: verdict = try r.enumCase(Verdict.self)
            case .reason: reason = try r.optionalString()
            case .at: at = try r.timestamp()
            case .digest: digest = try r.string()
            case .groups: groups = r.skipNull() ? [] : try r.array { r throws(JSONReader.GaveUp) in try r.string() }
            case .breakGlass: breakGlass = r.skipNull() ? false : try r.bool()
            }
        }
        guard let approver, let verdict, let at, let digest else { throw JSONReader.GaveUp() }
        self.init(approver: approver, verdict: verdict, reason: reason ?? "", at: at, digest: digest, groups: groups, breakGlass: breakGlass)
    }
}

extension AppliedRule {
    private static let jsonNames = JSONNames<CodingKeys>()

    init(reading r: inout JSONReader) throws(JSONReader.GaveUp) {
        var id: String?, reason: String?, risk: Risk?, approvals: Int?, groups: [GroupMinimum] = []
        var maxTTLSeconds: Int?, justification: JustificationRule?, outcome: PolicyOutcome?
        let names = Self.jsonNames
        var members = JSONMembers()
        try r.beginObject()
        while let key = try r.member(in: names, &members) {
            switch key {
            case .id: id = try r.string()
            case .reason: reason = try r.string()
            case .risk: risk = r.skipNull() ? nil : try r.enumCase(Risk.self)
            case .approvals: approvals = try r.int()
            case .groups: groups = r.skipNull() ? [] : try r.array(GroupMinimum.init(reading:))
            case .maxTTLSeconds: maxTTLSeconds = r.skipNull() ? nil : try r.int()
            case .justification: justification = try r.enumCase(JustificationRule.self)
            case .outcome: outcome = try r.enumCase(PolicyOutcome.self)
            }
        }
        guard let id, let reason, let approvals, let justification, let outcome else { throw JSONReader.GaveUp() }
        self.init(
            id: id, reason: reason, risk: risk, approvals: approvals, groups: groups, maxTTLSeconds: maxTTLSeconds,
            justificationRequired: justification == .required, outcome: outcome)
    }
}

extension GroupMinimum {
    private static let jsonNames = JSONNames<CodingKeys>()

    init(reading r: inout JSONReader) throws(JSONReader.GaveUp) {
        var group: String?, count: Int?
        let names = Self.jsonNames
        var members = JSONMembers()
        try r.beginObject()
        while let key = try r.member(in: names, &members) {
            switch key {
            case .group: group = try r.string()
            case .count: count = try r.int()
            }
        }
        guard let group, let count else { throw JSONReader.GaveUp() }
        self.init(group: group, count: count)
    }
}

extension RequesterClaim {
    private static let jsonNames = JSONNames<CodingKeys>()

    init(reading r: inout JSONReader) throws(JSONReader.GaveUp) {
        var risk: Risk?, requiredApprovals: Int?, ttlSeconds: Int?, policy: Policy?
        let names = Self.jsonNames
        var members = JSONMembers()
        try r.beginObject()
        while let key = try r.member(in: names, &members) {
            switch key {
            case .risk: risk = try r.enumCase(Risk.self)
            case .requiredApprovals: requiredApprovals = try r.int()
            case .ttlSeconds: ttlSeconds = r.skipNull() ? nil : try r.int()
            case .policy: policy = r.skipNull() ? nil : try Policy(reading: &r)
            }
        }
        guard let risk, let requiredApprovals else { throw JSONReader.GaveUp() }
        self.init(risk: risk, requiredApprovals: requiredApprovals, ttlSeconds: ttlSeconds, policy: policy)
    }
}
