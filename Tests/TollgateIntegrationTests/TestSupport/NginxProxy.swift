import Foundation
import Glibc
import XCTest

/// Debian's nginx terminating TLS on `127.0.0.1` in front of `tollgate serve` replicas, with
/// docs/deploy/nginx.conf as its site: the configuration the docs show is the one tested.
///
/// It runs as a child (`daemon off`) in its own temporary prefix folder, which holds the main
/// configuration, the site, the pid file, the logs and nginx's temporary files; nothing outside
/// it is written, and it never listens on a privileged port. Teardown stops it (SIGQUIT, then
/// SIGKILL), prints its error log when the test failed, and removes the folder.
final class NginxProxy {
    static let executable = "/usr/sbin/nginx"
    /// The port it serves TLS on, at `127.0.0.1`.
    let port: Int
    let prefix: URL
    private let process: Spawned

    var errorLogPath: String { prefix.appendingPathComponent("error.log").path }
    /// nginx's error log so far (and what it said on standard error before it had one).
    var errorLog: String { ((try? String(contentsOfFile: errorLogPath, encoding: .utf8)) ?? "") + process.stderr }
    /// How many TLS handshakes nginx has seen a client abandon, refusing its certificate.
    var refusedHandshakes: Int { errorLog.components(separatedBy: "while SSL handshaking").count - 1 }
    /// The requests nginx has answered so far, oldest first.
    var accessLog: [NginxRequest] {
        let text = (try? String(contentsOfFile: prefix.appendingPathComponent("access.log").path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { NginxRequest(logLine: $0) }
    }

    /// Starts nginx with `site` (the documented one unless given) in front of the replicas on
    /// `upstreams` (ports on `127.0.0.1`), serving `authority`'s server certificate, and returns
    /// once a TLS handshake with it succeeds.
    init(_ test: XCTestCase, upstreams: [Int], authority: TestCertificateAuthority, site: NginxSite? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw HTTPClientError("\(Self.executable) is not installed: `make deps` installs it (Debian package nginx-light)")
        }
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-nginx-\(UUID().uuidString)")
        self.prefix = prefix
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("temp"), withIntermediateDirectories: true)
        let site = try site ?? NginxSite.documented()
        let sitePath = prefix.appendingPathComponent("tollgate.conf").path
        let configurationPath = prefix.appendingPathComponent("nginx.conf").path
        try Self.mainConfiguration(prefix: prefix.path, sitePath: sitePath).write(toFile: configurationPath, atomically: true, encoding: .utf8)
        do {
            (port, process) = try Self.launch(
                configurationPath: configurationPath, sitePath: sitePath, prefix: prefix,
                render: { port in
                    try site.rendered(
                        port: port, certificatePath: authority.serverCertificatePath, keyPath: authority.serverKeyPath,
                        upstreams: upstreams.map { "127.0.0.1:\($0)" })
                },
                answers: { port in TLSTunnel.handshakes(port: port, caFile: authority.certificatePath, in: prefix) })
        } catch {
            try? FileManager.default.removeItem(at: prefix)
            throw error
        }
        test.addTeardownBlock { [self, weak test] in
            stop()
            if let failures = test?.testRun?.totalFailureCount, failures > 0 { print("nginx error log (\(errorLogPath)):\n\(errorLog.suffix(4000))") }
            try? FileManager.default.removeItem(at: prefix)
        }
    }

    /// Starts nginx on a free port (the site for it made by `render`) and waits until it
    /// `answers`; returns the port and the running nginx.
    private static func launch(
        configurationPath: String, sitePath: String, prefix: URL, render: (Int) throws -> String, answers: (Int) -> Bool
    ) throws -> (Int, Spawned) {
        let errorLogPath = prefix.appendingPathComponent("error.log").path
        // The port is free when chosen but only nginx's bind holds it: another test may take it
        // in between, so a start that fails for that reason is tried again on another port.
        for attempt in 1...5 {
            let port = try freePort()
            try render(port).write(toFile: sitePath, atomically: true, encoding: .utf8)
            let process = try Spawned(
                ["-p", prefix.path + "/", "-c", configurationPath, "-g", "daemon off;"], in: prefix,
                executable: URL(fileURLWithPath: executable))
            do {
                try eventually(timeout: 30, "nginx answers TLS on 127.0.0.1:\(port)") { !process.process.isRunning || answers(port) }
            } catch {
                terminate(process)
                throw HTTPClientError("\(error); its error log: \(((try? String(contentsOfFile: errorLogPath, encoding: .utf8)) ?? "").suffix(2000))")
            }
            if process.process.isRunning { return (port, process) }
            let log = ((try? String(contentsOfFile: errorLogPath, encoding: .utf8)) ?? "") + process.stderr
            guard log.contains("Address already in use"), attempt < 5 else {
                throw HTTPClientError("nginx exited at start (status \(process.process.terminationStatus)): \(log.suffix(2000))")
            }
            try? FileManager.default.removeItem(atPath: errorLogPath)
        }
        throw HTTPClientError("nginx found no free port in 5 tries")
    }

