import Foundation
import Glibc
import XCTest

/// Files holding secrets are owner-only, and TLS is verified unless the user says otherwise.
///
/// A group-readable token file being refused is covered by `CommandLineTests.testUsageAndAuthErrorsExit2`,
/// and `token add` creating an owner-only file by `StartupTests.testTokenAddCreatesAnOwnerOnlyFileAndStoresOnlyTheHash`.
final class FileSafetyTests: XCTestCase {
    private func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    // MARK: - Owner-only files

    func testTheHistoryCacheAndTheServerDatabaseAreOwnerOnlyEvenUnderAPermissiveUmask() throws {
        let sandbox = try Sandbox(self)
        let previous = umask(0o022)
        defer { umask(previous) }
        let server = try sandbox.startServer()
        let historyDirectory = sandbox.directory.appendingPathComponent("state/tollgate").path
        let history = historyDirectory + "/history.sqlite"
        let run = try TollgateBinary.run(["history", "--db", history], in: sandbox.directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(mode(history), 0o600, "the history cache is owner-only")
        XCTAssertEqual(mode(historyDirectory), 0o700, "the directory created for it is owner-only")
        _ = try sandbox.client(server, as: "agent-1").submit(Fixtures.request())
        XCTAssertEqual(mode(sandbox.databasePath), 0o600, "the server database is owner-only")
        for companion in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: sandbox.databasePath + companion) {
            XCTAssertEqual(mode(sandbox.databasePath + companion), 0o600, "\(companion) is owner-only")
        }
        let tokens = sandbox.directory.appendingPathComponent("new-tokens.toml").path
        let add = try TollgateBinary.run(["token", "add", "--file", tokens, "--id", "eve", "--role", "agent"], in: sandbox.directory)
        XCTAssertEqual(add.status, 0, add.stderr)
        XCTAssertEqual(mode(tokens), 0o600, "token add under umask 022 still writes an owner-only file")
    }

    // MARK: - TLS verification

    /// A self-signed certificate for 127.0.0.1 made with the openssl CLI, and an HTTPS feed using it.
    private func tlsFeed(_ sandbox: Sandbox) throws -> (port: Int, cert: String, process: Process) {
        let cert = sandbox.directory.appendingPathComponent("cert.pem").path
        let key = sandbox.directory.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        XCTAssertTrue(ChildProcess.waitForExit(openssl, timeout: 60))
        guard openssl.terminationStatus == 0 else { throw HTTPClientError("openssl req failed (\(openssl.terminationStatus))") }

        var script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        script.appendPathComponent("python/tls_feed_server.py")
        let portFile = sandbox.directory.appendingPathComponent("tls-port").path
        try TestFiles.create(portFile)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", script.path, cert, key]
        server.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: portFile))
        server.standardError = FileHandle.nullDevice
        try server.run()
        addTeardownBlock {
            if server.isRunning { kill(server.processIdentifier, SIGKILL) }
        }
        var port = 0
        try eventually(timeout: 30, "the HTTPS feed said its port") {
            port = Int(((try? String(contentsOfFile: portFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            return port > 0
        }
        return (port, cert, server)
    }

    func testWatchVerifiesTheServerCertificateUnlessToldOtherwise() throws {
        let sandbox = try Sandbox(self)
        let feed = try tlsFeed(sandbox)
        let base = ["watch", "--once", "--server", "https://127.0.0.1:\(feed.port)", "--token-file", try sandbox.tokenFile("alice")]

        let unverified = try TollgateBinary.run(base, in: sandbox.directory)
        XCTAssertEqual(unverified.status, 2, "watch refused the self-signed certificate and gave up: \(unverified.stderr)")
        XCTAssertFalse(unverified.stderr.contains("live at seq"), "nothing was accepted from an unverified server: \(unverified.stderr)")
        XCTAssertTrue(unverified.stderr.lowercased().contains("certificate"), "the refusal names the certificate: \(unverified.stderr)")

        let trusted = try TollgateBinary.run(base + ["--ca-file", feed.cert], in: sandbox.directory)
        XCTAssertEqual(trusted.status, 0, trusted.stderr)
        XCTAssertTrue(trusted.stderr.contains("live at seq 0"), trusted.stderr)

        let insecure = try TollgateBinary.run(base + ["--insecure"], in: sandbox.directory)
        XCTAssertEqual(insecure.status, 0, insecure.stderr)
        XCTAssertTrue(insecure.stderr.contains("TLS verification is off"), "--insecure says so: \(insecure.stderr)")
    }
}
