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
        try OwnerOnlyFile.text(
            at: path, what: "the tokens file",
            missingHint: "; create one with: tollgate token add --file \(OwnerOnlyMode.shellQuoted(path)) --id ID --role approver")
    }

    /// Parses a tokens file; errors name the file, line and key.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> TokenRegistry {
        TokenRegistry(entries: try parseTables(text, file: file).map(\.entry))
    }

    /// Every `[[principals]]` table of a tokens file, in order, with the line of its header.
    static func parseTables(_ text: String, file: String) throws(ConfigError) -> [(entry: TokenEntry, line: Int)] {
        var root = try ConfigReader.parse(text, file: file)
        var entries: [(entry: TokenEntry, line: Int)] = []
        // Each identity's key (see `Identity`), with its first spelling and line. One id may have
        // several tokens; two spellings of one identity would be two principals that the rules
        // treat as one person, so they are refused.
        var identities: [String: (id: String, line: Int)] = [:]
        for var p in try root.tableArray("principals") {
            let id = try p.requiredString("id")
            if let problem = Identity.problem(in: id) { throw p.error("id", "\(Identity.quoted(id)) \(problem)") }
            if PolicyDecider.isPolicy(Identity.key(id)) {
                throw p.error("id", "\(Identity.quoted(id)) begins with \(PolicyDecider.prefix), which names the rules that decide at submission")
            }
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
                    throw p.error("roles", "unknown role \(name.debugDescription); \(Role.expectedText)")
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
            if entries.contains(where: { $0.entry.tokenSHA256 == hash }) {
                throw p.error("token_sha256", "the same token appears twice; each token must belong to one principal")
            }
            let entry = TokenEntry(principal: Principal(id: id, roles: roles, groups: groups), requesterKind: kind, tokenSHA256: hash)
            entries.append((entry, p.table.line))
        }
        try root.finish()
        return entries
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
