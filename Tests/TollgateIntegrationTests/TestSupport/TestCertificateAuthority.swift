import Foundation
import XCTest

/// A throwaway certificate authority made with the `openssl` command line, and a server
/// certificate it signed for `127.0.0.1` and `localhost`.
///
/// Everything lives in an owner-only temporary folder (each file owner-only too) that teardown
/// removes. The keys are P-256 and the certificates last a day: long enough for any test run.
final class TestCertificateAuthority {
    let directory: URL
    /// The CA's certificate: what clients are given with `--ca-file`.
    var certificatePath: String { directory.appendingPathComponent("ca.pem").path }
    /// The server's certificate (signed by the CA), for the TLS endpoint.
    var serverCertificatePath: String { directory.appendingPathComponent("server.pem").path }
    /// The server certificate's private key.
    var serverKeyPath: String { directory.appendingPathComponent("server.key").path }
    private var keyPath: String { directory.appendingPathComponent("ca.key").path }

    /// Makes the CA, named `name`, and its server certificate.
    init(_ test: XCTestCase, name: String = "Tollgate test CA") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        test.addTeardownBlock { [directory] in try? FileManager.default.removeItem(at: directory) }
        // -config /dev/null: only what is written here goes into the certificates, whatever the
        // machine's openssl.cnf says.
        let common = ["-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-config", "/dev/null"]
        try Shell.run(
            ["openssl", "req", "-x509"] + common + [
                "-keyout", keyPath, "-out", certificatePath, "-subj", "/CN=\(name)",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ], "making the test CA")
        try Shell.run(
            ["openssl", "req", "-x509"] + common + [
                "-CA", certificatePath, "-CAkey", keyPath, "-keyout", serverKeyPath, "-out", serverCertificatePath,
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-addext", "basicConstraints=critical,CA:FALSE", "-addext", "extendedKeyUsage=serverAuth",
            ], "making the server certificate")
        for path in [keyPath, certificatePath, serverKeyPath, serverCertificatePath] {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
    }
}
