import Foundation
import NIOSSL
import TollgateCore

/// One `[[notify]]` table: where a webhook goes, which events of which actions it is told of,
/// when it escalates, and how its deliveries are retried.
///
/// The URL is a secret in its own right (a Slack incoming webhook's path is its key), so only
/// `displayURL` — scheme, host and port — ever reaches a log or an error.
public struct NotifierSettings: Sendable {
    /// How a delivery's body is written.
    public enum Format: String, Sendable, CaseIterable {
        /// One JSON object: `delivery_id`, `event`, `action`, `sent_at`; signed when a secret is set.
        case json
        /// A Slack incoming-webhook message (Block Kit).
        case slack
    }

    /// What a delivery announces.
    public enum Event: String, Sendable, CaseIterable {
        /// A new action is waiting for a decision.
        case pending
        /// A pending action is `escalate_before_seconds` from expiring undecided.
        case escalation
        /// An action was approved, denied, expired or cancelled.
        case resolved
        /// An action was approved under break-glass.
        case breakGlass = "break-glass"

        /// Its place in an action's life: pending, escalation, then the resolution. A receiver
        /// gets an action's deliveries in this order (the outbox holds back a later one while an
        /// earlier one is unsent), so "approved" never arrives before "approval needed".
        public var rank: Int {
            switch self {
            case .pending: 0
            case .escalation: 1
            case .resolved: 2
            case .breakGlass: 3
            }
        }

        static let expectedText = "expected one of " + allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
    }

    public var id: String
    public var url: URL
    public var format: Format = .json
    public var events: Set<Event> = Set(Event.allCases)
    /// Only actions at least this risky.
    public var minRisk: Risk = .low
    /// Only actions whose environment matches (as policy matchers do); nil: any.
    public var environments: PolicyMatcher?
    /// The HMAC key's file (`json` only), read by `ServerConfiguration.resolveNotifierSecrets`.
    public var secretFile: String?
    /// The HMAC key, once read.
    public var secret: [UInt8]?
    /// `ca_file`: the PEM certificates that verify an https receiver instead of the system's
    /// trust store (a private CA); read with the secret.
    public var caFile: String?
    /// Its certificates, once read.
    public var trustRoots: [NIOSSLCertificate]?
    /// Seconds before expiry at which a still-pending action escalates; nil: never.
    public var escalateBeforeSeconds: Int?
    /// Attempts before a delivery is given up.
    public var maxAttempts = 10
    /// Seconds one attempt may take, connection included.
    public var timeoutSeconds: Double = 10
    /// The first retry's delay; each later one doubles, up to `retryMaxSeconds`, with jitter.
    public var retryInitialSeconds: Double = 2
    public var retryMaxSeconds: Double = 600
    /// The table's line in the configuration file, for messages.
    public var line = 0

