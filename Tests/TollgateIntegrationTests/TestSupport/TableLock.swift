import Foundation

/// A psql session holding an exclusive lock on a table of a test's PostgreSQL database: every
/// read and write of the table waits until `release()`. How a test keeps a replica from
/// reading the ledger (its feed follower, say) while it goes on answering requests.
///
/// Should the test end first, the session is killed with its `Spawned`, which ends the lock.
final class TableLock {
    private let database: PostgresDatabase
    private let table: String
    private let session: Spawned

    /// Locks `table` and returns once the lock is held.
    init(_ table: String, in database: PostgresDatabase, directory: URL) throws {
        self.database = database
        self.table = table
        let command = database.cluster.psqlCommand("BEGIN; LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600)", in: database.name)
        session = try Spawned(command.arguments, in: directory, executable: command.executable)
        try eventually("\(table) is locked") { try holders("count(*)") == "1" }
    }

    /// Ends the session, which releases the lock, and waits for psql to exit.
    func release() throws {
        let ended = try holders("pg_terminate_backend(pid)")
        guard ended == "t" else { throw HTTPClientError("no session held the lock on \(table) to end (\(ended.debugDescription))") }
        try session.wait()
    }

    /// `what` of the sessions holding the exclusive lock on the table.
    private func holders(_ what: String) throws -> String {
        try database.psql("SELECT \(what) FROM pg_locks WHERE relation = '\(table)'::regclass AND mode = 'AccessExclusiveLock' AND granted")
    }
}
