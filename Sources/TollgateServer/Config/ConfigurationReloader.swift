import Foundation
import TollgateCore

/// Reads the tokens file and the configuration file again and says what a reload puts in
/// force: new tokens, a new policy, or why a file was kept out.
///
/// It decides and reads; it never touches the running server (`ReloadService` does that), so
/// every rule here is tested with files in a temporary directory and no server.
///
/// The two files are handled apart: a broken configuration file keeps the running policy but
/// does not hold up a revocation in the tokens file, and the other way round.
///
/// Polling (`poll`) reads a file only when its `FileStamp` changed, and only once that new
/// stamp was also there at the previous poll: an editor that truncates and then writes is
/// read after it has finished, so an empty or half-written tokens file (which parses, as a file
/// with fewer principals) is not put in force for a moment. What it read is compared by content
/// hash: a rewrite with the same text changes nothing and logs nothing, and a broken file is
/// reported once, not at every poll (it is read again at every poll until it changes, in case
/// it was read while being written). `reload` (SIGHUP) reads both files at once whatever their
/// stamps, and reports what it found even when nothing changed.
public struct ConfigurationReloader: Sendable {
    /// What one look at the files found.
    public struct Outcome: Sendable {
        /// Tokens to put in force, when the tokens file was read and is valid.
        public var registry: TokenRegistry?
        /// The policy to put in force, when the configuration file was read and is valid.
        public var policy: PolicySet?
        /// Why the tokens file was kept out (file:line: key: message).
        public var tokensError: ConfigError?
        /// Why the configuration file was kept out.
        public var configError: ConfigError?
        /// Settings of the configuration file that changed but take effect only on a restart.
        public var restartNeeded: [String] = []

        /// Nothing to put in force and nothing to say.
        public var isEmpty: Bool { registry == nil && policy == nil && tokensError == nil && configError == nil && restartNeeded.isEmpty }
    }

    /// One watched file: the version in force, and what was last seen and refused.
    private struct Watched {
        let path: String
        /// The stamp of the text in force; nil before the first read.
        var inForce: FileStamp?
        /// The stamp the previous poll saw, for the rule that a change is read once it has settled.
        var previous: FileStamp?
        /// The hash of the text in force.
        var loaded: String?
        /// The hash of the last text (or read error) refused, so it is reported once.
        var refused: String?
    }

    private let access: FileAccess
    private let base: ServerConfiguration
    private var tokens: Watched
    private var config: Watched?
    /// The restart-only settings of the configuration in force, to name the ones a change touches.
    private var settingsInForce: [(key: String, value: String)]?

    /// A reloader for `configuration`'s tokens file and configuration file (when it has one);
    /// the configuration is also what each new configuration text is applied to.
    public init(configuration: ServerConfiguration, access: FileAccess = .system) {
        self.access = access
        base = configuration
        tokens = Watched(path: configuration.tokensPath)
        config = configuration.configPath.map { Watched(path: $0) }
    }

    /// Reads both files now, whatever their stamps (SIGHUP, and the first look at start-up):
    /// every valid file is in the outcome, changed or not, and every broken one is reported.
    public mutating func reload() -> Outcome {
        var outcome = Outcome()
        readTokens(stamp: access.stamp(tokens.path), force: true, into: &outcome)
        if let path = config?.path { readConfig(stamp: access.stamp(path), force: true, into: &outcome) }
        return outcome
    }

    /// The periodic look: reads a file only when its stamp changed and has settled (see the
    /// type's documentation); the outcome is empty when there is nothing new.
    public mutating func poll() -> Outcome {
        var outcome = Outcome()
        if let stamp = Self.settledChange(&tokens, stamp: access.stamp(tokens.path)) {
            readTokens(stamp: stamp, force: false, into: &outcome)
        }
        if var watched = config {
            let stamp = Self.settledChange(&watched, stamp: access.stamp(watched.path))
            config = watched
            if let stamp { readConfig(stamp: stamp, force: false, into: &outcome) }
        }
        return outcome
    }

    /// The file's new stamp when it differs from the one in force and the previous poll saw it too.
    private static func settledChange(_ file: inout Watched, stamp: FileStamp) -> FileStamp? {
        defer { file.previous = stamp }
        guard stamp != file.inForce, stamp == file.previous else { return nil }
        return stamp
    }

    // MARK: - Reading

    private mutating func readTokens(stamp: FileStamp, force: Bool, into outcome: inout Outcome) {
        let path = tokens.path
        let read = Self.attempt { () throws(ConfigError) in try access.tokensText(path) }
        guard let text = Self.accept(read, stamp: stamp, force: force, of: &tokens, report: &outcome.tokensError) else { return }
        do {
            let registry = try TokenRegistry.parse(text, file: path)
            tokens.inForce = stamp
            tokens.loaded = SHA256Hex.hex(text.utf8)
            tokens.refused = nil
            outcome.registry = registry
        } catch {
            Self.refuse(&tokens, SHA256Hex.hex(text.utf8), error, force: force, report: &outcome.tokensError)
        }
    }

    private mutating func readConfig(stamp: FileStamp, force: Bool, into outcome: inout Outcome) {
        guard var watched = config else { return }
        defer { config = watched }
        let path = watched.path
        let read = Self.attempt { () throws(ConfigError) in try access.configText(path) }
        guard let text = Self.accept(read, stamp: stamp, force: force, of: &watched, report: &outcome.configError) else { return }
        var applied = base
        do {
            try applied.apply(fileText: text, file: path)
        } catch {
            Self.refuse(&watched, SHA256Hex.hex(text.utf8), error, force: force, report: &outcome.configError)
            return
        }
        let settings = Self.restartSettings(applied)
        if let before = settingsInForce {
            outcome.restartNeeded = zip(before, settings).filter { $0.0.value != $0.1.value }.map(\.1.key)
        }
        settingsInForce = settings
        watched.inForce = stamp
        watched.loaded = SHA256Hex.hex(text.utf8)
        watched.refused = nil
        outcome.policy = applied.policy
    }

