import Foundation

/// The ledger's tables as a test reads or rewrites them behind the server's back: the SQLite
/// file through the sqlite3 shell, or the PostgreSQL database through psql.
struct LedgerTables {
    let sqlitePath: String
    let database: PostgresDatabase?

    /// The rows `sql` returns, one line each with `|` between columns. Statements that change
    /// rows say what they changed with `RETURNING` (both databases take it).
    func rows(_ sql: String) throws -> [String] {
        let text: String
        if let database {
            text = try database.psql(sql)
        } else {
            text = try Shell.run(["sqlite3", "-cmd", ".timeout 5000", sqlitePath, sql], "sqlite3 \(sql)")
        }
        return text.split(separator: "\n").map(String.init)
    }

    /// Every byte the ledger keeps: each file of the SQLite database (main, WAL, shared memory),
    /// or every row of every table of the PostgreSQL database as text.
    func storedBytes() throws -> [UInt8] {
        if let database {
            let tables = try database.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").split(separator: "\n")
            return try tables.flatMap { table in Array(try database.psql("SELECT t::text FROM \(table) t").utf8) }
        }
        let dir = URL(fileURLWithPath: sqlitePath).deletingLastPathComponent()
        var bytes: [UInt8] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            bytes += try Array(Data(contentsOf: dir.appendingPathComponent(name)))
        }
        return bytes
    }
}
