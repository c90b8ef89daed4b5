import Foundation
import XCTest

/// `make install`'s layout: an installed binary finds its themes, its man page and completions.
///
/// Runs the Makefile's `install-files` rule (what `make install` runs after the release build)
/// with the debug binary, so the test does not need a release build.
final class InstallTests: XCTestCase {
    func testAnInstalledBinaryFindsItsThemesAndManPage() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-install-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: prefix) }
        let root = try TollgateBinary.packageRoot()
        let make = try run("/usr/bin/make", ["-s", "-C", root.path, "install-files", "BIN=\(try TollgateBinary.url().path)", "PREFIX=\(prefix.path)"])
        XCTAssertEqual(make.status, 0, make.output)

        // Outside the source tree, with no user themes: only the installed folder can answer.
        let home = prefix.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let themes = try run(
            prefix.appendingPathComponent("bin/tollgate").path, ["themes"],
            environment: ["HOME": home.path, "PATH": "/usr/bin:/bin"], directory: "/")
        XCTAssertEqual(themes.status, 0, themes.output)
        for name in ["default", "light", "high-contrast", "solarized-dark", "monochrome"] {
            XCTAssertTrue(themes.output.contains("\(name) "), "\(name) listed:\n\(themes.output)")
        }
        XCTAssertTrue(themes.output.contains(prefix.appendingPathComponent("share/tollgate/themes").path), themes.output)
        XCTAssertTrue(themes.output.contains("(installed)"), themes.output)
        XCTAssertFalse(themes.output.contains("source tree"), "the installed binary must not depend on the checkout:\n\(themes.output)")

        let man = try run(
            "/usr/bin/man", ["-M", prefix.appendingPathComponent("share/man").path, "-P", "cat", "tollgate"],
            environment: ["MANWIDTH": "80", "PATH": "/usr/bin:/bin", "HOME": home.path])
        XCTAssertEqual(man.status, 0, man.output)
        XCTAssertTrue(man.output.contains("tollgate"), man.output)
        XCTAssertTrue(man.output.contains("EXIT STATUS"), man.output)

        for completion in ["share/bash-completion/completions/tollgate", "share/zsh/site-functions/_tollgate", "share/fish/vendor_completions.d/tollgate.fish"]
        {
            let text = try String(contentsOf: prefix.appendingPathComponent(completion), encoding: .utf8)
            XCTAssertTrue(text.contains("request"), "\(completion) completes the subcommands")
        }
    }

    private struct Output { var status: Int32; var output: String }

    private func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        if let environment { p.environment = environment }
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString).out")
        try TestFiles.create(file.path)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        guard ChildProcess.waitForExit(p, timeout: 120) else {
            p.terminate()
            throw HTTPClientError("\(path) \(arguments.joined(separator: " ")) did not finish")
        }
        try handle.close()
        return Output(status: p.terminationStatus, output: (try? String(contentsOf: file, encoding: .utf8)) ?? "")
    }
}