    /// `scheme://host[:port]`, what logs and errors show of the URL.
    public var displayURL: String {
        let host = url.host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "?"
        return "\(url.scheme ?? "?")://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }

    /// Every setting as one text, to tell a changed table from the one in force (compared,
    /// never shown: it holds the URL).
    var fingerprint: String {
        [
            id, url.absoluteString, format.rawValue, events.map(\.rawValue).sorted().joined(separator: ","), minRisk.rawValue,
            environments?.patterns.map(\.text).joined(separator: ",") ?? "", secretFile ?? "", caFile ?? "",
            escalateBeforeSeconds.map(String.init) ?? "",
            "\(maxAttempts)", "\(timeoutSeconds)", "\(retryInitialSeconds)", "\(retryMaxSeconds)",
        ].joined(separator: "\u{1}")
    }

    /// Whether `action` is one this notifier is told about: risky enough, in its environments.
    public func covers(_ action: Action) -> Bool {
        guard action.risk >= minRisk else { return false }
        guard let environments else { return true }
        return environments.matches(PolicyMatcher.fold(action.environment))
    }

    /// The smallest HMAC key accepted: shorter ones are guessable.
    public static let minimumSecretBytes = 16

    /// Reads the `[[notify]]` tables of `root`; every mistake names file, line and key.
    static func read(_ root: inout ConfigReader) throws(ConfigError) -> [NotifierSettings] {
        var notifiers: [NotifierSettings] = []
        for var table in try root.tableArray("notify") {
            let notifier = try notifier(&table)
            if let other = notifiers.first(where: { $0.id == notifier.id }) {
                throw table.error("id", "duplicate id \"\(notifier.id)\" (first at line \(other.line))")
            }
            notifiers.append(notifier)
        }
        return notifiers
    }

    private static func notifier(_ t: inout ConfigReader) throws(ConfigError) -> NotifierSettings {
        let id = try t.requiredString("id")
        guard (1...64).contains(id.utf8.count), id.utf8.allSatisfy({ idBytes.contains($0) }) else {
            throw t.error("id", "expected 1 to 64 of a-z 0-9 _ - . (it labels deliveries and metrics)")
        }
        let text = try t.requiredString("url")
        var n = NotifierSettings(id: id, url: try url(text, in: t), line: t.table.line)
        if let format = try t.string("format") {
            guard let value = Format(rawValue: format) else { throw t.error("format", "expected \"json\" or \"slack\"") }
            n.format = value
        }
        if let names = try t.strings("events") {
            guard !names.isEmpty else { throw t.error("events", "an empty list announces nothing; leave the key out for every event") }
            var events: Set<Event> = []
            for name in names {
                guard let event = Event(rawValue: name) else { throw t.error("events", "unknown event \"\(name)\": \(Event.expectedText)") }
                events.insert(event)
            }
            n.events = events
        }
        if let risk = try t.string("min_risk") {
            guard let value = Risk(rawValue: risk) else { throw t.error("min_risk", Risk.expectedText) }
            n.minRisk = value
        }
        n.environments = try PolicyFile.matcher(&t, "environments")
        if let file = try t.string("secret_file") {
            guard n.format == .json else { throw t.error("secret_file", "only a \"json\" notifier signs its deliveries; Slack checks no signature") }
            n.secretFile = file
        }
        if let file = try t.string("ca_file") {
            guard n.url.scheme?.lowercased() == "https" else { throw t.error("ca_file", "only an https URL has a certificate to verify") }
            n.caFile = file
        }
        n.escalateBeforeSeconds = try t.integer("escalate_before_seconds", in: 1...(365 * 86_400)).map(Int.init)
        switch (n.escalateBeforeSeconds, n.events.contains(.escalation)) {
        case (nil, true) where t.table["events"] != nil:
            throw t.error("events", "\"escalation\" needs escalate_before_seconds: how long before expiry it fires")
        case (nil, true): n.events.remove(.escalation)  // the default list, without a time to escalate at
        case (.some, false): throw t.error("escalate_before_seconds", "has no effect without \"escalation\" in events")
        default: break
        }
        if let v = try t.integer("max_attempts", in: 1...100) { n.maxAttempts = Int(v) }
        if let v = try t.seconds("timeout_seconds", minimum: 0.1) {
            guard v <= 300 else { throw t.error("timeout_seconds", "at most 300") }
            n.timeoutSeconds = v
        }
        if let v = try t.seconds("retry_initial_seconds", minimum: 0.01) { n.retryInitialSeconds = v }
        if let v = try t.seconds("retry_max_seconds", minimum: 0.01) {
            guard v <= 86_400 else { throw t.error("retry_max_seconds", "at most 86400 (a day)") }
            n.retryMaxSeconds = v
        }
        guard n.retryInitialSeconds <= n.retryMaxSeconds else {
            throw t.error("retry_initial_seconds", "larger than retry_max_seconds (\(n.retryMaxSeconds))")
        }
        try t.finish()
        return n
    }

    /// The webhook's URL: absolute, `https` unless the host is loopback, with no user or
    /// password in it (they would be sent to every redirect and shown in proxies' logs).
    private static func url(_ text: String, in t: ConfigReader) throws(ConfigError) -> URL {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), let host = components.host,
            !host.isEmpty, let url = components.url
        else { throw t.error("url", "expected an absolute http(s) URL") }
        guard components.user == nil, components.password == nil else { throw t.error("url", "must not carry a user or password") }
        switch scheme {
        case "https": return url
        case "http" where LoopbackHost.contains(host): return url
        case "http": throw t.error("url", "must be https (plain http only to a loopback address): a delivery carries what an action touches")
        default: throw t.error("url", "expected an http(s) URL, found the scheme \"\(scheme)\"")
        }
    }

    private static let idBytes: Set<UInt8> = Set(Array("abcdefghijklmnopqrstuvwxyz0123456789_-.".utf8))

    /// Reads the files the notifiers name: each `secret_file`'s HMAC key (its first line, at
    /// least `minimumSecretBytes` bytes, read through `readFile`: an owner-only file) and each
    /// `ca_file`'s certificates (PEM, at least one).
    static func resolveFiles(
        _ notifiers: inout [NotifierSettings], source: String, readFile: (String) throws(ConfigError) -> String
    ) throws(ConfigError) {
        for i in notifiers.indices {
            if let path = notifiers[i].caFile {
                let certificates = try? NIOSSLCertificate.fromPEMFile(path)
                guard let certificates, !certificates.isEmpty else {
                    throw ConfigError(
                        file: source, line: notifiers[i].line, key: "notify[\(i + 1)].ca_file", message: "\(path): cannot read PEM certificates from it")
                }
                notifiers[i].trustRoots = certificates
            }
            guard let path = notifiers[i].secretFile else { continue }
            let text = try readFile(path)
            // Up to any line break: "\r\n" is one Character, which a split on "\n" never finds.
            let first = String(text.prefix { !$0.isNewline })
            let secret = Array(first.trimmingCharacters(in: .whitespaces).utf8)
            guard secret.count >= minimumSecretBytes else {
                throw ConfigError(
                    file: source, line: notifiers[i].line, key: "notify[\(i + 1)].secret_file",
                    message: "\(path): the first line must hold a key of at least \(minimumSecretBytes) bytes (try: openssl rand -hex 32)")
            }
            notifiers[i].secret = secret
        }
    }
}
