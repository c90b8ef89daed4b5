import Foundation

/// A pattern that marks a risky added line, with the short label the approver reads beside it.
///
/// Two patterns are equal when their labels and pattern texts are.
public struct DangerPattern: Hashable, Sendable {
    public let label: String
    public let pattern: String
    let regex: NSRegularExpression
    /// Literals no match can do without (any one of them, case-insensitively): a line with none
    /// skips the regex. Nil for patterns from the configuration, which always run it.
    let literals: RequiredLiterals?

    /// A pattern from the configuration (an ICU regular expression, as `NSRegularExpression`
    /// reads it); throws a one-line message when it does not compile or matches an empty line,
    /// which would mark every added line.
    public init(label: String, pattern: String) throws(DangerPatternError) {
        try self.init(label: label, pattern: pattern, literals: nil)
        if matches("") { throw DangerPatternError("matches an empty line, so it would mark every added line") }
    }

    init(label: String, pattern: String, literals: [String]?) throws(DangerPatternError) {
        self.label = label
        self.pattern = pattern
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw DangerPatternError("not a valid regular expression")
        }
        self.literals = literals.map { RequiredLiterals([$0], caseInsensitive: true) }
    }

    public static func == (a: DangerPattern, b: DangerPattern) -> Bool { a.label == b.label && a.pattern == b.pattern }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(label)
        hasher.combine(pattern)
    }

    /// True when `line` has a match.
    func matches(_ line: String) -> Bool {
        matches(line, LiteralHaystack(line))
    }

    /// True when `line` has a match; `haystack` is its bytes, prepared once for every pattern.
    func matches(_ line: String, _ haystack: LiteralHaystack) -> Bool {
        if let literals, !literals.mayMatch(haystack) { return false }
        return regex.firstMatch(in: line, range: NSRange(location: 0, length: line.utf16.count)) != nil
    }
}

/// Why a danger pattern was refused.
public struct DangerPatternError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Marks the added lines of a diff or plan that match a danger pattern: the console's reading
/// aid (a gutter mark, the label, a count in the detail header), never a decision.
///
/// Only what a change makes is looked at: added lines of a unified diff; added lines and the
/// new side of changed or replaced lines of a plan (`PlanLine.newSide`). A removed
/// `0.0.0.0/0` is the risk going away.
///
/// ```swift
/// let marks = configuration.danger.marks(in: diff)      // once per diff
/// header(marks.summary)                                 // "2 danger marks: world-open CIDR, wildcard IAM action"
/// gutter(marks.labels(at: lineIndex))                   // nil: unmarked
/// cursor = marks.line(after: cursor) ?? cursor          // n; line(before:) for N
/// ```
///
/// Cost: each default pattern runs its regex only on lines holding one of its literals, so a
/// 20,000-line diff scans in a few milliseconds; each pattern from the configuration runs on
/// every added line (see BENCHMARKS.md).
public struct DangerMatcher: Hashable, Sendable {
    public let patterns: [DangerPattern]

    /// The defaults followed by `extra`.
    public init(extra: [DangerPattern] = []) {
        patterns = Self.defaults + extra
    }

    /// Marks the added lines of a unified diff.
    public func marks(in diff: UnifiedDiff) -> DangerMarks {
        marks(lineCount: diff.lineCount) { index in
            let line = diff.line(at: index)
            return line.kind == .added ? line.text : nil
        }
    }

    /// Marks the added lines, and the new side of changed and replaced lines, of a plan.
    public func marks(in plan: TerraformPlan) -> DangerMarks {
        marks(lineCount: plan.lineCount) { plan.line(at: $0).newSide }
    }

    /// Marks lines `0..<lineCount` by the text `scanned` gives for each (nil: not looked at).
    public func marks(lineCount: Int, scanned: (Int) -> Substring?) -> DangerMarks {
        var marked: [Int: [Int]] = [:]
        var order: [Int] = []
        for index in 0..<lineCount {
            guard let scannedText = scanned(index), !scannedText.isEmpty else { continue }
            let text = String(scannedText)
            let haystack = LiteralHaystack(text)
            let hits = patterns.indices.filter { patterns[$0].matches(text, haystack) }
            guard !hits.isEmpty else { continue }
            marked[index] = hits
            order.append(index)
        }
        return DangerMarks(lines: order, patternsByLine: marked, labels: patterns.map(\.label))
    }

    // MARK: - Defaults

