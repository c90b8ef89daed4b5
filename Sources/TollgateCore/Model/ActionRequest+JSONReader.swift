// MARK: - Decoding request bodies from JSON

// `JSONDecoder` was a large share of a submission's CPU (BENCHMARKS.md, server capacity);
// these readers follow `Action`'s
// (see `Action+JSONReader.swift`): the same value as `JSONDecoder` for what they read, and
// `JSONDecoder` itself, value and error, for anything they leave aside.

extension ActionRequest {
    /// Decodes a submission from UTF-8 JSON in a single pass: exactly what
    /// `JSONDecoder().decode(ActionRequest.self, fromUntrusted:)` gives, value or error.
    public init(json bytes: UnsafeRawBufferPointer) throws {
        self = try JSONReader.decode(bytes, ActionRequest.init(reading:))
    }

    /// The single-pass reader alone: nil wherever it leaves the input to `JSONDecoder`.
    @_spi(Testing) public static func readJSON(_ bytes: UnsafeRawBufferPointer) -> ActionRequest? {
        JSONReader.document(bytes, ActionRequest.init(reading:))
    }

    private static let jsonNames = JSONNames<CodingKeys>()

    /// Mirrors `init(from:)`: `kind` and `summary` required, every other member optional (absent
    /// or null) with the same default.
    init(reading r: inout JSONReader) throws(JSONReader.GaveUp) {
        var kind: String?, summary: String?, command: String?, resource: String?, environment: String?
        var risk: Risk?, policy: Policy?, justification: String?, context: [ContextEntry] = [], diffs: [ActionDiff] = []
        var requiredApprovals: Int?, ttlSeconds: Int?, onBehalfOf: String?, session: String?
        let names = Self.jsonNames
        var members = JSONMembers()
        try r.beginObject()
        while let key = try r.member(in: names, &members) {
            switch key {
            case .kind: kind = try r.string()
            case .summary: summary = try r.string()
            case .command: command = try r.optionalString()
            case .resource: resource = try r.optionalString()
            case .environment: environment = try r.optionalString()
            case .risk: risk = r.skipNull() ? nil : try r.enumCase(Risk.self)
            case .policy: policy = r.skipNull() ? nil : try Policy(reading: &r)
            case .justification: justification = try r.optionalString()
            case .context: context = r.skipNull() ? [] : try r.array(ContextEntry.init(reading:))
            case .diffs: diffs = r.skipNull() ? [] : try r.array(ActionDiff.init(reading:))
            case .requiredApprovals: requiredApprovals = r.skipNull() ? nil : try r.int()
            case .ttlSeconds: ttlSeconds = r.skipNull() ? nil : try r.int()
            case .onBehalfOf: onBehalfOf = try r.optionalString()
            case .session: session = try r.optionalString()
            }
        }
        guard let kind, let summary else { throw JSONReader.GaveUp() }
        self.init(
            kind: kind, summary: summary, command: command, resource: resource, environment: environment,
            risk: risk ?? .medium, policy: policy, justification: justification, context: context, diffs: diffs,
            requiredApprovals: requiredApprovals ?? 1, ttlSeconds: ttlSeconds, onBehalfOf: onBehalfOf, session: session)
    }
}

extension DecisionRequest {
    /// Decodes a decision from UTF-8 JSON in a single pass: exactly what
    /// `JSONDecoder().decode(DecisionRequest.self, fromUntrusted:)` gives, value or error.
    public init(json bytes: UnsafeRawBufferPointer) throws {
        self = try JSONReader.decode(bytes, DecisionRequest.init(reading:))
    }

    /// The single-pass reader alone: nil wherever it leaves the input to `JSONDecoder`.
    @_spi(Testing) public static func readJSON(_ bytes: UnsafeRawBufferPointer) -> DecisionRequest? {
        JSONReader.document(bytes, DecisionRequest.init(reading:))
    }

    private static let jsonNames = JSONNames<CodingKeys>()

    /// Mirrors `init(from:)`: `verdict` and `digest` required, `reason` optional ("" when absent
    /// or null), `break_glass` optional (false).
    init(reading r: inout JSONReader) throws(JSONReader.GaveUp) {
        var verdict: Verdict?, reason: String?, digest: String?, breakGlass = false
        let names = Self.jsonNames
        var members = JSONMembers()
        try r.beginObject()
        while let key = try r.member(in: names, &members) {
            switch key {
            case .verdict: verdict = try r.enumCase(Verdict.self)
            case .reason: reason = try r.optionalString()
            case .digest: digest = try r.string()
            case .breakGlass: breakGlass = r.skipNull() ? false : try r.bool()
            }
        }
        guard let verdict, let digest else { throw JSONReader.GaveUp() }
        self.init(verdict: verdict, reason: reason ?? "", digest: digest, breakGlass: breakGlass)
    }
}
