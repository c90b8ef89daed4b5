import Foundation
import TollgateCore

/// Everything `tollgate serve` can be told, with the defaults of the issue and the protocol.
///
/// Read from a TOML file (`--config`), then overridden by command-line flags. Every
/// interval is settable so tests can run with short ones.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8470
    /// The SQLite ledger's file, used when no PostgreSQL database is configured.
    public var databasePath: String
    public var tokensPath: String

    // MARK: PostgreSQL
    /// `[database] url` or `--database`: a `postgres://` URL puts the ledger in PostgreSQL,
    /// which several replicas can share; nil keeps the SQLite file.
    public var databaseURL: String?
    /// `[database] password_file`: the password's file (first line).
    public var databasePasswordFile: String?
    /// `[database] max_connections`: the pool's size.
    public var databaseMaxConnections = 20
    /// The resolved PostgreSQL settings (`resolveDatabase`), when the ledger is there.
    public var postgres: PostgresSettings?

    // MARK: Feed
    /// How many recent events a reconnecting consumer can replay from.
    public var replayWindow = 10_000
    /// Seconds between keepalive comments on idle feeds (protocol: at most 15).
    public var keepaliveInterval: Double = 15
    /// Events buffered per subscriber before a slow one is disconnected.
    public var subscriberBuffer = 4_096
    /// The `retry:` hint sent to feed consumers, in milliseconds.
    public var retryHintMilliseconds = 2_000

    // MARK: Actions
    public var defaultTTL = 3_600
    public var maxTTL = 7 * 24 * 3_600
    /// How often pending actions are checked for expiry.
    public var expiryCheckInterval: Double = 1
    /// Longest `?wait=` honoured (protocol: 60).
    public var maxWait = 60
    /// How long idempotency keys are remembered, in seconds.
    public var idempotencyRetention = 24 * 3_600

    // MARK: Limits
    public var bodyLimit = 8 * 1024 * 1024
    /// Requests per second per principal (token bucket refill rate); 0 turns the limit off.
    public var ratePerSecond: Double = 50
    public var rateBurst: Double = 200
    /// Seconds a connection may stay idle (or dribble a request) before it is closed.
    public var idleTimeout: Double = 30

    // MARK: Operations
    /// The `[[notify]]` webhooks, in order (their secrets read by `resolveNotifierSecrets`).
    public var notifiers: [NotifierSettings] = []
    /// `metrics_listen`: where `GET /metrics` (Prometheus) is served, apart from the API; nil: off.
    public var metricsListen: ListenAddress?

    // MARK: Masking
    public var secretPatterns: [(name: String, pattern: String)] = []

    // MARK: Policy
    /// The `[[policy]]` rules, in order (docs/policy.md); empty: every requester's own values stand.
    public var policy = PolicySet(rules: [])
    /// The configuration file, when there is one: a reload reads it again for its policy.
    public var configPath: String?

    public init(environment: [String: String]) {
        databasePath = Self.stateDirectory(environment) + "/server.sqlite"
        tokensPath = Self.configDirectory(environment) + "/tokens.toml"
    }

    /// `$XDG_STATE_HOME/tollgate`, or `~/.local/state/tollgate`.
    public static func stateDirectory(_ env: [String: String]) -> String {
        if let x = env["XDG_STATE_HOME"], x.hasPrefix("/") { return x + "/tollgate" }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.local/state/tollgate"
    }

    /// `$XDG_CONFIG_HOME/tollgate`, or `~/.config/tollgate`.
    public static func configDirectory(_ env: [String: String]) -> String {
        if let x = env["XDG_CONFIG_HOME"], x.hasPrefix("/") { return x + "/tollgate" }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.config/tollgate"
    }

    /// Parses `HOST:PORT` (`[::1]:8470` for IPv6); port 0 picks a free one.
    public mutating func setListen(_ text: String) throws(ConfigError) {
        let address = try ListenAddress(parsing: text, source: "--listen")
        host = address.host
        port = address.port
    }

    /// Resolves `databaseURL` (with the password file and libpq's environment variables) into
    /// `postgres`; nothing to do without one. A mistake is one line naming where it came from.
    public mutating func resolveDatabase(environment: [String: String], source: String, readFile: (String) throws -> String) throws(ConfigError) {
        guard let url = databaseURL else { return }
        do {
            postgres = try PostgresSettings.parse(
                url: url, passwordFile: databasePasswordFile, maxConnections: databaseMaxConnections, environment: environment, readFile: readFile)
        } catch { throw ConfigError(file: source, line: 0, message: (error as? PostgresSettings.Invalid)?.message ?? "\(error)") }
    }

    /// Reads the files the `[[notify]]` tables name: HMAC keys through `readFile` (owner-only
    /// files, as the tokens file) and CA certificates; `source` is the configuration file, for messages.
    public mutating func resolveNotifierFiles(source: String, readFile: (String) throws(ConfigError) -> String) throws(ConfigError) {
        try NotifierSettings.resolveFiles(&notifiers, source: source, readFile: readFile)
    }

    /// Applies a configuration file's settings (see docs/configuration.md for every key).
    public mutating func apply(fileText: String, file: String) throws(ConfigError) {
        var root = try ConfigReader.parse(fileText, file: file)
        if let listen = try root.string("listen") {
            do { try setListen(listen) } catch { throw root.error("listen", error.message) }
        }
        if let text = try root.string("metrics_listen") {
            do { metricsListen = try ListenAddress(parsing: text, source: "metrics_listen") } catch { throw root.error("metrics_listen", error.message) }
        }
        let db = try root.string("db")
        if let db { databasePath = db }
        if let tokens = try root.string("tokens") { tokensPath = tokens }
        if var database = try root.table("database") {
            if let url = try database.string("url") {
                guard db == nil else { throw database.error("url", "db names an SQLite file too; a server has one ledger: keep one of the two") }
                databaseURL = url
            }
            if let file = try database.string("password_file") { databasePasswordFile = file }
            if let v = try database.integer("max_connections", in: 1...1_000) { databaseMaxConnections = Int(v) }
            try database.finish()
        }
        if var feed = try root.table("feed") {
            if let v = try feed.integer("replay_window", in: 1...10_000_000) { replayWindow = Int(v) }
            if let v = try feed.seconds("keepalive_seconds") {
                guard v <= 15 else { throw feed.error("keepalive_seconds", "at most 15 (the protocol's keepalive bound)") }
                keepaliveInterval = v
            }
            if let v = try feed.integer("subscriber_buffer", in: 16...1_000_000) { subscriberBuffer = Int(v) }
            if let v = try feed.integer("retry_ms", in: 0...3_600_000) { retryHintMilliseconds = Int(v) }
            try feed.finish()
        }
        if var actions = try root.table("actions") {
            if let v = try actions.integer("max_ttl_seconds", in: 1...(365 * 86_400)) {
                maxTTL = Int(v)
                defaultTTL = min(defaultTTL, maxTTL)
            }
            if let v = try actions.integer("default_ttl_seconds", in: 1...(365 * 86_400)) {
                guard v <= maxTTL else { throw actions.error("default_ttl_seconds", "larger than max_ttl_seconds (\(maxTTL))") }
                defaultTTL = Int(v)
            }
            if let v = try actions.seconds("expiry_check_seconds") { expiryCheckInterval = v }
            if let v = try actions.integer("max_wait_seconds", in: 1...60) { maxWait = Int(v) }
            if let v = try actions.integer("idempotency_retention_seconds", in: 60...(30 * 86_400)) { idempotencyRetention = Int(v) }
            try actions.finish()
        }
        if var limits = try root.table("limits") {
            if let v = try limits.integer("body_bytes", in: 1024...(1 << 30)) { bodyLimit = Int(v) }
            if let v = try limits.seconds("rate_per_second", minimum: 0) { ratePerSecond = v }
            if let v = try limits.seconds("rate_burst", minimum: 1) { rateBurst = v }
            if let v = try limits.seconds("idle_timeout_seconds", minimum: 0.1) { idleTimeout = v }
            try limits.finish()
        }
        if var masking = try root.table("masking") {
            for var p in try masking.tableArray("patterns") {
                let name = try p.requiredString("name")
                let pattern = try p.requiredString("pattern")
                do { _ = try SecretMasker.Rule(name: name, pattern: pattern) } catch {
                    throw p.error("pattern", (error as? SecretMasker.MaskingError)?.message ?? "\(error)")
                }
                secretPatterns.append((name, pattern))
                try p.finish()
            }
            try masking.finish()
        }
        notifiers = try NotifierSettings.read(&root)
        policy = try PolicyFile.read(&root)
        try root.finish()
    }
}

/// A `HOST:PORT` a server listens on (`[::1]:8470` for IPv6); port 0 picks a free one.
public struct ListenAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `text`; a mistake names `source` (the flag or key it came from).
    public init(parsing text: String, source: String) throws(ConfigError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigError(file: source, line: 0, message: "expected HOST:PORT, got \(text.debugDescription)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConfigError(file: source, line: 0, message: "missing host in \(text.debugDescription)") }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
