import TollgateCore

/// An action's detail text laid out for one width: labelled fields, wrapped values, the context
/// as an aligned table, and the decisions so far.
///
/// Built once per (action, width, charset) and kept in the model, so scrolling and clock ticks
/// only copy visible lines. Every value is agent-written and goes through the sanitiser; each
/// multi-line value is read up to `maxLines` lines, so even a megabyte command costs a bounded
/// amount of layout.
struct DetailDocument: Sendable {
    let action: Action
    let width: Int
    let asciiOnly: Bool
    private(set) var lines: [[Run]] = []
    /// `needs 1 approver from security`: what the quorum still lacks, for the status line,
    /// worked out here so a frame never runs the quorum's matching; nil unless pending and short.
    let stillNeeded: String?

    static let maxLines = 400

    func matches(_ action: Action, width: Int, asciiOnly: Bool) -> Bool {
        self.width == width && self.asciiOnly == asciiOnly && self.action == action
    }

    /// - Parameter danger: the patterns the action's diffs are marked with, whose count and
    ///   labels the document shows near its top, before anyone opens a diff.
    init(_ action: Action, width: Int, asciiOnly: Bool, danger: DangerMatcher = DangerMatcher()) {
        self.action = action
        self.width = width
        self.asciiOnly = asciiOnly
        let progress = action.status == .pending ? action.quorumProgress : nil
        stillNeeded = progress.flatMap { $0.isComplete ? nil : $0.description }
        guard width > 2 else { return }
        let styler = Styler(asciiOnly: asciiOnly)
        field("Summary", action.summary, styler)
        changes(styler, danger: danger)
        field("Kind", action.kind, styler)
        field("Command", action.command, styler)
        field("Resource", action.resource, styler)
        field("Environment", action.environment, styler)
        field("Requester", action.requester.id + " (\(action.requester.kind.rawValue))", styler)
        field("On behalf of", action.requester.onBehalfOf, styler)
        field("Session", action.requester.session, styler)
        rule(styler)
        field("Justification", action.justification, styler)
        context(styler)
        decisions(styler)
        diffs(styler)
        let redactions = action.redactions == 0 ? "none" : "\(action.redactions) secret\(action.redactions == 1 ? "" : "s") masked by the server"
        labelled("Redactions", [styler.label(redactions, action.redactions > 0 ? .toastWarn : .dim)])
        field("Digest", action.digest, styler, role: .dim)
        labelled("Created", [styler.label(Format.time(action.createdAt), .dim)])
        labelled("Expires", [styler.label(Format.time(action.expiresAt), .dim)])
        if let escalated = action.escalatedAt {
            labelled("Escalated", [styler.label(Format.time(escalated) + " (about to expire undecided)", .alert)])
        }
        if let resolved = action.resolvedAt { labelled("Resolved", [styler.label(Format.time(resolved), .dim)]) }
        field("Action id", action.id, styler, role: .dim)
    }

    // MARK: - Pieces

    private var labelWidth: Int { width >= 50 ? 17 : 0 }
    private var valueWidth: Int { labelWidth > 0 ? width - labelWidth : width - 2 }

    /// A labelled value that may span lines; absent values are left out.
    private mutating func field(_ label: String, _ value: String?, _ styler: Styler, role: ThemeRole = .body) {
        guard let value, !value.isEmpty else { return }
        let source = TextSanitizer.lines(value, options: styler.options, maxLines: Self.maxLines, maxColumns: valueWidth * 40)
        var wrapped: [[DisplayGlyph]] = []
        for line in source { wrapped += TextLayout.wrap(line, width: valueWidth) }
        if source.count == Self.maxLines { wrapped.append(styler.label("(display stops here; the text goes on)", .dim).glyphs) }
        emit(label, wrapped.map { [Run(glyphs: $0, role: role)] })
    }

    private mutating func labelled(_ label: String, _ runs: [Run]) {
        emit(label, [runs])
    }

