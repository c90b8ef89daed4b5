/// A glob pattern: `*` matches any run of characters (none too), `?` exactly one, anything else
/// itself; characters are Unicode scalars.
///
/// Matching takes time linear in the subject, whatever the pattern: the pattern is cut at its
/// stars into runs; the first run must start the subject, the last must end it, and each run
/// between is found at its leftmost place after the one before (which is always right for
/// `*`, so nothing is ever tried twice). That search is a bit-parallel shift-and, one step per
/// character, which is why a run between two stars is at most 64 characters. So an operator's
/// `*a*a*a*a*b` costs one pass over an agent's 4 KB resource, never a backtracking blow-up.
public struct GlobPattern: Hashable, Sendable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    private let first: [Element]
    /// The runs between stars, in order; empty when the pattern has no star.
    private let middle: [Run]
    /// The run after the last star; nil when the pattern has no star.
    private let last: [Element]?

    /// The longest pattern, in Unicode scalars.
    public static let maxLength = 512
    /// The longest run between two stars (one 64-bit word of shift-and state).
    public static let maxRunLength = 64

    enum Element: Hashable, Sendable {
        case scalar(Unicode.Scalar)
        case any
    }

    /// Compiles `text`; throws a message saying what is wrong with it.
    public init(_ text: String) throws(GlobPatternError) {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { throw GlobPatternError("is empty") }
        guard scalars.count <= Self.maxLength else { throw GlobPatternError("is longer than \(Self.maxLength) characters") }
        if let reserved = scalars.first(where: { "[]{}\\".unicodeScalars.contains($0) }) {
            throw GlobPatternError("has \(reserved), which is not special here: only * and ? are, and [ ] { } \\ are refused so no one expects them to be")
        }
        var runs: [[Element]] = [[]]
        for scalar in scalars {
            switch scalar {
            case "*": runs.append([])
            case "?": runs[runs.count - 1].append(.any)
            default: runs[runs.count - 1].append(.scalar(scalar))
            }
        }
        self.text = text
        first = runs[0]
        if runs.count == 1 {
            middle = []
            last = nil
        } else {
            var between: [Run] = []
            for run in runs[1..<(runs.count - 1)] where !run.isEmpty {
                guard run.count <= Self.maxRunLength else {
                    throw GlobPatternError("has a run of \(run.count) characters between two stars; at most \(Self.maxRunLength)")
                }
                between.append(Run(run))
            }
            middle = between
            last = runs[runs.count - 1]
        }
    }

    public var description: String { text }

    public static func == (a: Self, b: Self) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// Whether the pattern matches the whole of `subject`.
    public func matches(_ subject: String) -> Bool { matches(Array(subject.unicodeScalars)) }

    /// Whether the pattern matches the whole of `subject`.
    public func matches(_ subject: [Unicode.Scalar]) -> Bool {
        guard let last else { return first.count == subject.count && Self.fits(first, subject, at: 0) }
        let end = subject.count - last.count
        guard first.count <= end, Self.fits(first, subject, at: 0), Self.fits(last, subject, at: end) else { return false }
        var from = first.count
        for run in middle {
            guard let after = run.endOfFirstMatch(in: subject, from: from, to: end) else { return false }
            from = after
        }
        return true
    }

    private static func fits(_ run: [Element], _ subject: [Unicode.Scalar], at start: Int) -> Bool {
        for (offset, element) in run.enumerated() {
            if case .scalar(let s) = element, subject[start + offset] != s { return false }
        }
        return true
    }

    /// A run between stars with its shift-and tables: bit i of a character's mask is set when
    /// the run's i-th element accepts that character.
    private struct Run: Hashable, Sendable {
        let count: Int
        /// Masks of ASCII characters, indexed by value.
        let ascii: [UInt64]
        /// Masks of the other characters the run names.
        let other: [Unicode.Scalar: UInt64]
        /// The mask of any other character: the run's `?`s.
        let wildcard: UInt64

        init(_ elements: [Element]) {
            var wildcard: UInt64 = 0
            for (i, e) in elements.enumerated() where e == .any { wildcard |= 1 << UInt64(i) }
            var ascii = [UInt64](repeating: wildcard, count: 128)
            var other: [Unicode.Scalar: UInt64] = [:]
            for (i, e) in elements.enumerated() {
                guard case .scalar(let s) = e else { continue }
                if s.value < 128 { ascii[Int(s.value)] |= 1 << UInt64(i) } else { other[s, default: wildcard] |= 1 << UInt64(i) }
            }
            count = elements.count
            self.ascii = ascii
            self.other = other
            self.wildcard = wildcard
        }

        /// Where the leftmost match of the run in `subject[from..<to]` ends (one past it).
        func endOfFirstMatch(in subject: [Unicode.Scalar], from: Int, to end: Int) -> Int? {
            let accept: UInt64 = 1 << UInt64(count - 1)
            var state: UInt64 = 0
            var i = from
            while i < end {
                let s = subject[i]
                state = ((state << 1) | 1) & (s.value < 128 ? ascii[Int(s.value)] : other[s] ?? wildcard)
                i += 1
                if state & accept != 0 { return i }
            }
            return nil
        }
    }
}

/// Why a glob pattern was refused: a phrase that follows the pattern (`"a[b]" has [ …`).
public struct GlobPatternError: Error, Hashable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
