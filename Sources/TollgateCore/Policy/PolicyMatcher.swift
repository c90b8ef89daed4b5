/// One matcher of a policy rule (`kinds`, `environments`, `resources` or `requesters`): glob
/// patterns of which any may match.
///
/// Values are compared in the form `Identity.key` gives them (NFKC, case-folded, without white
/// space, invisible characters or trailing dots), the same on every field: the values are
/// agent text, and an agent must not step around `environments = ["production"]` by writing
/// `Production`, `production ` or a full-width `ｐｒｏｄｕｃｔｉｏｎ`. Patterns are therefore
/// written in that form already (`problem(in:)` refuses any other), so a pattern means what it
/// says. A field the request leaves out, or sends empty, is the empty value: `*` matches it,
/// any other pattern does not.
public struct PolicyMatcher: Hashable, Sendable {
    public let patterns: [GlobPattern]

    public init(_ patterns: [GlobPattern]) { self.patterns = patterns }

    /// Whether any pattern matches `value`, already folded by `fold`.
    public func matches(_ value: [Unicode.Scalar]) -> Bool {
        // By index, so no pattern is copied (see `PolicySet.firstMatch`).
        for i in patterns.indices where patterns[i].matches(value) { return true }
        return false
    }

    /// `value` in the form matchers compare (nil is the empty value).
    public static func fold(_ value: String?) -> [Unicode.Scalar] {
        guard let value else { return [] }
        return Array(Identity.key(value).unicodeScalars)
    }

    /// Compiles a pattern written in the compared form; throws what is wrong with it.
    public static func pattern(_ text: String) throws(GlobPatternError) -> GlobPattern {
        let pattern = try GlobPattern(text)
        if let problem = Identity.problem(in: text) { throw GlobPatternError(problem) }
        let folded = Identity.key(text)
        guard folded == text else {
            throw GlobPatternError("is compared folded (case, width, trailing dots); write it as \"\(folded)\"")
        }
        return pattern
    }
}