    /// Places the label beside the first value line (or above it on narrow panes).
    private mutating func emit(_ label: String, _ valueLines: [[Run]]) {
        let styler = Styler(asciiOnly: asciiOnly)
        if labelWidth == 0 {
            lines.append([styler.label(label, .dim)])
            for value in valueLines { lines.append([styler.label("  ", .body)] + value) }
            return
        }
        let pad = String(repeating: " ", count: labelWidth)
        for (i, value) in valueLines.enumerated() {
            let head = i == 0 ? String((label + pad).prefix(labelWidth)) : pad
            lines.append([styler.label(head, .dim)] + value)
        }
    }

    private mutating func context(_ styler: Styler) {
        guard !action.context.isEmpty else { return }
        lines.append([styler.label("Context", .dim)])
        let keyGlyphs = action.context.map { TextSanitizer.singleLine($0.key, options: styler.options, maxColumns: 40) }
        let widest = keyGlyphs.reduce(0) { max($0, $1.reduce(0) { $0 + $1.width }) }
        let keyWidth = max(1, min(widest, 24, (width - 4) / 3))
        let valueWidth = max(1, width - 2 - keyWidth - 2)
        for (entry, key) in zip(action.context, keyGlyphs) {
            let valueLines = TextSanitizer.lines(entry.value, options: styler.options, maxLines: 50, maxColumns: valueWidth * 10)
                .flatMap { TextLayout.wrap($0, width: valueWidth) }
            for (i, value) in valueLines.enumerated() {
                let keyCell =
                    i == 0 ? TextLayout.fit(key, width: keyWidth, ellipsis: true, asciiOnly: asciiOnly) : Array(repeating: DisplayGlyph.space, count: keyWidth)
                lines.append([styler.label("  ", .body), Run(glyphs: keyCell, role: .dim), styler.label("  ", .body), Run(glyphs: value, role: .body)])
            }
        }
    }

    /// The rule the server matched, with what it requires, and apart from it what the requester
    /// asked for: approvers see both, each plainly labelled.
    private mutating func rule(_ styler: Styler) {
        let dash = asciiOnly ? " - " : " — "
        if let rule = action.rule {
            field("Rule", rule.id + dash + rule.reason, styler)
            field("Rule requires", Self.requirements(rule), styler)
        } else if action.claimed != nil {
            field("Rule", "none matched (the requester's values stand)", styler)
        } else {
            // Stored before the server applied policy: the policy named is the requester's.
            field("Rule", "none (stored before the server applied policy rules)", styler)
        }
        if let claimed = action.claimed {
            field("Requester asked", Self.claim(claimed), styler)
        } else {
            field("Requester asked", "policy " + action.policy.id + dash + action.policy.reason, styler)
        }
    }

    /// `risk at least critical, 2 approvers incl. 1 from security, ttl at most 30m00s, justification required`.
    static func requirements(_ rule: AppliedRule) -> String {
        if let verdict = rule.outcome.verdict {
            return "\(verdict == .approve ? "approved" : "denied") at submission, by \(rule.decider)"
        }
        var parts: [String] = []
        if let risk = rule.risk { parts.append("risk at least \(risk.rawValue)") }
        let groups = rule.groups.map { "\($0.count) from \($0.group)" }.joined(separator: ", ")
        parts.append("\(rule.approvals) approver\(rule.approvals == 1 ? "" : "s")" + (groups.isEmpty ? "" : " incl. " + groups))
        if let ttl = rule.maxTTLSeconds { parts.append("ttl at most \(Format.duration(ttl))") }
        parts.append("justification \(rule.justificationRequired ? "required" : "optional")")
        return parts.joined(separator: ", ")
    }

    /// `risk low, 1 approval, ttl 1d00h, policy prod-data (production data leaves the VPC)`.
    static func claim(_ claimed: RequesterClaim) -> String {
        let n = claimed.requiredApprovals
        var parts = ["risk \(claimed.risk.rawValue)", "\(n) approval\(n == 1 ? "" : "s")"]
        parts.append(claimed.ttlSeconds.map { "ttl \(Format.duration($0))" } ?? "ttl the server's default")
        parts.append(claimed.policy.map { "policy \($0.id) (\($0.reason))" } ?? "no policy named")
        return parts.joined(separator: ", ")
    }

