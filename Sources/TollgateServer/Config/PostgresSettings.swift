import TollgateCore

/// Where the PostgreSQL ledger is and how to reach it: a `postgres://` URL completed, as libpq
/// does, by the PG* environment variables and a password file.
///
/// Pure: files are read through the `readFile` the caller passes, so every rule is unit-tested.
/// The password never appears in `description` (logs, error messages).
public struct PostgresSettings: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode` values, with their meaning for the connection.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// A host name or address, or (starting with `/`) the directory of a Unix socket.
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var password: String?
    public var sslMode: SSLMode
    /// Certificates to trust for the server's (PEM), instead of the system's.
    public var sslRootCert: String?
    /// How many connections the pool may open.
    public var maxConnections: Int

    /// The URL this describes, without any password: what logs and errors show.
    public var description: String {
        let hostPart = host.hasPrefix("/") ? "" : (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        var text = "postgres://\(user)@\(hostPart)/\(database)"
        if host.hasPrefix("/") { text += "?host=\(host)&port=\(port)" }
        return text + (sslMode == .prefer ? "" : (host.hasPrefix("/") ? "&" : "?") + "sslmode=\(sslMode.rawValue)")
    }

    /// A configuration mistake, said in one line (without the password).
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Reads `url` (`postgres://` or `postgresql://`), then fills what it leaves out from
    /// `environment` (PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE, PGSSLROOTCERT) and libpq's
    /// defaults; the password comes from the URL, else `passwordFile` (first line), else
    /// PGPASSWORD, else the pgpass file (PGPASSFILE, or ~/.pgpass) entry that matches. Throws `Invalid`.
    public static func parse(
        url: String, passwordFile: String? = nil, maxConnections: Int = 20, environment: [String: String],
        readFile: (String) throws -> String
    ) throws -> PostgresSettings {
        let rest: Substring
        if url.hasPrefix("postgres://") {
            rest = url.dropFirst("postgres://".count)
        } else if url.hasPrefix("postgresql://") {
            rest = url.dropFirst("postgresql://".count)
        } else {
            throw Invalid(message: "database URL: expected postgres://USER@HOST:PORT/DATABASE, got \(Self.withoutPassword(url).debugDescription)")
        }
        let (beforeQuery, query) = Self.split(rest, at: "?")
        let (authority, path) = Self.split(beforeQuery, at: "/")
        var user: String?
        var password: String?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let (u, p) = Self.split(authority[..<at], at: ":")
            user = try Self.decode(u, "user")
            password = try p.map { try Self.decode($0, "password") }
            hostPort = authority[authority.index(after: at)...]
        }
        var host: String?
        var port: Int?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw Invalid(message: "database URL: unclosed [ in the host") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Invalid(message: "database URL: unexpected text after the host") }
                port = try Self.port(after.dropFirst())
            }
        } else {
            let (h, p) = Self.split(hostPort, at: ":")
            if !h.isEmpty { host = try Self.decode(h, "host") }
            port = try p.map(Self.port)
        }
        var database = try path.flatMap { $0.isEmpty ? nil : try Self.decode($0, "database") }
        var sslMode: SSLMode?
        var sslRootCert: String?
        for pair in (query ?? "").split(separator: "&") {
            let (key, value) = Self.split(pair, at: "=")
            let decoded = try Self.decode(value ?? "", String(key))
            switch key {
            case "sslmode": sslMode = try Self.sslMode(decoded, from: "the URL")
            case "sslrootcert": sslRootCert = decoded
            case "host": host = decoded
            case "port": port = try Self.port(Substring(decoded))
            case "user": user = decoded
            case "dbname": database = decoded
            case "password": password = decoded
            case "application_name", "connect_timeout": continue
            default:
                throw Invalid(
                    message: "database URL: unknown parameter \(String(key).debugDescription) (known: sslmode, sslrootcert, host, port, user, dbname)")
            }
        }
        let resolvedHost = host ?? environment["PGHOST"] ?? "localhost"
        let resolvedPort = try port ?? environment["PGPORT"].map { try Self.port(Substring($0)) } ?? 5432
        guard let resolvedUser = user ?? environment["PGUSER"] ?? environment["USER"] else {
            throw Invalid(message: "database URL: no user (put one in the URL, postgres://USER@HOST/DB, or set PGUSER)")
        }
        let resolvedDatabase = database ?? environment["PGDATABASE"] ?? resolvedUser
        let mode = try sslMode ?? environment["PGSSLMODE"].map { try Self.sslMode($0, from: "PGSSLMODE") } ?? .prefer
        if password == nil, let passwordFile {
            let text: String
            do { text = try readFile(passwordFile) } catch {
                throw Invalid(message: "database password file \(passwordFile): cannot read it (\(error))")
            }
            guard let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map({ String($0.trimmingSuffix("\r")) }), !line.isEmpty
            else { throw Invalid(message: "database password file \(passwordFile): its first line is empty") }
            password = line
        }
        if password == nil { password = environment["PGPASSWORD"] }
        if password == nil {
            let passfile = environment["PGPASSFILE"] ?? environment["HOME"].map { $0 + "/.pgpass" }
            if let passfile, let text = try? readFile(passfile) {
                password = PgPass.lookup(text, host: resolvedHost, port: resolvedPort, database: resolvedDatabase, user: resolvedUser)
            }
        }
        return PostgresSettings(
            host: resolvedHost, port: resolvedPort, user: resolvedUser, database: resolvedDatabase, password: password, sslMode: mode,
            sslRootCert: sslRootCert ?? environment["PGSSLROOTCERT"], maxConnections: maxConnections)
    }

    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let i = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<i], text[text.index(after: i)...])
    }

    private static func port(_ text: Substring) throws(Invalid) -> Int {
        guard let n = Int(text), (1...65535).contains(n) else {
            throw Invalid(message: "database URL: port \(String(text).debugDescription) is not a number from 1 to 65535")
        }
        return n
    }

    private static func sslMode(_ text: String, from source: String) throws(Invalid) -> SSLMode {
        guard let mode = SSLMode(rawValue: text) else {
            throw Invalid(
                message: "\(source): sslmode \(text.debugDescription) is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return mode
    }

    /// Percent-decodes one URL part; a malformed escape is refused rather than guessed.
    private static func decode(_ text: Substring, _ what: String) throws(Invalid) -> String {
        var bytes: [UInt8] = []
        var i = text.utf8.startIndex
        let utf8 = text.utf8
        while i != utf8.endIndex {
            let b = utf8[i]
            if b == UInt8(ascii: "%") {
                let h = utf8.index(after: i)
                guard h != utf8.endIndex, utf8.index(after: h) != utf8.endIndex,
                    let value = UInt8(String(decoding: utf8[h...utf8.index(after: h)], as: UTF8.self), radix: 16)
                else { throw Invalid(message: "database URL: bad percent escape in the \(what)") }
                bytes.append(value)
                i = utf8.index(h, offsetBy: 2)
            } else {
                bytes.append(b)
                i = utf8.index(after: i)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw Invalid(message: "database URL: the \(what) is not UTF-8") }
        return decoded
    }

    /// `url` with any password replaced by `***`, for an error message about the URL itself.
    static func withoutPassword(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let userinfo = url[scheme.upperBound..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}

/// libpq's password file: `hostname:port:database:username:password` lines, `*` matching
/// anything, `\:` and `\\` escaping, `#` comments; the first matching line wins.
enum PgPass {
    static func lookup(_ text: String, host: String, port: Int, database: String, user: String) -> String? {
        // libpq matches a Unix-socket connection against the entry `localhost`.
        let hostKey = host.hasPrefix("/") ? "localhost" : host
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = Self.fields(of: line.trimmingSuffix("\r"))
            guard fields.count == 5 else { continue }
            let wanted = [hostKey, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    private static func fields(of line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for c in line {
            if escaped {
                current.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == ":" && fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : self
    }
}
