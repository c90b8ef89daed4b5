/// Reads `[[policy]]` tables from a TOML configuration into a `PolicySet`.
///
/// Every mistake is a `ConfigError` naming the file, the line and the key: unknown keys,
/// patterns that are not globs or not in the compared form, counts out of range, an
/// `outcome` or `justification` other than the ones there are, a duplicate id, and a rule no
/// submission could reach because a rule without matchers comes before it.
public enum PolicyFile {
    /// Reads only the policy from a configuration file's text; the file's other tables belong
    /// to the server and are neither read nor checked here.
    public static func parse(text: String, file: String) throws(ConfigError) -> PolicySet {
        var root = try ConfigReader.parse(text, file: file)
        return try read(&root)
    }

    /// Reads the `policy` key of `root`, marking it as read: the server's own reader calls this
    /// and then `root.finish()`, which refuses whatever else it did not ask for.
    public static func read(_ root: inout ConfigReader) throws(ConfigError) -> PolicySet {
        var rules: [PolicyRule] = []
        for var table in try root.tableArray("policy") {
            let rule = try self.rule(&table)
            if let other = rules.first(where: { $0.id == rule.id }) {
                throw table.error("id", "duplicate id \"\(rule.id)\" (first at line \(other.line))")
            }
            if let all = rules.first(where: \.matchesEverything) {
                throw ConfigError(
                    file: table.file, line: rule.line, key: table.path,
                    message: "rule \"\(rule.id)\" can never match: rule \"\(all.id)\" (line \(all.line)) has no matchers and matches everything first")
            }
            rules.append(rule)
        }
        return PolicySet(rules: rules)
    }

    /// The longest `reason`, in characters (as an action's summary).
    public static let reasonLength = ActionRequest.Limits.summaryLength
    /// The longest `max_ttl_seconds`: a year, as the server's own `[actions]` limit.
    public static let maxTTLSeconds: Int64 = 365 * 86_400

    private static func rule(_ t: inout ConfigReader) throws(ConfigError) -> PolicyRule {
        let id = try t.requiredString("id")
        if !isValidID(id) { throw t.error("id", "expected 1 to 64 of a-z 0-9 _ - . (it is shown as policy:<id>)") }
        let reason = try t.requiredString("reason")
        if Identity.key(reason).isEmpty { throw t.error("reason", "must not be empty") }
        if reason.count > reasonLength { throw t.error("reason", "longer than \(reasonLength) characters") }
        if reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw t.error("reason", "must be one line without control characters")
        }
        var rule = PolicyRule(id: id, reason: reason, line: t.table.line)
        rule.kinds = try matcher(&t, "kinds")
        rule.environments = try matcher(&t, "environments")
        rule.resources = try matcher(&t, "resources")
        rule.requesters = try matcher(&t, "requesters")
        if let risk = try t.string("risk") {
            guard let value = Risk(rawValue: risk) else { throw t.error("risk", Risk.expectedText) }
            rule.risk = value
        }
        let maxApprovals = Int64(ActionRequest.Limits.maxApprovals)
        rule.approvals = try t.integer("approvals", in: 1...maxApprovals).map(Int.init)
        rule.groups = try groups(&t, limit: maxApprovals)
        rule.maxTTLSeconds = try t.integer("max_ttl_seconds", in: 1...maxTTLSeconds).map(Int.init)
        if let text = try t.string("justification") {
            guard let value = JustificationRule(rawValue: text) else { throw t.error("justification", JustificationRule.expectedText) }
            rule.justificationRequired = value == .required
        }
        if let outcome = try t.string("outcome") {
            guard let value = PolicyOutcome(rawValue: outcome) else { throw t.error("outcome", PolicyOutcome.expectedText) }
            rule.outcome = value
        }
        if rule.outcome != .review {
            // Nobody approves an action resolved at submission: a count here is a mistake.
            for key in ["approvals", "groups"] where t.table[key] != nil {
                throw t.error(key, "has no effect with outcome = \"\(rule.outcome.rawValue)\", which resolves the action at submission")
            }
        }
        try t.finish()
        return rule
    }

    /// The glob list `key` of `t` as a matcher (nil when absent), every pattern checked as a rule's are.
    public static func matcher(_ t: inout ConfigReader, _ key: String) throws(ConfigError) -> PolicyMatcher? {
        guard let texts = try t.strings(key) else { return nil }
        if texts.isEmpty { throw t.error(key, "an empty list matches nothing; leave the key out to match anything") }
        var patterns: [GlobPattern] = []
        for text in texts {
            do {
                patterns.append(try PolicyMatcher.pattern(text))
            } catch {
                throw t.error(key, "bad pattern \"\(text)\": \(error.message)")
            }
        }
        return PolicyMatcher(patterns)
    }

    private static func groups(_ t: inout ConfigReader, limit: Int64) throws(ConfigError) -> [GroupMinimum] {
        guard var table = try t.table("groups") else { return [] }
        var out: [GroupMinimum] = []
        var seen: [String: String] = [:]
        for name in table.table.keys {
            if let problem = Identity.problem(in: name) { throw table.error(name, "a group name \(problem)") }
            if let first = seen.updateValue(name, forKey: Identity.key(name)) {
                throw table.error(name, "the same group as \"\(first)\" (names are compared folded)")
            }
            guard let count = try table.integer(name, in: 1...limit) else { continue }
            out.append(GroupMinimum(group: name, count: Int(count)))
        }
        if out.isEmpty { throw t.error("groups", "an empty table requires nothing; leave the key out") }
        let total = out.reduce(0) { $0 + $1.count }
        if total > limit { throw t.error("groups", "the counts add up to \(total); at most \(limit) approvers can be required") }
        try table.finish()
        return out
    }

    private static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { idBytes.contains($0) }
    }

    private static let idBytes: Set<UInt8> = Set(Array("abcdefghijklmnopqrstuvwxyz0123456789_-.".utf8))
}