    /// The shipped patterns. Look-alikes deliberately left unmarked: private ranges
    /// (`10.0.0.0/16`), named IAM actions (`"s3:GetObject"`) and resources (`arn:…:bucket/*`),
    /// `rm -r` without `-f`, `--force-with-lease` (the safe force push), `chmod 755`,
    /// `privileged: false`, `truncate(…)` in code.
    public static let defaults: [DangerPattern] = {
        // A key in JSON, YAML or HCL, maybe quoted, maybe with its quotes escaped inside a JSON
        // string (`jsonencode` policies in plans), then `:` or `=`.
        let key = #"\\?["']?\s*[:=]\s*"#
        let value = #"\[?\s*\\?["']"#
        let table: [(label: String, pattern: String, literals: [String])] = [
            ("world-open CIDR", #"(?<![0-9.])0\.0\.0\.0/0(?![0-9])"#, ["0.0.0.0/0"]),
            ("world-open CIDR", #"(?<![0-9A-Fa-f:])::/0(?![0-9])"#, ["::/0"]),
            ("wildcard IAM action", #"(?i)(?<![A-Za-z])actions?"# + key + value + #"([a-z0-9-]+:)?\*\\?["']"#, ["action"]),
            ("wildcard IAM resource", #"(?i)(?<![A-Za-z])resources?"# + key + value + #"\*\\?["']"#, ["resource"]),
            ("SQL DROP", #"(?i)\bdrop\s+(table|database|schema)\b"#, ["drop"]),
            ("SQL TRUNCATE", #"(?i)\btruncate\s+(table\b|[A-Za-z_"`][\w."`]*\s*(;|$))"#, ["truncate"]),
            (
                "recursive force delete",
                #"\brm\s+(-[A-Za-z]+\s+)*(-[A-Za-z]*([rR][A-Za-z]*f|f[A-Za-z]*[rR])|--recursive\s+--force|--force\s+--recursive|-[rR]\s+-f|-f\s+-[rR])"#, ["rm"]
            ),
            ("--force", #"(?<![\w-])--force(?![\w-])"#, ["--force"]),
            ("world-writable mode", #"\bchmod\s+(-[A-Za-z]+\s+)*0?777\b"#, ["chmod"]),
            ("privileged container", #"(?i)\bprivileged"# + key + #"\\?["']?true\b"#, ["privileged"]),
            ("host network", #"(?i)\bhost_?network"# + key + #"\\?["']?true\b"#, ["network"]),
        ]
        // The table is fixed and each pattern is tested (DangerMarksTests), so none can fail.
        return table.compactMap { try? DangerPattern(label: $0.label, pattern: $0.pattern, literals: $0.literals) }
    }()
}

/// The marked lines of one diff or plan, computed once per diff.
public struct DangerMarks: Hashable, Sendable {
    /// The marked line indices, ascending.
    public let lines: [Int]
    private let patternsByLine: [Int: [Int]]
    private let patternLabels: [String]

    /// Every label that marks some line, each once, in the order they first appear.
    public let labels: [String]

    init(lines: [Int], patternsByLine: [Int: [Int]], labels: [String]) {
        self.lines = lines
        self.patternsByLine = patternsByLine
        self.patternLabels = labels
        // Computed once here, not per frame: a hostile diff may mark thousands of lines.
        var used = Set<Int>()
        var order: [String] = []
        for line in lines {
            for hit in patternsByLine[line] ?? [] where used.insert(hit).inserted && !order.contains(labels[hit]) {
                order.append(labels[hit])
            }
        }
        self.labels = order
    }

    /// No marks.
    public static let none = DangerMarks(lines: [], patternsByLine: [:], labels: [])

    public var count: Int { lines.count }
    public var isEmpty: Bool { lines.isEmpty }

    /// The labels of the patterns line `index` matches (each once), nil when it is unmarked; O(1).
    public func labels(at index: Int) -> [String]? {
        guard let hits = patternsByLine[index] else { return nil }
        var seen: [String] = []
        for hit in hits where !seen.contains(patternLabels[hit]) { seen.append(patternLabels[hit]) }
        return seen
    }

    /// `2 danger marks: world-open CIDR, wildcard IAM action`; nil when there are none.
    public var summary: String? {
        guard !lines.isEmpty else { return nil }
        return "\(lines.count) danger \(lines.count == 1 ? "mark" : "marks"): " + labels.joined(separator: ", ")
    }

    /// The first marked line after `index`, if any (`n`).
    public func line(after index: Int) -> Int? {
        let i = UnifiedDiff.firstIndex(in: lines) { $0 > index }
        return i < lines.count ? lines[i] : nil
    }

    /// The last marked line before `index`, if any (`N`).
    public func line(before index: Int) -> Int? {
        let i = UnifiedDiff.firstIndex(in: lines) { $0 >= index }
        return i > 0 ? lines[i - 1] : nil
    }
}
