import Foundation
import Glibc

/// A raw HTTP/1.1 connection to an HTTPS endpoint on `127.0.0.1`, through `openssl s_client`.
///
/// The test speaks plain HTTP on one end of a socket pair (an `HTTPConnection`, so `FeedStream`
/// and the other readers work unchanged); s_client has the other end as its standard input and
/// output and does the TLS, refusing a certificate the CA file does not vouch for `127.0.0.1`.
/// It is how a test reads a feed through a TLS proxy byte for byte, keepalive comments
/// included, which the `tollgate` client rightly hides.
final class TLSTunnel {
    let connection: HTTPConnection
    private let process: Process
    private let stderrPath: String

    /// Connects to `127.0.0.1:port`, verifying its certificate against `caFile`; s_client's
    /// messages go to a file in `directory`.
    init(port: Int, caFile: String, in directory: URL) throws {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { throw HTTPClientError("socketpair: errno \(errno)") }
        let theirs = FileHandle(fileDescriptor: pair[1], closeOnDealloc: true)
        defer { try? theirs.close() }
        stderrPath = directory.appendingPathComponent("s_client-\(UUID().uuidString).err").path
        process = Process()
        do {
            try TestFiles.create(stderrPath)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            // -quiet: nothing but the server's bytes on standard output, and no end at our EOF.
            process.arguments = ["openssl", "s_client", "-quiet"] + Self.verifying(port: port, caFile: caFile)
            process.standardInput = theirs
            process.standardOutput = theirs
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
            try process.run()
        } catch {
            Glibc.close(pair[0])
            throw error
        }
        connection = HTTPConnection(connected: pair[0], port: port)
    }

    deinit { close() }

    /// s_client's arguments for `127.0.0.1:port` whose certificate must chain to `caFile` and name
    /// the address `127.0.0.1`; anything else ends the handshake.
    private static func verifying(port: Int, caFile: String) -> [String] {
        ["-connect", "127.0.0.1:\(port)", "-CAfile", caFile, "-verify_return_error", "-verify_ip", "127.0.0.1"]
    }

    /// True when a TLS handshake with `127.0.0.1:port` succeeds with a certificate `caFile`
    /// vouches for (then the connection is closed without a request).
    static func handshakes(port: Int, caFile: String, in directory: URL) -> Bool {
        let arguments = ["openssl", "s_client", "-brief"] + verifying(port: port, caFile: caFile)
        return (try? ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments, in: directory, timeout: 10))?.status == 0
    }

    /// What s_client said on standard error: the handshake, or why it failed.
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Closes the connection and ends s_client (which would otherwise wait for the server).
    func close() {
        connection.close()
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        _ = ChildProcess.waitForExit(process, timeout: 10)
    }
}
