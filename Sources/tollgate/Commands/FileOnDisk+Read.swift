import Foundation
import TollgateClient

extension ClaudeCodeHook.FileOnDisk {
    /// The file an edit would change (relative paths from `cwd`), read at most to its limit: for
    /// the diff the hook and the MCP permission prompt attach.
    static func read(_ path: String, cwd: String?) -> Self {
        let given = path.hasPrefix("/") || cwd == nil ? path : (cwd ?? "") + "/" + path
        let full = URL(fileURLWithPath: given).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: full) else {
            return FileManager.default.fileExists(atPath: full) ? .unreadable("cannot be read") : .absent
        }
        // A FIFO or a device would block or never end: only a regular file (or a link to one) is read.
        guard attributes[.type] as? FileAttributeType == .typeRegular else { return .unreadable("is not a regular file") }
        guard let handle = FileHandle(forReadingAtPath: full) else { return .unreadable("cannot be read") }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: ClaudeCodeHook.maxFileBytes + 1) ?? Data() else { return .unreadable("cannot be read") }
        if data.count > ClaudeCodeHook.maxFileBytes { return .unreadable("is over \(ClaudeCodeHook.maxFileBytes) bytes") }
        guard let text = String(data: data, encoding: .utf8) else { return .unreadable("is not UTF-8 text") }
        return .contents(text)
    }
}
