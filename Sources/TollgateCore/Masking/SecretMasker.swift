import Foundation

/// Finds secrets in agent-written text and replaces them with a recognisable mask.
///
/// The mask keeps what identifies the *kind* of secret and nothing of its value:
/// `AKIA…[masked]`, `ghp_…[masked]`, `postgres://app:…[masked]@db`, `Authorization: Bearer …[masked]`,
/// `DB_PASSWORD=…[masked]`. And it never hides anything but the secret's own characters: every
/// rule, built-in or from configuration, only proposes a candidate, and `MaskableRuns` decides
/// what of it is masked (runs of token characters, and nothing of a candidate that touches code).
/// In a pass every rule runs over the text as given, never over another rule's output, and
/// passes repeat until one masks nothing, so masking already-masked text changes nothing.
public struct SecretMasker: Sendable {
    /// One masking rule: a pattern, and which part of its match is the secret.
    public struct Rule: Sendable {
        /// Which part of a match is the secret.
        enum Secret: Sendable, Equatable {
            /// The whole match.
            case match
            /// The first capture group that took part in the match (alternatives each have their own).
            case capture
            /// The private key body lines after the match (a BEGIN marker): `PrivateKeyBodies`.
            case keyBody
        }

        public var name: String
        let regex: NSRegularExpression
        let secret: Secret
        /// Literals no match can do without (nil: unknown, always run the regex).
        let literals: RequiredLiterals?

        /// A rule from a pattern whose whole match is the secret. Throws a readable message when
        /// the pattern does not compile.
        public init(name: String, pattern: String) throws {
            try self.init(name: name, pattern: pattern, secret: .match, literals: nil)
        }

        init(name: String, pattern: String, secret: Secret, literals: RequiredLiterals?) throws {
            self.name = name
            do {
                self.regex = try NSRegularExpression(pattern: pattern, options: [])
            } catch {
                throw MaskingError(message: "secret pattern \(name): not a valid regular expression: \(pattern)")
            }
            self.secret = secret
            self.literals = literals
        }

        /// What replaces each masked run of a secret.
        public static let mask = MaskableRuns.mark

        /// The candidate secret of one match, as the spans it is made of; nil when it has none.
        func candidate(of match: NSTextCheckingResult, in units: [UInt16]) -> [Range<Int>]? {
            switch secret {
            case .keyBody:
                let lines = PrivateKeyBodies.lines(after: match.range.location + match.range.length, in: units)
                return lines.isEmpty ? nil : lines
            case .match, .capture:
                let groups = secret == .match ? 0...0 : 1...max(1, match.numberOfRanges - 1)
                guard let range = groups.lazy.map({ match.range(at: $0) }).first(where: { $0.location != NSNotFound }),
                    range.length > 0
                else { return nil }
                return [range.location..<(range.location + range.length)]
            }
        }
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

    /// The masked text and how many secrets were masked in it.
    ///
    /// Passes repeat until one masks nothing, so the result is stable: masking it again changes
    /// nothing. A second pass finds something only when a mask changed what a rule's pattern
    /// sees around it (a host after a masked `@`); it ends because every productive pass masks
    /// token characters that no later pass can mask again.
    public func mask(_ text: String) -> (text: String, count: Int) {
        var (current, count) = maskOnce(text)
        guard count > 0 else { return (current, 0) }
        while true {
            let (next, more) = maskOnce(current)
            if more == 0 { return (current, count) }
            (current, count) = (next, count + more)
        }
    }

