import Foundation
import XCTest

/// `metrics_listen` mistakes stop `tollgate serve` at start in one line naming the key.
final class MetricsConfigurationTests: XCTestCase {
    /// Runs `tollgate serve` on `sandbox`'s files with `--listen listen`; it must exit.
    private func serve(_ sandbox: Sandbox, listen: String = "127.0.0.1:0") throws -> TollgateBinary.Run {
        try TollgateBinary.run(
            ["serve", "--listen", listen, "--db", sandbox.databasePath, "--tokens", sandbox.tokensPath, "--config", sandbox.configPath],
            in: sandbox.directory, timeout: 60)
    }

    private static func errorLines(_ run: TollgateBinary.Run) -> [Substring] {
        run.stderr.split(separator: "\n").filter { !$0.isEmpty }
    }

    func testAMalformedMetricsAddressIsOneLineNamingTheKey() throws {
        for value in ["9470", "localhost", ":9470", "127.0.0.1:70000", "127.0.0.1:http"] {
            let sandbox = try Sandbox(self, config: "metrics_listen = \"\(value)\"\n" + Sandbox.quietConfig)
            let run = try serve(sandbox)
            XCTAssertNotEqual(run.status, 0, "\(value) must stop the server")
            let lines = Self.errorLines(run)
            XCTAssertEqual(lines.count, 1, "one line: \(run.stderr)")
            XCTAssertTrue(lines.first?.contains("\(sandbox.configPath):1: metrics_listen: ") == true, "\(value): \(run.stderr)")
            XCTAssertFalse(run.stdout.contains("listening"), "it never listened")
        }
    }

    /// Refused before either listener binds: otherwise whichever came second would fail with a
    /// bare "address already in use", and the API might have answered meanwhile.
    func testTheAPIsOwnAddressIsRefused() throws {
        let taken = try ClosedPort()
        let sandbox = try Sandbox(self, config: "metrics_listen = \"127.0.0.1:\(taken.port)\"\n" + Sandbox.quietConfig)
        let run = try serve(sandbox, listen: "127.0.0.1:\(taken.port)")
        XCTAssertNotEqual(run.status, 0)
        let lines = Self.errorLines(run)
        XCTAssertEqual(lines.count, 1, "one line: \(run.stderr)")
        XCTAssertTrue(lines.first?.contains("metrics_listen: 127.0.0.1:\(taken.port) is where the API listens") == true, run.stderr)
        XCTAssertFalse(run.stdout.contains("listening"), "it never listened")
    }
}
