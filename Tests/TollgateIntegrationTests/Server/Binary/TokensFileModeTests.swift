import Foundation
import TollgateCore
import XCTest

/// The server's tokens file must be the owner's alone: any group or other bit (read, write,
/// execute) stops `tollgate serve` and `tollgate token add` with one line naming the file, its
/// mode and the chmod that fixes it. (The client's token file: `ClientConfigurationTests`.)
final class TokensFileModeTests: XCTestCase {
    static let modes = [0o601, 0o602, 0o604, 0o610, 0o620, 0o640, 0o644, 0o660, 0o666, 0o700 | 0o077]

    func testServeRefusesATokensFileOpenToGroupOrOthers() throws {
        let sandbox = try Sandbox(self, principals: [TestPrincipal(id: "alice", roles: [.approver])])
        for mode in Self.modes {
            XCTAssertEqual(chmod(sandbox.tokensPath, mode_t(mode)), 0)
            let run = try TollgateBinary.run(
                [
                    "serve", "--listen", "127.0.0.1:0", "--db", sandbox.databasePath, "--tokens", sandbox.tokensPath,
                    "--config", sandbox.configPath,
                ], in: sandbox.directory, timeout: 30)
            XCTAssertNotEqual(run.status, 0, "mode \(String(mode, radix: 8)) must stop the server")
            XCTAssertFalse(run.stdout.contains("listening"))
            let expected =
                "the tokens file \(sandbox.tokensPath) is open to its group or others (mode 0\(String(mode, radix: 8))); it must be 0600 or stricter: run: chmod 600 \(sandbox.tokensPath)"
            XCTAssertTrue(run.stderr.contains(expected), "mode \(String(mode, radix: 8)): \(run.stderr)")
            XCTAssertEqual(run.stderr.trimmingCharacters(in: .newlines).components(separatedBy: "\n").count, 1, run.stderr)
        }
        for mode in [0o600, 0o400] {
            XCTAssertEqual(chmod(sandbox.tokensPath, mode_t(mode)), 0)
            XCTAssertNoThrow(try sandbox.startServer().stop(), "mode \(String(mode, radix: 8)) is owner-only")
        }
    }

    func testTokenAddRefusesToExtendATokensFileOpenToGroupOrOthers() throws {
        let sandbox = try Sandbox(self, principals: [TestPrincipal(id: "alice", roles: [.approver])])
        let before = try String(contentsOfFile: sandbox.tokensPath, encoding: .utf8)
        for mode in [0o602, 0o620, 0o644] {
            XCTAssertEqual(chmod(sandbox.tokensPath, mode_t(mode)), 0)
            let run = try TollgateBinary.run(["token", "add", "--file", sandbox.tokensPath, "--id", "bob", "--role", "approver"], in: sandbox.directory)
            XCTAssertNotEqual(run.status, 0)
            XCTAssertTrue(
                run.stderr.contains("(mode 0\(String(mode, radix: 8))); it must be 0600 or stricter: run: chmod 600 \(sandbox.tokensPath)"), run.stderr)
            XCTAssertEqual(run.stdout, "")
            XCTAssertEqual(try String(contentsOfFile: sandbox.tokensPath, encoding: .utf8), before)
        }
    }
}
