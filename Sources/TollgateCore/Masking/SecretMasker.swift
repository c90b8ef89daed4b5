import Foundation

/// Finds secrets in agent-written text and replaces them with a recognisable mask.
///
/// The mask keeps what identifies the *kind* of secret and nothing of its value:
/// `AKIA…[masked]`, `ghp_…[masked]`, `postgres://app:…[masked]@db`, `Authorization: Bearer …[masked]`.
/// Built-in rules cover AWS keys, GitHub/GitLab/Slack tokens, Tollgate tokens, JWTs,
/// private key blocks, passwords in URLs, `Authorization:` headers and `secret = value`
/// assignments; servers add their own patterns from configuration.
public struct SecretMasker: Sendable {
    /// One masking rule: a pattern, and how much of the match to keep.
    public struct Rule: Sendable {
        public var name: String
        let regex: NSRegularExpression
        /// Replacement template: `$1`… refer to capture groups; `…[masked]` marks the secret.
        let template: String
        /// Literals no match can do without (nil: unknown, always run the regex).
        let literals: RequiredLiterals?

        /// A rule from a pattern. Throws a readable message when the pattern does not compile.
        public init(name: String, pattern: String, template: String = Self.mask) throws {
            try self.init(name: name, pattern: pattern, template: template, literals: nil)
        }

        init(name: String, pattern: String, template: String, literals: RequiredLiterals?) throws {
            self.name = name
            do {
                self.regex = try NSRegularExpression(pattern: pattern, options: [])
            } catch {
                throw MaskingError(message: "secret pattern \(name): not a valid regular expression: \(pattern)")
            }
            self.template = template
            self.literals = literals
        }

        public static let mask = "…[masked]"
    }

    public struct MaskingError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    public private(set) var rules: [Rule]
    /// Whether a rule's regex is skipped on text that lacks its required literals. Off only in
    /// the test that proves the skipping changes no output.
    let prefilters: Bool

    public init(extraPatterns: [(name: String, pattern: String)] = []) throws {
        try self.init(extraPatterns: extraPatterns, prefilters: true)
    }

    init(extraPatterns: [(name: String, pattern: String)], prefilters: Bool) throws {
        rules = Self.builtIn
        for p in extraPatterns { rules.append(try Rule(name: p.name, pattern: p.pattern)) }
        self.prefilters = prefilters
    }