    /// One pass of every rule over `text`.
    private func maskOnce(_ text: String) -> (text: String, count: Int) {
        var haystack: LiteralHaystack?
        var units: [UInt16]?
        var masked: [Bool] = []
        var runs: [Range<Int>] = []
        var count = 0
        // By index, not `for rule in rules`: a copy of each rule per field (its strings, regex
        // and literals retained and released) cost more than the checks themselves.
        for index in rules.indices {
            if prefilters, let literals = rules[index].literals {
                let bytes = haystack ?? LiteralHaystack(text)
                haystack = bytes
                if !literals.mayMatch(bytes) { continue }
            }
            let utf16 = units ?? Array(text.utf16)
            units = utf16
            var start = 0
            search: while start < utf16.count {
                let range = NSRange(location: start, length: utf16.count - start)
                for match in rules[index].regex.matches(in: text, options: [], range: range) {
                    let whole = match.range.location..<(match.range.location + match.range.length)
                    // A match consumes text only when it masks. One over a secret already
                    // masked, or one left visible, may not exist in the masked text, so the rule
                    // must find here what it finds there: it searches again from the next character.
                    guard !alreadyMasked(whole, in: utf16, masked),
                        let candidate = rules[index].candidate(of: match, in: utf16),
                        !candidate.contains(where: { alreadyMasked($0, in: utf16, masked) })
                    else {
                        start = whole.lowerBound + 1
                        continue search
                    }
                    let found = MaskableRuns.runs(of: candidate, in: utf16, asCode: true)
                    guard !found.isEmpty else {
                        start = whole.lowerBound + 1
                        continue search
                    }
                    claim(found, in: utf16, &masked, &runs)
                    count += 1
                }
                break
            }
        }
        guard let units, !runs.isEmpty else { return (text, 0) }
        return (MaskableRuns.apply(runs.sorted { $0.lowerBound < $1.lowerBound }, to: units), count)
    }

    /// Whether part of `span` is masked already: by an earlier rule (the rule that found it
    /// first keeps its prefix, `ghp_…[masked]`) or by a mark in the text. A token run that meets
    /// one counts as masked whole.
    private func alreadyMasked(_ span: Range<Int>, in units: [UInt16], _ masked: [Bool]) -> Bool {
        if MaskableRuns.containsMark(span, in: units) { return true }
        guard !span.isEmpty else { return false }
        let left = MaskableRuns.tokenRun(around: span.lowerBound..<span.lowerBound, in: units).lowerBound
        let right = MaskableRuns.tokenRun(around: span.upperBound..<span.upperBound, in: units).upperBound
        let widened = left..<right
        if !masked.isEmpty, masked[widened].contains(true) { return true }
        return MaskableRuns.touchesMark(widened, in: units)
    }

    /// Records `found` as masked.
    private func claim(_ found: [Range<Int>], in units: [UInt16], _ masked: inout [Bool], _ runs: inout [Range<Int>]) {
        if masked.isEmpty { masked = Array(repeating: false, count: units.count) }
        for run in found { masked[run] = ArraySlice(repeating: true, count: run.count) }
        runs += found
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

    /// A context value under a key that names a secret (`password`, `DB_TOKEN`, `apiKey`…): every
    /// run of token characters is masked, counted as one secret. The value is data, not a command,
    /// so a value holding code is masked too, but still only its token characters.
    public func maskValue(ofSecretKey value: String) -> (text: String, count: Int) {
        let units = Array(value.utf16)
        let runs = MaskableRuns.runs(of: [0..<units.count], in: units, asCode: false)
        return runs.isEmpty ? (value, 0) : (MaskableRuns.apply(runs, to: units), 1)
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
        r.context = r.context.map { entry in
            guard SecretNames.isSecretKey(entry.key) else {
                return ContextEntry(key: mask(entry.key, count: &n), value: mask(entry.value, count: &n))
            }
            let (value, found) = maskValue(ofSecretKey: entry.value)
            n += found
            return ContextEntry(key: entry.key, value: value)
        }
        r.diffs = r.diffs.map { diff in
            let text = diff.format == DiffFormat.terraformPlanJSON ? mask(planJSON: diff.text, count: &n) : mask(diff.text, count: &n)
            return ActionDiff(title: mask(diff.title, count: &n), format: diff.format, text: text)
        }
        return (r, n)
    }
}
