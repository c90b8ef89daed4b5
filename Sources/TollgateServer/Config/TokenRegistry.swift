import Foundation
import TollgateCore

/// A principal as the tokens file describes it, with the hash of its token.
public struct TokenEntry: Hashable, Sendable {
    public var principal: Principal
    /// What the principal is when it submits actions (`requester.kind`).
    public var requesterKind: RequesterKind
    /// Lowercase hex SHA-256 of the token.
    public var tokenSHA256: String

    public init(principal: Principal, requesterKind: RequesterKind, tokenSHA256: String) {
        self.principal = principal
        self.requesterKind = requesterKind
        self.tokenSHA256 = tokenSHA256
    }
}

/// Maps bearer tokens to principals; only token hashes are ever held.
///
/// The tokens file is TOML: `[[principals]]` tables with `id`, `roles`, `groups`,
/// `token_sha256` and optionally `kind` (agent, pipeline or human).
public struct TokenRegistry: Sendable {
    public let entries: [TokenEntry]
    /// Each entry's hash as bytes, made once: comparing strings allocated two arrays per entry
    /// on every request.
    private let hashBytes: [[UInt8]]

    public init(entries: [TokenEntry]) {
        self.entries = entries
        hashBytes = entries.map { Array($0.tokenSHA256.utf8) }
    }

    /// Reads and parses the tokens file at `path`, refusing one its group or others have any
    /// access to (`OwnerOnlyMode`): a writable one would let someone else add a token of theirs.
    public static func load(path: String) throws(ConfigError) -> TokenRegistry {
        try parse(try text(ofTokensFile: path), file: path)
    }

    /// The text of the tokens file at `path`, when only its owner has access to it.
    static func text(ofTokensFile path: String) throws(ConfigError) -> String {
        func failure(_ message: String) -> ConfigError { ConfigError(file: path, line: 0, message: message) }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw failure(
                "cannot read the tokens file (\(String(cString: strerror(errno)))); create one with: tollgate token add --file \(OwnerOnlyMode.shellQuoted(path)) --id ID --role approver"
            )
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        // fstat on the opened descriptor, so the file checked is the file read.
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw failure("the tokens file is not a regular file") }
        if let problem = OwnerOnlyMode.problem("the tokens file", at: path, mode: UInt32(info.st_mode)) { throw failure(problem) }
        let data: Data
        do { data = try handle.readToEnd() ?? Data() } catch { throw failure("cannot read the tokens file: \(error.localizedDescription)") }
        guard let text = String(data: data, encoding: .utf8) else { throw failure("the tokens file is not UTF-8 text") }
        return text
    }

    /// Parses a tokens file; errors name the file, line and key.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> TokenRegistry {
        var root = try ConfigReader.parse(text, file: file)
        var entries: [TokenEntry] = []
        // Each identity's key (see `Identity`), with its first spelling and line. One id may have
        // several tokens; two spellings of one identity would be two principals that the rules
        // treat as one person, so they are refused.
        var identities: [String: (id: String, line: Int)] = [:]
        for var p in try root.tableArray("principals") {
            let id = try p.requiredString("id")
            if let problem = Identity.problem(in: id) { throw p.error("id", "\(Identity.quoted(id)) \(problem)") }
            let key = Identity.key(id)
            if let first = identities[key], !Identity.identical(first.id, id) {
                throw p.error(
                    "id",
                    "\(Identity.quoted(id)) is another spelling of \(Identity.quoted(first.id)) (line \(first.line)): ids are compared ignoring case, width, accents' encoding and trailing dots"
                )
            }
            if identities[key] == nil { identities[key] = (id, p.table["id"]?.line ?? p.table.line) }
            let roleNames = try p.strings("roles") ?? []
            var roles: [Role] = []
            for name in roleNames {
                guard let role = Role(rawValue: name) else {
                    throw p.error("roles", "unknown role \(name.debugDescription); expected agent, approver or auditor")
                }
                roles.append(role)
            }
            guard !roles.isEmpty else { throw p.error("roles", "at least one role is needed") }
            let groups = try p.strings("groups") ?? []
            let hash = try p.requiredString("token_sha256").lowercased()
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                throw p.error("token_sha256", "expected 64 hex digits (the SHA-256 of the token)")
            }
            var kind = RequesterKind.agent
            if let k = try p.string("kind") {
                guard let parsed = RequesterKind(rawValue: k) else { throw p.error("kind", "expected agent, pipeline or human") }
                kind = parsed
            }
            try p.finish()
            if entries.contains(where: { $0.tokenSHA256 == hash }) {
                throw p.error("token_sha256", "the same token appears twice; each token must belong to one principal")
            }
            entries.append(TokenEntry(principal: Principal(id: id, roles: roles, groups: groups), requesterKind: kind, tokenSHA256: hash))
        }
        try root.finish()
        return TokenRegistry(entries: entries)
    }

    /// The entry whose token is `token`, comparing against every entry in constant time.
    ///
    /// Every entry is compared (no early exit), so the time taken says nothing about which
    /// entry, if any, matched.
    public func authenticate(_ token: String) -> TokenEntry? {
        let presented = Array(SHA256Hex.hex(Array(token.utf8)).utf8)
        var match: Int?
        for (index, hash) in hashBytes.enumerated() where Self.constantTimeEquals(presented, hash) {
            match = index
        }
        return match.map { entries[$0] }
    }

    /// Equality in time that depends only on the lengths (both are 64 hex digits here).
    private static func constantTimeEquals(_ x: [UInt8], _ y: [UInt8]) -> Bool {
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

/// Creates tokens and appends them to a tokens file (`tollgate token add`).
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
}

/// Writes files readable by their owner only.
public enum OwnerOnlyFile {
    /// Writes `text` to a 0600 temporary file beside `path`, then renames it into place.
    public static func write(_ text: String, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            written += n
        }
        guard fchmod(fd, 0o600) == 0, fsync(fd) == 0, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }
}