    /// The rules every server applies. The patterns are literals, so `try!` cannot fail at run time
    /// without failing every test first.
    ///
    /// Each rule names the literals a match cannot do without, read off its pattern: every
    /// group must have one of its strings in the text. Case-insensitive rules (`(?i)`) say so,
    /// and are checked ASCII-case-insensitively on ASCII text only.
    static let builtIn: [Rule] = {
        let m = Rule.mask
        let specs: [(String, String, String, RequiredLiterals)] = [
            ("private-key", #"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)"#,
             "-----BEGIN $1PRIVATE KEY-----" + m, RequiredLiterals([["-----BEGIN "], ["PRIVATE KEY-----"]])),
            ("authorization-header", #"(?i)\b((?:proxy-)?authorization\s*[:=]\s*"?(?:(?:bearer|basic|token|digest|aws4-hmac-sha256)\s+)?)[^\s"',;]{4,}"#, "$1" + m,
             RequiredLiterals([["authorization"], [":", "="]], caseInsensitive: true)),
            ("url-password", #"\b([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]+:)[^\s@/]+(@)"#, "$1" + m + "$2",
             RequiredLiterals([["://"], ["@"]])),
            ("jwt", #"\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}"#, "eyJ" + m,
             RequiredLiterals([["eyJ"], ["."]])),
            ("aws-access-key", #"\b(AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b"#, "$1" + m,
             RequiredLiterals([["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA"]])),
            ("github-token", #"\b(gh[pousr]_)[A-Za-z0-9]{30,255}\b"#, "$1" + m,
             RequiredLiterals([["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]])),
            ("github-pat", #"\b(github_pat_)[A-Za-z0-9_]{22,255}\b"#, "$1" + m, RequiredLiterals([["github_pat_"]])),
            ("gitlab-token", #"\b(glpat-|gldt-|glrt-|glptt-)[A-Za-z0-9_\-]{20,}"#, "$1" + m,
             RequiredLiterals([["glpat-", "gldt-", "glrt-", "glptt-"]])),
            ("slack-token", #"\b(xox[abposr]-)[A-Za-z0-9\-]{10,}"#, "$1" + m,
             RequiredLiterals([["xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"]])),
            ("slack-webhook", #"(https://hooks\.slack\.com/services/)[A-Za-z0-9/_\-]+"#, "$1" + m,
             RequiredLiterals([["https://hooks.slack.com/services/"]])),
            ("tollgate-token", #"\b(tg_)[A-Za-z0-9_\-]{20,}"#, "$1" + m, RequiredLiterals([["tg_"]])),
            ("secret-assignment",
             #"(?i)\b((?:aws_secret_access_key|aws_session_token|secret_access_key|client_secret|api[_\-]?key|access[_\-]?token|auth[_\-]?token|password|passwd|pwd|secret)["']?\s*[:=]\s*["']?)(?![^\s"',;&]*…\[masked\])[^\s"',;&]{4,}"#,
             "$1" + m,
             // "secret" covers every *secret* name, "token" the *_token ones, "api" api key, "passw" password and passwd.
             RequiredLiterals([["secret", "token", "api", "passw", "pwd"], [":", "="]], caseInsensitive: true)),
        ]
        return specs.map { spec in
            try! Rule(name: spec.0, pattern: spec.1, template: spec.2, literals: spec.3)  // literal patterns, covered by tests
        }
    }()

    /// The masked text and how many secrets were masked in it.
    public func mask(_ text: String) -> (text: String, count: Int) {
        var current = text
        var count = 0
        // Rules run on the text as earlier rules left it, so the literals are looked for in
        // `current`: the bytes are read again after each replacement.
        var haystack: LiteralHaystack?
        // By index, not `for rule in rules`: a copy of each rule per field (its strings, regex
        // and literals retained and released) cost more than the checks themselves.
        for index in rules.indices {
            if prefilters, let literals = rules[index].literals {
                let bytes = haystack ?? LiteralHaystack(current)
                haystack = bytes
                if !literals.mayMatch(bytes) { continue }
            }
            let rule = rules[index]
            let ns = current as NSString
            let range = NSRange(location: 0, length: ns.length)
            let matches = rule.regex.numberOfMatches(in: current, options: [], range: range)
            guard matches > 0 else { continue }
            count += matches
            current = rule.regex.stringByReplacingMatches(in: current, options: [], range: range, withTemplate: rule.template)
            haystack = nil
        }
        return (current, count)
    }

    /// Masks an optional string, adding to `count`.
    public func mask(_ text: String?, count: inout Int) -> String? {
        guard let text else { return nil }
        let (masked, n) = mask(text)
        count += n
        return masked
    }

    /// Masks a non-optional string, adding to `count`.
    public func mask(_ text: String, count: inout Int) -> String {
        let (masked, n) = mask(text)
        count += n
        return masked
    }

    /// The submission with every string field masked, and the number of secrets masked.
    public func mask(_ request: ActionRequest) -> (ActionRequest, Int) {
        var n = 0
        var r = request
        r.kind = mask(r.kind, count: &n)
        r.summary = mask(r.summary, count: &n)
        r.command = mask(r.command, count: &n)
        r.resource = mask(r.resource, count: &n)
        r.environment = mask(r.environment, count: &n)
        r.justification = mask(r.justification, count: &n)
        r.onBehalfOf = mask(r.onBehalfOf, count: &n)
        r.session = mask(r.session, count: &n)
        if let p = r.policy { r.policy = Policy(id: mask(p.id, count: &n), reason: mask(p.reason, count: &n)) }
        r.context = r.context.map { ContextEntry(key: mask($0.key, count: &n), value: mask($0.value, count: &n)) }
        r.diffs = r.diffs.map { ActionDiff(title: mask($0.title, count: &n), format: $0.format, text: mask($0.text, count: &n)) }
        return (r, n)
    }
}
