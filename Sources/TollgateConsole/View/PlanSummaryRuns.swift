import TollgateCore

/// A plan's summary as the detail and the diff view show it: what it adds, changes, replaces and
/// destroys, with replace and destroy in the alert role and the addresses they hit listed.
enum PlanSummaryRuns {
    /// `1 to add, 2 to change, 1 to replace, 3 to destroy` (reads and forgets when there are some).
    static func counts(_ summary: PlanSummary, styler: Styler) -> [Run] {
        guard !summary.isEmpty else { return [styler.label("no changes", .body)] }
        var runs = [
            styler.label("\(summary.add) to add, \(summary.change) to change, ", .body),
            styler.label("\(summary.replace) to replace", summary.replace > 0 ? .alert : .body),
            styler.label(", ", .body),
            styler.label("\(summary.destroy) to destroy", summary.destroy > 0 ? .alert : .body),
        ]
        if summary.read > 0 { runs.append(styler.label(", \(summary.read) to read", .body)) }
        if summary.forget > 0 { runs.append(styler.label(", \(summary.forget) to forget", .body)) }
        return runs
    }

    /// `destroy: aws_db_instance.main · replace: aws_instance.web`, or nil when nothing is
    /// destroyed or replaced; addresses are the agent's text, so they go through the sanitiser.
    static func addresses(_ summary: PlanSummary, styler: Styler, limit: Int) -> [Run]? {
        var runs: [Run] = []
        for (word, addresses) in [("destroy: ", summary.destroyed), ("replace: ", summary.replaced)] where !addresses.isEmpty {
            if !runs.isEmpty { runs.append(styler.label(styler.dot.dropFirst().description, .body)) }
            runs.append(styler.label(word, .alert))
            runs.append(styler.text(addresses.joined(separator: ", "), .alert, limit: limit))
        }
        return runs.isEmpty ? nil : runs
    }
}
