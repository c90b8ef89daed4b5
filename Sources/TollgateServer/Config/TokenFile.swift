import Foundation
import TollgateCore

/// Edits a tokens file: `tollgate token add`, `list` and `revoke`.
///
/// Every change is checked by parsing the new text as the server would before it is written,
/// so a broken file is never written; the text goes to a temporary file renamed over the old
/// one, so a running server (which reloads the file when it changes) reads either the old file
/// or the new one, never half of one.
public enum TokenFile {
    /// A new random token: `tg_` and 43 base64url characters carrying 256 bits from the system CSPRNG.
    public static func generateToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let b64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "tg_" + b64
    }

    /// Appends a principal with a new token to `path` (created owner-only) and returns the token.
    ///
    /// The existing file is parsed first, so a broken file is never made worse; the new text
    /// is written to a temporary file and renamed over the old one.
    public static func add(path: String, id: String, roles: [Role], groups: [String], kind: RequesterKind?) throws -> String {
        let fm = FileManager.default
        if let problem = Identity.problem(in: id) { throw ConfigError(file: path, line: 0, message: "id \(Identity.quoted(id)) \(problem)") }
        var existing = ""
        if fm.fileExists(atPath: path) {
            existing = try TokenRegistry.text(ofTokensFile: path)
            let registry = try TokenRegistry.parse(existing, file: path)
            if let other = registry.entries.first(where: { Identity.same($0.principal.id, id) && !Identity.identical($0.principal.id, id) }) {
                throw ConfigError(
                    file: path, line: 0,
                    message:
                        "id \(Identity.quoted(id)) is another spelling of \(Identity.quoted(other.principal.id)), already in the file: ids are compared ignoring case, width, accents' encoding and trailing dots"
                )
            }
        } else {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) }
            existing = "# Tollgate tokens: one [[principals]] table per token; only SHA-256 hashes are stored.\n"
        }
        let token = generateToken()
        let hash = SHA256Hex.hex(Array(token.utf8))
        func quoted(_ s: String) -> String { JSONValue.string(s).canonicalString }
        var block = "\n[[principals]]\nid = \(quoted(id))\n"
        block += "roles = [\(roles.map { quoted($0.rawValue) }.joined(separator: ", "))]\n"
        block += "groups = [\(groups.map(quoted).joined(separator: ", "))]\n"
        if let kind { block += "kind = \(quoted(kind.rawValue))\n" }
        block += "token_sha256 = \"\(hash)\"\n"
        let text = existing + (existing.hasSuffix("\n") ? "" : "\n") + block
        _ = try TokenRegistry.parse(text, file: path)  // never write what the server would refuse
        try OwnerOnlyFile.write(text, to: path)
        return token
    }

    /// The principals of the tokens file at `path`, one entry per token, in file order.
    public static func list(path: String) throws(ConfigError) -> [TokenEntry] {
        try TokenRegistry.load(path: path).entries
    }

    /// Removes every token of `id` (and of every other spelling of it) from the file at `path`
    /// and returns how many were removed; with none, the file is left as it is.
    public static func revoke(path: String, id: String) throws -> Int {
        let text = try TokenRegistry.text(ofTokensFile: path)
        let (revoked, removed) = try removing(id: id, from: text, file: path)
        if removed > 0 { try OwnerOnlyFile.write(revoked, to: path) }
        return removed
    }

    /// `text` without the `[[principals]]` tables whose id is `id` as `Identity` compares
    /// them, and how many there were; every other byte is kept.
    ///
    /// A table is its header line up to the next table's. Comment lines directly above a
    /// header (no blank line between) belong to that table, since that is where people
    /// describe a token, so they go with it, and a table's own trailing lines stay with it.
    /// The result is parsed again and must hold exactly the other tables, in order, or the
    /// edit is refused.
    public static func removing(id: String, from text: String, file: String) throws(ConfigError) -> (text: String, removed: Int) {
        let tables = try TokenRegistry.parseTables(text, file: file)
        let targets = Set(tables.indices.filter { Identity.same(tables[$0].entry.principal.id, id) })
        guard !targets.isEmpty else { return (text, 0) }

        let lines = Self.lines(of: text)
        // Where each table's text starts (0-based line index), comments above its header included.
        var starts: [Int] = []
        for (i, table) in tables.enumerated() {
            let header = table.line - 1
            guard lines.indices.contains(header), Self.isHeader(lines[header]) else {
                throw ConfigError(file: file, line: table.line, message: "cannot find this table's [[principals]] header; edit the file by hand")
            }
            let floor = i == 0 ? 0 : tables[i - 1].line
            var start = header
            while start > floor, Self.isComment(lines[start - 1]) { start -= 1 }
            starts.append(start)
        }
        var keep = [Bool](repeating: true, count: lines.count)
        for i in targets {
            let end = i + 1 < tables.count ? starts[i + 1] : lines.count
            for line in starts[i]..<end { keep[line] = false }
        }
        // A removal that reaches the end takes the blank lines that separated it from what stays.
        if keep.last == false {
            var last = keep.lastIndex(of: true) ?? -1
            while last >= 0, Self.isBlank(lines[last]) {
                keep[last] = false
                last -= 1
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for (line, kept) in zip(lines, keep) where kept { bytes += line }
        let result = String(decoding: bytes, as: UTF8.self)

        let expected = tables.indices.filter { !targets.contains($0) }.map { tables[$0].entry }
        guard try TokenRegistry.parseTables(result, file: file).map(\.entry) == expected else {
            throw ConfigError(file: file, line: 0, message: "removing \(Identity.quoted(id)) would change other principals; edit the file by hand")
        }
        return (result, targets.count)
    }

    /// The file's lines as bytes, each with its line feed (the last may have none).
    private static func lines(of text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            current.append(byte)
            if byte == UInt8(ascii: "\n") {
                lines.append(current)
                current = []
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// The line without leading and trailing spaces, tabs and line ends.
    private static func trimmed(_ line: [UInt8]) -> ArraySlice<UInt8> {
        let blank: Set<UInt8> = [0x20, 0x09, 0x0D, 0x0A]
        guard let first = line.firstIndex(where: { !blank.contains($0) }), let last = line.lastIndex(where: { !blank.contains($0) }) else {
            return []
        }
        return line[first...last]
    }

    private static func isBlank(_ line: [UInt8]) -> Bool { trimmed(line).isEmpty }
    private static func isComment(_ line: [UInt8]) -> Bool { trimmed(line).first == UInt8(ascii: "#") }
    private static func isHeader(_ line: [UInt8]) -> Bool { trimmed(line).starts(with: Array("[[".utf8)) }
}
