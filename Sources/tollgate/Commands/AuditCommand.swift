import ArgumentParser
import Foundation
import TollgateClient
import TollgateCore

/// `tollgate audit`: the tamper-evident record of every resolution.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Work with the server's audit chain.",
        subcommands: [Verify.self]
    )

    /// `tollgate audit verify`: fetch new records, then verify the whole chain offline.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch new audit records into the cache and verify the whole chain offline.",
            discussion:
                "Exit 0 when every link holds, 1 with the first broken link, 2 on errors (including a server that answers records at or before the "
                + "ones asked after). The cache keeps each chain under its first record, so any spelling of the server URL shares it; a URL whose "
                + "server now has another chain exits 1 with REPLACED. When the server cannot be reached, what is cached is verified and a warning "
                + "says so. Every break-glass approval in the chain is named on a line of its own after the verdict; --list prints every "
                + "record (policy:<id> is a rule's resolution at submission)."
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var history: HistoryOptions
        @Flag(help: "Also print every verified record, one line each.") var list = false

        func run() throws {
            let endpoint = try connection.endpoint()
            let client = APIClient(endpoint: endpoint)
            let store = try history.open()
            let server = endpoint.baseURL
            let seen: String?
            do { seen = try store.auditChain(server: server) } catch { throw CommandFailure("history cache \(history.path): \(error)") }
            // The chain verified: named by its first record's hash, which the server reports, so
            // every spelling of its URL shares it; offline, the one last seen at this URL.
            var chain = seen
            var fetched = 0
            do {
                if let first = try client.audit(after: 0, limit: 1).first {
                    chain = first.hash
                    try store.setAuditChain(first.hash, server: server)
                    var after = try store.lastAuditSeq(chain: first.hash)
                    while true {
                        let records = try client.audit(after: after)
                        if records.isEmpty { break }
                        let next = try PageProgress.audit(records, after: after)
                        try store.appendAudit(records, chain: first.hash)
                        fetched += records.count
                        after = next
                    }
                } else {
                    chain = nil
                }
            } catch let error as PageProgress.Stalled {
                throw CommandFailure("audit: \(error.description); nothing from that page was kept")
            } catch let error as ClientError {
                Diagnostics.warn("audit: could not fetch new records (\(error)); verifying the cached chain only")
            } catch {
                throw CommandFailure("history cache \(history.path): \(error)")
            }
            let records: [AuditRecord]
            do { records = try chain.map { try store.auditRecords(chain: $0) } ?? [] } catch { throw CommandFailure("history cache \(history.path): \(error)") }
            if let broken = AuditChain.firstBreak(in: records) {
                print("audit chain BROKEN at \(Printable.line(broken.description))")
                throw Exit.checkFailed
            }
            print("audit chain intact: \(records.count) records (\(fetched) new), last hash \(records.last?.hash ?? AuditRecord.genesis)")
            for line in AuditLines.breakGlass(records) { print(line) }
            if list { for record in records { print(AuditLines.record(record)) } }
            if let seen, seen != chain {
                // Not silently trusted: the records verified before are not this server's.
                print(
                    "audit chain REPLACED: \(Printable.line(server)) now serves a chain starting \(chain ?? "with no records"), "
                        + "not the one starting \(seen) verified here before (a new database, or another server)")
                throw Exit.checkFailed
            }
        }
    }
}

/// Audit records as lines for people; every agent- or approver-written part sanitised.
enum AuditLines {
    /// One line per break-glass approval in `records`, so an auditor cannot miss one.
    static func breakGlass(_ records: [AuditRecord]) -> [String] {
        let glass = records.flatMap { r in r.decisions.filter(\.breakGlass).map { (r, $0) } }
        let count = glass.isEmpty ? [] : ["\(ActionText.breakGlassMark) \(glass.count) break-glass approval\(glass.count == 1 ? "" : "s") in the chain:"]
        return count + glass.map { r, d in Printable.line("  record \(r.seq) (\(r.actionID)): \(d.approver) approved alone at \(d.at): \(d.reason)") }
    }

    /// `7 act_… approved: policy:staging-restarts approve: restarts in staging are routine`.
    static func record(_ r: AuditRecord) -> String {
        let decisions = r.decisions.map { d in
            (d.breakGlass ? ActionText.breakGlassMark + " " : "") + "\(d.approver) \(d.verdict.rawValue)" + (d.reason.isEmpty ? "" : ": \(d.reason)")
        }
        return Printable.line("\(r.seq) \(r.actionID) \(r.status.rawValue)" + (decisions.isEmpty ? "" : ": " + decisions.joined(separator: "; ")))
    }
}
