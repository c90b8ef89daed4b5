import Foundation
import Glibc
import XCTest

/// `tollgate demo --no-console` ends like every long-running command: on SIGINT, SIGTERM or
/// SIGHUP, even started with them blocked, and it removes its temporary folder however it ends.
final class DemoLifecycleTests: XCTestCase {
    private static let signals: [(Int32, String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")]
    private static let marker = "Ctrl-C stops the demo and deletes "

    func testTheHeadlessDemoStopsOnEveryStopSignalAndRemovesItsFolder() throws {
        let sandbox = try Sandbox(self)
        for (signo, name) in Self.signals {
            let demo = try MaskedChild(["demo", "--no-console", "--interval", "60"], in: sandbox.directory)
            var folder = ""
            try eventually(timeout: 60, "\(name): the demo says it is up; stderr: \(demo.stderr)") {
                guard let line = demo.stdout.split(separator: "\n").first(where: { $0.hasPrefix(Self.marker) }) else { return false }
                folder = String(line.dropFirst(Self.marker.count).dropLast())  // the line ends with "."
                return true
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder), "\(name): \(folder) exists while the demo runs")
            kill(demo.pid, signo)
            XCTAssertEqual(try demo.wait(timeout: 30), 0, "\(name): the demo ends with status 0; stderr: \(demo.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder), "\(name): \(folder) is removed")
        }
    }

    func testADemoWhosePortIsTakenSaysSoInOneLineAndLeavesNoFolder() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let temporary = sandbox.directory.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = temporary.path
        let demo = try Spawned(["demo", "--no-console", "--port", "\(server.port)"], in: sandbox.directory, environment: environment)
        XCTAssertEqual(try demo.wait(timeout: 60), 2, demo.stderr)
        let lines = demo.stderr.split(separator: "\n").filter { $0.hasPrefix("tollgate: ") }
        XCTAssertEqual(lines.count, 1, "one line says why: \(demo.stderr)")
        XCTAssertTrue(lines.first?.contains("did not start (is 127.0.0.1:\(server.port) free?)") ?? false, demo.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary.path), [], "the demo's folder (tokens included) is removed")
    }
}
