import Foundation
import XCTest

/// One test's temporary folder for config.toml (`xdg/tollgate/`) and token files, with an
/// empty `home/`; removed at teardown.
struct ConfigFolder {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-config-\(UUID().uuidString)").path

    /// `XDG_CONFIG_HOME` and `HOME` in this folder.
    var environment: [String: String] { ["XDG_CONFIG_HOME": path + "/xdg", "HOME": path + "/home"] }

    /// Makes the folder for `test`, which removes it when it ends.
    func create(for test: XCTestCase) throws {
        for folder in ["/xdg/tollgate", "/home"] {
            try FileManager.default.createDirectory(atPath: path + folder, withIntermediateDirectories: true)
        }
        test.addTeardownBlock { [path] in try? FileManager.default.removeItem(atPath: path) }
    }

    /// Writes `text` to `name` in the folder with `mode`; returns its path.
    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        return file
    }
}
