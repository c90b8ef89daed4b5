import Foundation
import Glibc
import XCTest

/// The helper the PostgreSQL tests stand on: a database of their own that is gone after them,
/// a server they can stop and start, and a failure (never a skip) without the cluster.
final class PostgresClusterTests: XCTestCase {
    func testAFreshDatabaseIsTheRolesAndKeepsWhatIsWritten() throws {
        let cluster = try PostgresCluster.running()
        let database = try cluster.makeDatabase(self)
        XCTAssertEqual(database.url, "postgres://tollgate@127.0.0.1:\(cluster.port)/\(database.name)")
        XCTAssertEqual(
            try database.psql("SELECT current_database(), current_user, count(*) FROM pg_tables WHERE schemaname = 'public'"), "\(database.name)|tollgate|0")
        try database.psql("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)")
        try database.psql("INSERT INTO notes VALUES (1, 'one'), (2, 'two')")
        XCTAssertEqual(try database.psql("SELECT id, body FROM notes ORDER BY id"), "1|one\n2|two")
        XCTAssertThrowsError(try database.psql("INSERT INTO notes VALUES (1, 'again')")) { error in
            XCTAssertTrue("\(error)".contains("duplicate key value violates unique constraint"), "psql's own error: \(error)")
        }
    }

    func testTheDatabaseIsDroppedAtTeardownWhileASessionHoldsIt() throws {
        let cluster = try PostgresCluster.running()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-postgres-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var name = ""
        var holder: Spawned?
        // Teardown blocks run last first: this one runs after the helper's drop. Typed so that it is the
        // synchronous block, which may hold the session open until then.
        let afterTheDrop: () -> Void = {
            do {
                let left = try cluster.psql("SELECT count(*) FROM pg_database WHERE datname = '\(name)'", in: "postgres")
                XCTAssertEqual(left, "0", "dropped at teardown")
            } catch { XCTFail("\(error)") }
            holder?.kill(SIGKILL)
            try? FileManager.default.removeItem(at: directory)
        }
        addTeardownBlock(afterTheDrop)
        let database = try cluster.makeDatabase(self)
        name = database.name
        XCTAssertEqual(try cluster.psql("SELECT count(*) FROM pg_database WHERE datname = '\(name)'", in: "postgres"), "1")
        // A session still in the database at teardown (as a server a test left running) does not stop the drop.
        let session = cluster.psqlCommand("SELECT pg_sleep(600)", in: name)
        holder = try Spawned(session.arguments, in: directory, executable: session.executable)
        try eventually("the holding session is in the database") {
            try cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '\(name)' AND query LIKE '%pg_sleep(600)%'", in: "postgres") == "1"
        }
    }

    func testAStoppedServerRefusesAndAStartedOneAnswersWithTheDataKept() throws {
        let cluster = try PostgresCluster.running()
        let database = try cluster.makeDatabase(self)
        try database.psql("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")
        try cluster.stop(self)
        XCTAssertFalse(try cluster.isRunning())
        XCTAssertThrowsError(try database.psql("SELECT n FROM kept")) { error in
            XCTAssertTrue("\(error)".contains("Connection refused"), "\(error)")
        }
        try cluster.start()
        XCTAssertTrue(try cluster.isRunning())
        XCTAssertEqual(try database.psql("SELECT n FROM kept"), "42")
    }

    func testAServerATestLeftStoppedIsStartedAtItsTeardown() throws {
        let cluster = try PostgresCluster.running()
        // Runs after the restart `stop` registered.
        addTeardownBlock {
            XCTAssertEqual(try cluster.psql("SELECT 1", in: "postgres"), "1", "running again for the next test")
        }
        try cluster.stop(self)
        XCTAssertFalse(try cluster.isRunning())
    }

    func testWithoutTheWrapperTheTestsFailWithTheReason() {
        XCTAssertThrowsError(try PostgresCluster.running(environment: [:])) { error in
            XCTAssertTrue("\(error)".hasPrefix("PostgreSQL test cluster not running: TOLLGATE_TEST_POSTGRES_URL is unset"), "\(error)")
        }
        let reason = "PostgreSQL test cluster not started: initdb failed: could not create directory"
        XCTAssertThrowsError(try PostgresCluster.running(environment: ["TOLLGATE_TEST_POSTGRES_ERROR": reason])) { error in
            XCTAssertEqual("\(error)", reason)
        }
        XCTAssertThrowsError(try PostgresCluster.running(environment: ["TOLLGATE_TEST_POSTGRES_URL": "postgres://tollgate@db.example:5432/x"])) { error in
            XCTAssertTrue("\(error)".contains("is not postgres://USER@127.0.0.1:PORT/DB"), "\(error)")
        }
    }
}
