import Foundation
import TollgateStore

/// The big history cache: built once with `HistoryStore.upsert` into .build-bench-data/ and
/// reused by later runs (building a million actions takes minutes).
///
/// A cache is reused only while its schema is exactly the one TollgateStore creates today:
/// the store's schema is still changing, and a cache from an older schema would measure
/// indexes and search tables the product no longer has.
enum HistoryData {
    /// The server URL every cached action belongs to.
    static let server = "https://tollgate.bench.example.com"
    /// Changes when the corpus or the way the cache is filled changes, so an old file is rebuilt.
    static let version = 1

    struct Built {
        var path: String
        var count: Int
        /// Set when this run built it: actions per second through `upsert`.
        var upsertsPerSecond: Double?
    }

    /// The cache of `count` actions, building it when it is missing or stale.
    static func ensure(_ context: BenchContext, count: Int) throws -> Built {
        try FileManager.default.createDirectory(atPath: context.data, withIntermediateDirectories: true)
        let path = context.data + "/history-\(count).sqlite"
        let marker = path + ".built"
        let current = try currentSchema(context)
        let expected = "version \(version) count \(count)\n\(current)"
        if (try? String(contentsOfFile: marker, encoding: .utf8)) == expected, FileManager.default.fileExists(atPath: path),
            try schema(of: path) == current
        {
            return Built(path: path, count: count)
        }
        for suffix in ["", "-wal", "-shm", ".built"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        Log.say("history: building a cache of \(Format.count(Double(count))) actions in \(path) (reused by later runs while the store's schema stays the same)")
        let start = BenchClock.now()
        do {
            let store = try HistoryStore(path: path)
            let corpus = Corpus()
            let batch = 5_000
            var done = 0
            while done < count {
                let n = min(batch, count - done)
                // One action in a hundred still pending, as in a real cache.
                try store.upsert((done..<(done + n)).map { corpus.action($0, resolved: $0 % 100 != 0) }, server: server)
                done += n
                if done % 100_000 == 0 { Log.say("history: \(Format.count(Double(done))) cached, \(Format.fixed(BenchClock.seconds(since: start), 0)) s") }
            }
        }
        let rate = Double(count) / BenchClock.seconds(since: start)
        try expected.write(toFile: marker, atomically: true, encoding: .utf8)
        return Built(path: path, count: count, upsertsPerSecond: rate)
    }

    /// The schema a new cache gets from the TollgateStore this benchmark was built with.
    private static func currentSchema(_ context: BenchContext) throws -> String {
        let probe = try context.folder("schema-probe") + "/history.sqlite"
        do { _ = try HistoryStore(path: probe) }
        return try schema(of: probe)
    }

    /// Every table, index, trigger and view definition in the file, in name order.
    private static func schema(of path: String) throws -> String {
        guard let sqlite3 = Command.which("sqlite3") else { throw BenchError("sqlite3 is not installed (make bench installs it)") }
        let (status, output) = try Command.run(sqlite3, ["-readonly", path, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"])
        guard status == 0 else { throw BenchError("sqlite3 could not read the schema of \(path)") }
        return output
    }
}
