import Foundation
import XCTest

/// Which ledger a test's servers run on.
enum LedgerBackend: String, Sendable {
    case sqlite
    case postgres
}

/// A class of the protocol suite: its servers (`InProcessServer.make`, `Sandbox`) run on the
/// ledger `TOLLGATE_TEST_LEDGER` names, SQLite when unset. `make test` runs the suite twice,
/// the second time on PostgreSQL (scripts/run-tests.sh); XCTest on Linux does not run a
/// subclass's inherited tests, so the suite is parameterised by the environment instead.
class LedgerBackendTestCase: XCTestCase {
    /// The ledger this run asked for; a value that names none fails the test, saying so.
    static func backend(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LedgerBackend {
        guard let name = environment["TOLLGATE_TEST_LEDGER"] else { return .sqlite }
        guard let backend = LedgerBackend(rawValue: name) else {
            throw HTTPClientError("TOLLGATE_TEST_LEDGER=\(name): expected sqlite or postgres")
        }
        return backend
    }

    /// A fresh PostgreSQL database for this test when the run is on PostgreSQL, else nil.
    /// Without the test cluster it throws why, so the PostgreSQL run fails rather than skips.
    func postgresDatabase() throws -> PostgresDatabase? {
        guard try Self.backend() == .postgres else { return nil }
        return try PostgresCluster.running().makeDatabase(self)
    }
}