    private mutating func decisions(_ styler: Styler) {
        var count = "\(action.approvalCount)/\(action.requiredApprovals) approvals"
        if let stillNeeded { count += "; " + stillNeeded }
        guard !action.decisions.isEmpty else {
            labelled("Decisions", [styler.text("none yet (\(count))", .dim, limit: width)])
            return
        }
        labelled("Decisions", [styler.text(count, .dim, limit: width)])
        for decision in action.decisions {
            let verdict = decision.verdict == .approve ? styler.label("approve", .statusApproved) : styler.label("deny   ", .statusDenied)
            var head = [styler.label("  ", .body), verdict, styler.label(" ", .body)]
            if decision.breakGlass { head += [styler.label("BREAK-GLASS", .alert), styler.label(" ", .body)] }
            head += [styler.text(decision.approver, .body, limit: 40), styler.label("  " + Format.time(decision.at), .dim)]
            if !decision.groups.isEmpty { head.append(styler.text("  (" + decision.groups.joined(separator: ", ") + ")", .dim, limit: 60)) }
            if decision.digest != action.digest { head.append(styler.label("  (saw another digest)", .danger)) }
            lines.append(head)
            if !decision.reason.isEmpty {
                let reasonLines = TextSanitizer.lines(decision.reason, options: styler.options, maxLines: 20, maxColumns: width * 4)
                    .flatMap { TextLayout.wrap($0, width: max(1, width - 4)) }
                for line in reasonLines { lines.append([styler.label("    ", .body), Run(glyphs: line, role: .body)]) }
            }
        }
    }

    /// Each plan's summary, then the danger marks of all the diffs: what the approver must see
    /// before deciding whether to open them.
    private mutating func changes(_ styler: Styler, danger: DangerMatcher) {
        var count = 0
        var labels: [String] = []
        for diff in action.diffs.prefix(20) {
            let marks: DangerMarks
            if let plan = TerraformPlan(diff: diff) {
                labelled("Plan", PlanSummaryRuns.counts(plan.summary, styler: styler))
                if let addresses = PlanSummaryRuns.addresses(plan.summary, styler: styler, limit: valueWidth * 4) {
                    let glyphs = addresses.flatMap { run in run.glyphs.map { (glyph: $0, role: run.role) } }
                    emit("At risk", Self.wrapped(glyphs, width: valueWidth))
                }
                marks = danger.marks(in: plan)
            } else {
                marks = danger.marks(in: UnifiedDiff(diff.text))
            }
            count += marks.count
            for label in marks.labels where !labels.contains(label) { labels.append(label) }
        }
        guard count > 0 else { return }
        let text = "\(count) danger \(count == 1 ? "mark" : "marks"): " + labels.joined(separator: ", ") + " (n in the diff goes to each)"
        field("Danger", text, styler, role: .danger)
    }

    /// Role-carrying glyphs cut into lines of `width` columns, each a list of runs.
    private static func wrapped(_ glyphs: [(glyph: DisplayGlyph, role: ThemeRole)], width: Int) -> [[Run]] {
        var lines: [[Run]] = []
        var line: [Run] = []
        var used = 0
        for (glyph, role) in glyphs {
            if used + glyph.width > width, used > 0 {
                lines.append(line)
                line = []
                used = 0
            }
            if line.last?.role == role { line[line.count - 1].glyphs.append(glyph) } else { line.append(Run(glyphs: [glyph], role: role)) }
            used += glyph.width
        }
        if !line.isEmpty { lines.append(line) }
        return Array(lines.prefix(4))
    }

    private mutating func diffs(_ styler: Styler) {
        guard !action.diffs.isEmpty else { return }
        let n = action.diffs.count
        labelled("Diffs", [styler.label("\(n) diff\(n == 1 ? "" : "s") (D shows them)", .dim)])
        for diff in action.diffs.prefix(20) {
            lines.append([styler.label("  ", .body), styler.text(diff.title, .diffHunk, limit: width)])
        }
    }
}
