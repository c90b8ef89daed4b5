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
            discussion: "Exit 0 when every link holds, 1 with the first broken link, 2 on errors. When the server cannot be reached, what is cached is verified and a warning says so."
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var history: HistoryOptions

        func run() throws {
            let endpoint = connection.endpoint()
            let client = APIClient(endpoint: endpoint)
            let store = history.open()
            let server = endpoint.baseURL
            var fetched = 0
            do {
                var after = try store.lastAuditSeq(server: server)
                while true {
                    let records = try client.audit(after: after)
                    guard let last = records.last else { break }
                    try store.appendAudit(records, server: server)
                    fetched += records.count
                    after = last.seq
                }
            } catch let error as ClientError {
                Diagnostics.warn("audit: could not fetch new records (\(error)); verifying the cached chain only")
            } catch {
                Diagnostics.fail("history cache \(history.path): \(error)")
            }
            let records: [AuditRecord]
            do { records = try store.auditRecords(server: server) } catch { Diagnostics.fail("history cache \(history.path): \(error)") }
            if let broken = AuditChain.firstBreak(in: records) {
                print("audit chain BROKEN at \(Printable.line(broken.description))")
                throw Exit.checkFailed
            }
            print("audit chain intact: \(records.count) records (\(fetched) new), last hash \(records.last?.hash ?? AuditRecord.genesis)")
        }
    }
}