    /// The main configuration around the site: Debian's /etc/nginx/nginx.conf cut to what a
    /// test needs, with every path inside `prefix`.
    private static func mainConfiguration(prefix: String, sitePath: String) -> String {
        // One worker: passive health checks count failures per worker, so with one the replica a
        // request goes to next is known.
        """
        worker_processes 1;
        pid \(prefix)/nginx.pid;
        error_log \(prefix)/error.log info;
        events { worker_connections 256; }
        http {
            log_format replicas '$status|$request|$upstream_addr|$upstream_status|$upstream_connect_time';
            access_log \(prefix)/access.log replicas;
            client_body_temp_path \(prefix)/temp/client_body;
            proxy_temp_path \(prefix)/temp/proxy;
            fastcgi_temp_path \(prefix)/temp/fastcgi;
            uwsgi_temp_path \(prefix)/temp/uwsgi;
            scgi_temp_path \(prefix)/temp/scgi;
            include \(sitePath);
        }

        """
    }

    /// A port on `127.0.0.1` that nothing listens on now (the kernel's choice for port 0),
    /// released at once for nginx to bind.
    private static func freePort() throws -> Int { try ClosedPort().port }

    /// Stops nginx; later calls do nothing.
    func stop() { Self.terminate(process) }

    /// Stops `nginx`: SIGQUIT (finish what is in flight), then SIGKILL for it and its workers if
    /// it is still running after 10 s.
    private static func terminate(_ nginx: Spawned) {
        guard nginx.process.isRunning else { return }
        let master = nginx.process.processIdentifier
        let workers = children(of: master)
        nginx.kill(SIGQUIT)
        guard !ChildProcess.waitForExit(nginx.process, timeout: 10) else { return }
        nginx.kill(SIGKILL)
        // Workers outlive a killed master and would go on serving the port.
        for worker in workers { Glibc.kill(worker, SIGKILL) }
        _ = ChildProcess.waitForExit(nginx.process, timeout: 10)
    }

    /// The process ids of `pid`'s children (nginx's workers).
    private static func children(of pid: Int32) -> [Int32] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

/// One request nginx answered, from its access log: what the client got, and every replica
/// nginx tried for it, in order.
struct NginxRequest: Equatable {
    /// The status the client got.
    var status: Int
    /// `GET /v1/feed HTTP/1.1`.
    var line: String
    /// The replicas tried (`127.0.0.1:PORT`), in order; more than one when nginx moved on.
    var replicas: [String]
    /// Each tried replica's answer (`502` for none), in the same order.
    var replicaStatuses: [String]
    /// The seconds each tried replica took to connect, in the same order; `-` when it could
    /// not be connected to (refused), so the request never reached it.
    var replicaConnectTimes: [String]

    /// Reads a line of the `replicas` log format: `$status|$request|$upstream_addr|$upstream_status|$upstream_connect_time`.
    init(logLine: Substring) {
        let fields = logLine.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        // `-` alone: no replica was tried (nginx answered itself). In a list, `-` is a value.
        let triedNone = fields.count < 3 || fields[2] == "-"
        func list(_ index: Int) -> [String] {
            guard !triedNone, index < fields.count else { return [] }
            return fields[index].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        status = fields.first.flatMap { Int($0) } ?? 0
        line = fields.count > 1 ? fields[1] : String(logLine)
        replicas = list(2)
        replicaStatuses = list(3)
        replicaConnectTimes = list(4)
    }
}
