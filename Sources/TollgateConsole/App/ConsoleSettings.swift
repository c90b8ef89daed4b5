import TollgateClient
import TollgateCore

/// The console's own keys of config.toml, which it shares with the client's keys.
///
/// ```toml
/// theme = "light"
/// notify = "desktop"            # bell (the default), desktop or off
/// notify_min_risk = "critical"  # new actions below this do not alert (default high)
/// title = true                  # the pending count in the terminal title
/// ```
///
/// Each is nil when the file does not set it: a flag then decides, else the default. A bad
/// value is one line naming the file, the line and the key.
public struct ConsoleSettings: Hashable, Sendable {
    public var theme: String?
    public var notify: NotifyMode?
    public var notifyMinRisk: Risk?
    public var title: Bool?

    public init(theme: String? = nil, notify: NotifyMode? = nil, notifyMinRisk: Risk? = nil, title: Bool? = nil) {
        self.theme = theme
        self.notify = notify
        self.notifyMinRisk = notifyMinRisk
        self.title = title
    }

    /// The settings of the config file `environment` points to; all nil when there is none.
    public static func load(environment: [String: String]) throws(ConfigurationError) -> ConsoleSettings {
        guard let path = ClientConfiguration.defaultFile(environment: environment),
            var reader = try ClientConfiguration.reader(file: path)
        else { return ConsoleSettings() }
        do {
            return try read(&reader)
        } catch {
            throw ConfigurationError(error.description)
        }
    }

    /// The console's keys of a parsed config file; the others are the client's business.
    static func read(_ reader: inout ConfigReader) throws(ConfigError) -> ConsoleSettings {
        var settings = ConsoleSettings(theme: try reader.string("theme"), title: try reader.bool("title"))
        if let text = try reader.string("notify") {
            guard let mode = NotifyMode(rawValue: text) else {
                throw reader.error("notify", "expected " + DecodingExplanation.choices(NotifyMode.allCases.map(\.rawValue)))
            }
            settings.notify = mode
        }
        if let text = try reader.string("notify_min_risk") {
            guard let risk = Risk(rawValue: text) else { throw reader.error("notify_min_risk", Risk.expectedText) }
            settings.notifyMinRisk = risk
        }
        return settings
    }
}
