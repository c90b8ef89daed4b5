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
        return foldASCII(value) ?? Array(Identity.key(value).unicodeScalars)
    }

    /// `Identity.key` of `value` as scalars when `value` is all ASCII, else nil.
    ///
    /// Kinds, environments, resources and principal ids are nearly always ASCII, and there the
    /// key comes down to three byte rules: white space and control characters (0x00-0x20, 0x7F;
    /// no ASCII character is default-ignorable) are dropped, A-Z become a-z, trailing dots go.
    /// Done on the bytes, a submission's four fields fold in ~0.3 µs instead of ~10 µs spent
    /// asking each scalar's Unicode properties and case-mapping a String twice (tollgate-bench
    /// `--only policy`). Tests hold it to `Identity.key` on every ASCII character.
    static func foldASCII(_ value: String) -> [Unicode.Scalar]? {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            guard byte < 0x80 else { return nil }
            if byte <= 0x20 || byte == 0x7F { continue }
            out.append(Unicode.Scalar(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte))
        }
        while out.last == "." { out.removeLast() }
        return out
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
