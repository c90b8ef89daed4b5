import Foundation
import Glibc

/// The built `tollgate` executable, and one-shot runs of it.
enum TollgateBinary {
    /// The executable beside the test bundle, else `.build/debug/tollgate` under the package root.
    static func url() throws -> URL {
        let fm = FileManager.default
        var candidates: [URL] = []
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            candidates.append(dir.appendingPathComponent("tollgate"))
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(try packageRoot().appendingPathComponent(".build/debug/tollgate"))
        if let found = candidates.first(where: { fm.isExecutableFile(atPath: $0.path) && !isDirectory($0) }) { return found }
        throw HTTPClientError("the tollgate executable is not built (looked for \(candidates.map(\.path).joined(separator: ", "))); run `swift build` first")
    }

    /// The package root: this file is Tests/TollgateIntegrationTests/TestSupport/TollgateBinary.swift.
    static func packageRoot() throws -> URL {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root = root.deletingLastPathComponent() }
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) else {
            throw HTTPClientError("cannot find the package root from \(#filePath)")
        }
        return root
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }

    /// What a finished run printed and how it exited.
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tollgate arguments` to completion (killed after `timeout` seconds), output captured in `directory`.
    static func run(_ arguments: [String], in directory: URL, timeout: Double = 30) throws -> Run {
        try ChildProcess.run(try url(), arguments, in: directory, timeout: timeout)
    }
}

/// Waiting on child processes without ever waiting forever.
enum ChildProcess {
    /// Runs `executable arguments` to completion (killed after `timeout` seconds), its output
    /// captured in files in `directory` so it can never block on a pipe.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL, timeout: Double) throws -> TollgateBinary.Run {
        let name = UUID().uuidString
        let outURL = directory.appendingPathComponent("\(name).out")
        let errURL = directory.appendingPathComponent("\(name).err")
        for url in [outURL, errURL] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        defer { for url in [outURL, errURL] { try? FileManager.default.removeItem(at: url) } }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        guard waitForExit(process, timeout: timeout) else {
            kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(process, timeout: 10)
            throw HTTPClientError("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        }
        return TollgateBinary.Run(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// True once `process` has exited; false when `timeout` seconds pass first.
    static func waitForExit(_ process: Process, timeout: Double) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while process.isRunning {
            if ContinuousClock.now >= deadline { return false }
            usleep(10_000)
        }
        return true
    }
}
