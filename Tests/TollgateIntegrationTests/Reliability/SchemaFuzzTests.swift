import Foundation
import XCTest

/// Schemathesis generates requests from openapi.yaml against the real server: whatever it sends,
/// the server never answers 5xx (the feed, which never ends, is left out).
///
/// `make test` installs schemathesis into `.build/schemathesis-venv`.
final class SchemaFuzzTests: XCTestCase {
    func testNoGeneratedRequestGetsA5xx() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root = root.deletingLastPathComponent() }
        let schemathesis = root.appendingPathComponent(".build/schemathesis-venv/bin/schemathesis").path
        guard FileManager.default.isExecutableFile(atPath: schemathesis) else {
            throw HTTPClientError(
                "schemathesis is not installed at \(schemathesis); `make test` installs it (make \(".build/schemathesis-venv/bin/schemathesis"))")
        }
        // Long-polls capped at 1 s, so generated `wait` values do not stretch the run.
        let sandbox = try Sandbox(
            self,
            config: """
                [limits]
                rate_per_second = 0
                [actions]
                max_wait_seconds = 1
                """)
        let server = try sandbox.startServer()
        let report = sandbox.directory.appendingPathComponent("schemathesis.txt")
        try TestFiles.create(report.path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: schemathesis)
        // As the principal that is both agent and approver, so submissions and decisions are reached.
        process.arguments = [
            "run", root.appendingPathComponent("openapi.yaml").path, "--url", "http://127.0.0.1:\(server.port)",
            "-H", "Authorization: Bearer \(try sandbox.token("dual"))", "--exclude-path", "/v1/feed",
            "--max-examples", "30", "--checks", "not_a_server_error", "--request-timeout", "30", "--seed", "1",
            "--no-color",
        ]
        process.currentDirectoryURL = sandbox.directory
        process.standardOutput = try FileHandle(forWritingTo: report)
        process.standardError = process.standardOutput
        try process.run()
        let finished = ChildProcess.waitForExit(process, timeout: 900)
        if !finished { process.terminate() }
        let output = (try? String(contentsOf: report, encoding: .utf8)) ?? ""
        XCTAssertTrue(finished, "schemathesis did not finish within 15 minutes: \(output.suffix(3000))")
        XCTAssertEqual(process.terminationStatus, 0, "schemathesis found a failure:\n\(output.suffix(6000))")
        XCTAssertTrue(output.contains("passed"), output.suffix(3000).description)
        XCTAssertTrue(server.isRunning)
        let summary = output.split(separator: "\n").first { $0.contains("generated") } ?? ""
        print("schemathesis: \(summary.trimmingCharacters(in: .whitespaces))")
    }
}
