import Foundation
import TollgateCore
import XCTest

/// `tollgate serve` refuses broken files at start, and `tollgate token add` keeps tokens safe.
final class StartupTests: XCTestCase {
    private static let hash = String(repeating: "ab", count: 32)

    func testAMalformedTokensFileStopsTheServerNamingFileAndLine() throws {
        let cases: [(text: String, line: Int)] = [
            ("[[principals]]\nid = \"alice\"\nroles = approver\ntoken_sha256 = \"\(Self.hash)\"\n", 3),  // not TOML
            ("[[principals]]\nid = \"alice\"\nroles = [\"wizard\"]\ntoken_sha256 = \"\(Self.hash)\"\n", 3),  // unknown role
            ("[[principals]]\nid = \"alice\"\nroles = [\"approver\"]\ntoken_sha256 = \"abc\"\n", 4),  // not a SHA-256
            ("[[principals]]\nid = \"alice\"\nroles = [\"approver\"]\ntoken_sha256 = \"\(Self.hash)\"\ncolour = \"blue\"\n", 5),
            ("# tokens\n\n[[principals]]\nid = \"alice\"\nroles = [\"approver\"]\n", 3),  // no token_sha256
        ]
        for (text, line) in cases {
            let sandbox = try Sandbox(self, principals: [])
            try TestFiles.create(sandbox.tokensPath, Data(text.utf8), ownerOnly: true)
            let run = try serve(sandbox)
            XCTAssertNotEqual(run.status, 0, "\(text.debugDescription) must stop the server")
            XCTAssertTrue(run.stderr.contains("\(sandbox.tokensPath):\(line):"), "expected \(sandbox.tokensPath):\(line): in \(run.stderr)")
            XCTAssertFalse(run.stdout.contains("listening"), "it never listened")
        }
    }

    func testAMissingTokensFileStopsTheServer() throws {
        let sandbox = try Sandbox(self, principals: [])
        let run = try serve(sandbox)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains(sandbox.tokensPath), run.stderr)
    }

    func testAMalformedConfigurationFileStopsTheServerNamingFileAndLine() throws {
        let cases: [(text: String, line: Int)] = [
            ("[feed\nreplay_window = 5\n", 1),  // not TOML
            ("[feed]\nreplay_window = \"many\"\n", 2),  // wrong type
            ("[feed]\nreplay_windw = 5\n", 2),  // misspelt key
            ("# limits\n[limits]\nbody_bytes = 10\n", 3),  // out of range
            ("[[masking.patterns]]\nname = \"broken\"\npattern = \"([a-z\"\n", 3),  // not a regular expression
            ("[actions]\nmax_ttl_seconds = 60\ndefault_ttl_seconds = 120\n", 3),  // inconsistent
            // The [[policy]] rules (issue #13): unknown key, bad glob, group count of a wrong type, unknown outcome.
            ("[[policy]]\nid = \"r\"\nreason = \"why\"\nkindz = [\"iam.*\"]\n", 4),
            ("[[policy]]\nid = \"r\"\nreason = \"why\"\nkinds = [\"iam.[ab]\"]\n", 4),
            ("[[policy]]\nid = \"r\"\nreason = \"why\"\ngroups = { security = \"one\" }\n", 4),
            ("[[policy]]\nid = \"r\"\nreason = \"why\"\noutcome = \"escalate\"\n", 4),
        ]
        for (text, line) in cases {
            let sandbox = try Sandbox(self, config: text, principals: [TestPrincipal(id: "alice", roles: [.approver])])
            let run = try serve(sandbox)
            XCTAssertNotEqual(run.status, 0, "\(text.debugDescription) must stop the server")
            XCTAssertTrue(run.stderr.contains("\(sandbox.configPath):\(line):"), "expected \(sandbox.configPath):\(line): in \(run.stderr)")
            XCTAssertFalse(run.stdout.contains("listening"), "it never listened")
        }
    }

    func testTokenAddCreatesAnOwnerOnlyFileAndStoresOnlyTheHash() throws {
        let sandbox = try Sandbox(self, principals: [])
        let path = sandbox.directory.appendingPathComponent("fresh/tokens.toml").path
        var tokens: [String] = []
        for (id, role) in [("alice@example.com", "approver"), ("deploy-bot", "agent")] {
            let run = try TollgateBinary.run(["token", "add", "--file", path, "--id", id, "--role", role], in: sandbox.directory)
            XCTAssertEqual(run.status, 0, run.stderr)
            let token = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertFalse(token.contains("\n"), "one token, nothing else on stdout")
            tokens.append(token)

            let mode = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            XCTAssertEqual(mode & 0o777, 0o600, "the tokens file is owner-only")
        }
        XCTAssertNotEqual(tokens[0], tokens[1])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for token in tokens {
            XCTAssertTrue(token.hasPrefix("tg_"), token)
            let bits = try XCTUnwrap(Self.base64URLDecoded(String(token.dropFirst(3))), "the token is base64url after tg_").count * 8
            XCTAssertGreaterThanOrEqual(bits, 256)
            XCTAssertFalse(text.contains(token.dropFirst(3)), "the file never holds the token")
            XCTAssertTrue(text.contains(SHA256Hex.hex(Array(token.utf8))), "the file holds the token's SHA-256")
        }

        // The file is one the server accepts, and the printed token is the one it knows.
        try Sandbox.quietConfig.write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            arguments: ["--listen", "127.0.0.1:0", "--db", sandbox.databasePath, "--tokens", path, "--config", sandbox.configPath],
            stderrPath: sandbox.directory.appendingPathComponent("serve.log").path)
        defer { server.kill() }
        let whoami = try APIClient(port: server.port, token: tokens[0]).get("/v1/whoami")
        XCTAssertEqual(try whoami.decode(Principal.self).id, "alice@example.com")
        XCTAssertEqual(try APIClient(port: server.port, token: tokens[1]).get("/v1/whoami").decode(Principal.self).roles, [.agent])
    }

    func testTokenAddRefusesToMakeABrokenFileWorse() throws {
        let sandbox = try Sandbox(self, principals: [])
        let broken = "[[principals]]\nid = \"alice\"\nroles = approver\n"
        try TestFiles.create(sandbox.tokensPath, Data(broken.utf8), ownerOnly: true)
        let run = try TollgateBinary.run(["token", "add", "--file", sandbox.tokensPath, "--id", "bob", "--role", "approver"], in: sandbox.directory)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("\(sandbox.tokensPath):3:"), run.stderr)
        XCTAssertEqual(run.stdout, "", "no token is printed for a token that was not stored")
        XCTAssertEqual(try String(contentsOfFile: sandbox.tokensPath, encoding: .utf8), broken)
    }

    // MARK: - Helpers

    /// Runs `tollgate serve` on the sandbox's files; a server that starts is killed after 30 s.
    private func serve(_ sandbox: Sandbox) throws -> TollgateBinary.Run {
        try TollgateBinary.run(
            [
                "serve", "--listen", "127.0.0.1:0", "--db", sandbox.databasePath, "--tokens", sandbox.tokensPath,
                "--config", sandbox.configPath,
            ], in: sandbox.directory, timeout: 30)
    }

    private static func base64URLDecoded(_ text: String) -> Data? {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        return Data(base64Encoded: b64)
    }
}