    /// The text to parse, or nil when there is nothing to do: the read failed (reported unless
    /// it failed the same way last time), or the text is the one in force (unless forced).
    private static func accept(
        _ read: Result<String, ConfigError>, stamp: FileStamp, force: Bool, of file: inout Watched, report: inout ConfigError?
    ) -> String? {
        switch read {
        case .failure(let error):
            Self.refuse(&file, "unreadable: \(error)", error, force: force, report: &report)
            return nil
        case .success(let text):
            let hash = SHA256Hex.hex(text.utf8)
            // The same text written again: nothing to reload, unless it mends a refused version
            // (then the reload says so).
            if !force, hash == file.loaded, file.refused == nil {
                file.inForce = stamp
                return nil
            }
            if !force, hash == file.refused { return nil }  // still the text already reported
            return text
        }
    }

    /// Keeps `file`'s text in force out and reports why, once per distinct refusal (always when forced).
    private static func refuse(_ file: inout Watched, _ key: String, _ error: ConfigError, force: Bool, report: inout ConfigError?) {
        // The stamp in force stays as it was, so the next poll reads the file again.
        if force || file.refused != key { report = error }
        file.refused = key
    }

    private static func attempt(_ body: () throws(ConfigError) -> String) -> Result<String, ConfigError> {
        do { return .success(try body()) } catch { return .failure(error) }
    }

    // MARK: - Settings that need a restart

    /// The configuration file's settings a reload does not apply, each with its value as text,
    /// in the order of docs/configuration.md. `policy` is the one part a reload applies.
    static func restartSettings(_ c: ServerConfiguration) -> [(key: String, value: String)] {
        [
            ("listen", "\(c.host):\(c.port)"), ("metrics_listen", c.metricsListen?.description ?? ""), ("db", c.databasePath), ("tokens", c.tokensPath),
            // Compared, never printed: only the key of a changed setting is reported.
            ("database.url", c.databaseURL ?? ""), ("database.password_file", c.databasePasswordFile ?? ""),
            ("database.max_connections", "\(c.databaseMaxConnections)"),
            ("feed.replay_window", "\(c.replayWindow)"), ("feed.keepalive_seconds", "\(c.keepaliveInterval)"),
            ("feed.subscriber_buffer", "\(c.subscriberBuffer)"), ("feed.retry_ms", "\(c.retryHintMilliseconds)"),
            ("actions.default_ttl_seconds", "\(c.defaultTTL)"), ("actions.max_ttl_seconds", "\(c.maxTTL)"),
            ("actions.expiry_check_seconds", "\(c.expiryCheckInterval)"), ("actions.max_wait_seconds", "\(c.maxWait)"),
            ("actions.idempotency_retention_seconds", "\(c.idempotencyRetention)"),
            ("limits.body_bytes", "\(c.bodyLimit)"), ("limits.rate_per_second", "\(c.ratePerSecond)"), ("limits.rate_burst", "\(c.rateBurst)"),
            ("limits.idle_timeout_seconds", "\(c.idleTimeout)"),
            ("masking.patterns", c.secretPatterns.map { "\($0.name)=\($0.pattern)" }.joined(separator: "\u{0}")),
            ("notify", c.notifiers.map(\.fingerprint).joined(separator: "\u{0}")),
        ]
    }
}

/// What tells one version of a file from another without reading it: device, inode, size,
/// mode, and modification and status-change times to the nanosecond. A file replaced by a
/// rename has a new inode; one rewritten in place, a new size or time; a chmod, a new mode
/// (the tokens file must stay owner-only, so that is checked again too).
public struct FileStamp: Hashable, Sendable {
    public var device: UInt64 = 0
    public var inode: UInt64 = 0
    public var size: Int64 = 0
    public var mode: UInt32 = 0
    public var modified: Int64 = 0
    public var changed: Int64 = 0

    /// The stamp of a file that is not there (or cannot be examined).
    public static let missing = FileStamp()

    public init() {}

    /// The stamp of the file at `path` (following symbolic links, as reading it does).
    public static func of(_ path: String) -> FileStamp {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        var stamp = FileStamp()
        stamp.device = UInt64(info.st_dev)
        stamp.inode = UInt64(info.st_ino)
        stamp.size = Int64(info.st_size)
        stamp.mode = UInt32(info.st_mode)
        stamp.modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        stamp.changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        return stamp
    }
}

/// How the reloader reaches its files: the file system, or a test's stand-in that counts reads.
public struct FileAccess: Sendable {
    public var stamp: @Sendable (String) -> FileStamp
    public var tokensText: @Sendable (String) throws(ConfigError) -> String
    public var configText: @Sendable (String) throws(ConfigError) -> String

    public init(
        stamp: @escaping @Sendable (String) -> FileStamp, tokensText: @escaping @Sendable (String) throws(ConfigError) -> String,
        configText: @escaping @Sendable (String) throws(ConfigError) -> String
    ) {
        self.stamp = stamp
        self.tokensText = tokensText
        self.configText = configText
    }

    /// The file system: the tokens file read as at start-up (owner-only, UTF-8), the
    /// configuration file as `tollgate serve --config` reads it.
    public static let system = FileAccess(
        stamp: { FileStamp.of($0) },
        tokensText: { path throws(ConfigError) in try TokenRegistry.text(ofTokensFile: path) },
        configText: { path throws(ConfigError) in
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw ConfigError(file: path, line: 0, message: "cannot read the configuration file")
            }
            return text
        })
}
