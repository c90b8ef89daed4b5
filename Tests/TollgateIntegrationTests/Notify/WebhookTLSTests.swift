import Foundation
import XCTest

/// Deliveries over https, the only scheme a non-loopback webhook may use: a receiver whose
/// certificate a private CA signed gets them when its notifier names the CA (`ca_file`), and a
/// notifier trusting only the system's store refuses the same receiver, attempt after attempt,
/// until it gives up.
final class WebhookTLSTests: XCTestCase {
    /// An HTTPS receiver (Python's http.server in ssl) that answers 200 and appends each
    /// delivery's id and notifier to a file; prints its port.
    private static let receiver = """
        import http.server, ssl, sys
        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with open(sys.argv[3], "a") as log:
                    log.write(self.headers.get("X-Tollgate-Notifier", "") + " " + self.headers.get("X-Tollgate-Delivery", "") + "\\n")
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    func testAPrivateCAIsTrustedOnlyByTheNotifierThatNamesIt() throws {
        let ca = try TestCertificateAuthority(self)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-https-hook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let logPath = directory.appendingPathComponent("received").path
        let python = try Spawned(
            ["python3", "-c", Self.receiver, ca.serverCertificatePath, ca.serverKeyPath, logPath], in: directory,
            executable: URL(fileURLWithPath: "/usr/bin/env"))
        var port = ""
        try eventually("the https receiver listens", { python.stderr }) {
            port = python.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return !port.isEmpty
        }
        let config =
            Sandbox.quietConfig + """

                [[notify]]
                id = "private"
                url = "https://127.0.0.1:\(port)/hook"
                ca_file = "\(ca.certificatePath)"
                events = ["pending"]

                [[notify]]
                id = "system-trust"
                url = "https://127.0.0.1:\(port)/hook"
                events = ["pending"]
                max_attempts = 2
                timeout_seconds = 2
                retry_initial_seconds = 0.05
                retry_max_seconds = 0.1
                """
        let sandbox = try Sandbox(self, config: config)
        let server = try sandbox.startServer()
        let submitted = try sandbox.client(server, as: "agent-1").submit(Fixtures.request())
        try eventually(
            timeout: 60, "the notifier that trusts the CA delivers, and the other gives up",
            {
                "received: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""); outbox: \((try? sandbox.ledgerTables.rows("SELECT notifier, failed, attempts, last_error FROM outbox")) ?? []); logs: \(sandbox.allServerLogs.suffix(3000))"
            }
        ) {
            try sandbox.ledgerTables.rows("SELECT notifier, failed FROM outbox") == ["system-trust|1"]
        }
        let received = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(received.count, 1, "one delivery got through: \(received)")
        XCTAssertTrue(received.first?.hasPrefix("private dlv_") ?? false, "\(received)")
        let logs = sandbox.allServerLogs
        XCTAssertTrue(logs.contains("webhook system-trust (https://127.0.0.1:\(port))"), logs)
        XCTAssertTrue(logs.contains("given up: the receiver's certificate is not trusted"), logs)
        XCTAssertEqual(try sandbox.client(server, as: "alice").action(submitted.id).status, .pending, "a webhook's failure touches no action")
    }

    func testACAFileThatHoldsNoCertificateStopsTheServer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-bad-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let bogus = directory.appendingPathComponent("ca.pem").path
        try "not a certificate\n".write(toFile: bogus, atomically: true, encoding: .utf8)
        let sandbox = try Sandbox(
            self, config: Sandbox.quietConfig + "\n[[notify]]\nid = \"x\"\nurl = \"https://hooks.example.com/x\"\nca_file = \"\(bogus)\"\n")
        let run = try TollgateBinary.run(
            ["serve", "--listen", "127.0.0.1:0", "--db", sandbox.databasePath, "--tokens", sandbox.tokensPath, "--config", sandbox.configPath],
            in: sandbox.directory)
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("notify[1].ca_file: \(bogus): cannot read PEM certificates from it"), run.stderr)
    }
}
