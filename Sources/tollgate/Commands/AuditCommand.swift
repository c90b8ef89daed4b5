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
                + "says so."
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var history: HistoryOptions

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
