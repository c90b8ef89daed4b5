import Foundation

/// One line of the results table.
struct ResultRow {
    enum Verdict: String {
        case meets = "meets"
        case misses = "MISSES"
        case reported = "—"
        case failed = "FAILED"
        /// Something the row needs is missing on this machine (PostgreSQL); the rest of the run goes on.
        case notRun = "not run"
    }

    var what: String
    var how: String
    var figure: String
    var target: String
    var verdict: Verdict
    /// Ours against the named peer, e.g. `4.1x httpx-sse`; empty when no peer is named.
    var peer: String = ""

    /// A row for a benchmark that could not run, saying why.
    static func failed(_ what: String, _ why: String) -> ResultRow {
        ResultRow(what: what, how: "could not run", figure: Report.oneLine(why), target: "", verdict: .failed)
    }

    /// A row whose benchmark needs something this machine does not have, saying what.
    static func notRun(_ what: String, target: String, _ why: String) -> ResultRow {
        ResultRow(what: what, how: "not run", figure: "not run: " + Report.oneLine(why), target: target, verdict: .notRun)
    }
}

/// Collects rows as benchmarks finish, and prints the table.
final class Report {
    private(set) var rows: [ResultRow] = []

    func add(_ row: ResultRow) {
        rows.append(row)
        Log.say("\(row.what): \(row.figure) [\(row.verdict.rawValue)]\(row.peer.isEmpty ? "" : " " + row.peer)")
    }

    /// The table in Markdown, ready to paste into BENCHMARKS.md.
    var markdown: String {
        var out = "| what | how | figure | target | verdict | peer ratio |\n|---|---|---|---|---|---|\n"
        for r in rows {
            out += "| \(cell(r.what)) | \(cell(r.how)) | \(cell(r.figure)) | \(cell(r.target)) | \(r.verdict.rawValue) | \(cell(r.peer)) |\n"
        }
        return out
    }

    private func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 }.prefix(300))
    }
}

/// Progress on stderr, so stdout carries only the table.
enum Log {
    static func say(_ text: String) {
        FileHandle.standardError.write(Data("tollgate-bench: \(text)\n".utf8))
    }
}

// MARK: - Formatting figures

enum Format {
    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    static func ms(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        return value < 10 ? String(format: "%.2f ms", value) : String(format: "%.1f ms", value)
    }

    static func count(_ value: Double) -> String {
        let rounded = Int(value.rounded())
        var digits = Array(String(rounded))
        var i = digits.count - 3
        while i > 0 {
            digits.insert(",", at: i)
            i -= 3
        }
        return String(digits)
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }

    /// `ours` as a multiple of `base` (`1.04×`), for a row set beside another of the same run.
    static func multiple(_ ours: Double?, of base: Double?) -> String {
        guard let ours, let base, base > 0 else { return "n/a" }
        return fixed(ours / base, 2) + "×"
    }

    /// How many times better ours is than the peer's figure, saying which way it goes.
    static func ratio(_ ours: Double, _ theirs: Double, peer: String, higherIsBetter: Bool) -> String {
        guard ours > 0, theirs > 0 else { return "n/a" }
        let r = higherIsBetter ? ours / theirs : theirs / ours
        return r >= 1 ? "\(fixed(r, 1))x better than \(peer)" : "\(fixed(1 / r, 1))x worse than \(peer)"
    }
}
