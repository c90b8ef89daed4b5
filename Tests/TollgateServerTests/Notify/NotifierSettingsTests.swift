import Foundation
import TollgateCore
import XCTest

@testable import TollgateServer

/// `[[notify]]` tables as `ServerConfiguration.apply(fileText:file:)` reads them: every key and
/// its default, and every mistake refused in one line naming file, line and key — above all a
/// webhook URL that would send what actions touch over plain HTTP across a network.
final class NotifierSettingsTests: XCTestCase {
    private static let file = "server.toml"

    /// The notifiers of a configuration file holding `text`.
    private func notifiers(_ text: String) throws -> [NotifierSettings] {
        var configuration = ServerConfiguration(environment: ["HOME": "/nonexistent"])
        try configuration.apply(fileText: text, file: Self.file)
        return configuration.notifiers
    }

    /// One `[[notify]]` table: the header on line 1, `id` on line 2, `url` on line 3, then `extra`
    /// from line 4 on.
    private static func table(id: String = "hook", url: String = "https://hooks.example.com/services/T0/B0/KEY", _ extra: String = "") -> String {
        "[[notify]]\nid = \"\(id)\"\nurl = \"\(url)\"\n" + extra
    }

    /// Asserts `text` is refused in one line naming the file, `line` and `key` (as
    /// `notify[N].key`), with `message` in it; returns the line.
    @discardableResult
    private func assertRefused(
        _ text: String, line: Int, key: String, _ message: String, file: StaticString = #filePath, sourceLine: UInt = #line
    ) -> String {
        do {
            let accepted = try notifiers(text)
            XCTFail("accepted: \(accepted.map(\.id))", file: file, line: sourceLine)
            return ""
        } catch {
            let shown = "\(error)"
            XCTAssertTrue(shown.hasPrefix("\(Self.file):\(line): \(key): "), "names file, line and key: \(shown)", file: file, line: sourceLine)
            XCTAssertTrue(shown.contains(message), "\(shown) does not say \(message)", file: file, line: sourceLine)
            XCTAssertFalse(shown.contains("\n"), "one line: \(shown)", file: file, line: sourceLine)
            return shown
        }
    }

    // MARK: - Keys and defaults

    func testNoTablesNoNotifiers() throws {
        XCTAssertEqual(try notifiers("[limits]\nrate_per_second = 0\n").count, 0)
    }

    func testTheDefaultsOfATableWithOnlyItsIdAndURL() throws {
        let notifiers = try notifiers("# webhooks\n\n" + Self.table())
        XCTAssertEqual(notifiers.count, 1)
        let n = try XCTUnwrap(notifiers.first)
        XCTAssertEqual(n.id, "hook")
        XCTAssertEqual(n.url.absoluteString, "https://hooks.example.com/services/T0/B0/KEY")
        XCTAssertEqual(n.format, .json)
        XCTAssertEqual(n.events, [.pending, .resolved, .breakGlass], "every event but escalation, which needs a time to fire at")
        XCTAssertEqual(n.minRisk, .low)
        XCTAssertNil(n.environments)
        XCTAssertNil(n.secretFile)
        XCTAssertNil(n.secret)
        XCTAssertNil(n.escalateBeforeSeconds)
        XCTAssertEqual(n.maxAttempts, 10)
        XCTAssertEqual(n.timeoutSeconds, 10)
        XCTAssertEqual(n.retryInitialSeconds, 2)
        XCTAssertEqual(n.retryMaxSeconds, 600)
        XCTAssertEqual(n.line, 3, "the table's header line, for messages")
    }

    func testEveryKeySet() throws {
        let text = Self.table(
            id: "oncall-slack.1_a",
            """
            format = "slack"
            events = ["pending", "escalation", "resolved", "break-glass"]
            min_risk = "high"
            environments = ["production", "staging-*"]
            escalate_before_seconds = 300
            max_attempts = 4
            timeout_seconds = 2.5
            retry_initial_seconds = 0.5
            retry_max_seconds = 30
            """)
        let n = try XCTUnwrap(try notifiers(text).first)
        XCTAssertEqual(n.id, "oncall-slack.1_a")
        XCTAssertEqual(n.format, .slack)
        XCTAssertEqual(n.events, Set(NotifierSettings.Event.allCases))
        XCTAssertEqual(n.minRisk, .high)
        XCTAssertEqual(n.environments?.patterns.map(\.text), ["production", "staging-*"])
        XCTAssertEqual(n.escalateBeforeSeconds, 300)
        XCTAssertEqual(n.maxAttempts, 4)
        XCTAssertEqual(n.timeoutSeconds, 2.5)
        XCTAssertEqual(n.retryInitialSeconds, 0.5)
        XCTAssertEqual(n.retryMaxSeconds, 30)
    }

    func testAJSONNotifierTakesASecretFileAndTheDefaultEventsTakeEscalationWithATime() throws {
        let n = try XCTUnwrap(try notifiers(Self.table("secret_file = \"/etc/tollgate/hook.secret\"\nescalate_before_seconds = 60\n")).first)
        XCTAssertEqual(n.secretFile, "/etc/tollgate/hook.secret")
        XCTAssertNil(n.secret, "read later, by resolveNotifierFiles")
        XCTAssertEqual(n.events, Set(NotifierSettings.Event.allCases), "with a time, the default list includes escalation")
    }

    func testSeveralTablesKeepTheirOrder() throws {
        let text = Self.table(id: "b") + "\n" + Self.table(id: "a", url: "http://127.0.0.1:9000/x")
        XCTAssertEqual(try notifiers(text).map(\.id), ["b", "a"])
    }

    func testTheLimitsOfEachRangeAreAccepted() throws {
        let text = Self.table(
            "events = [\"escalation\"]\nescalate_before_seconds = 31536000\nmax_attempts = 100\ntimeout_seconds = 300\nretry_initial_seconds = 86400\nretry_max_seconds = 86400\n"
        )
        let n = try XCTUnwrap(try notifiers(text).first)
        XCTAssertEqual([n.escalateBeforeSeconds, n.maxAttempts], [365 * 86_400, 100])
        XCTAssertEqual([n.timeoutSeconds, n.retryInitialSeconds, n.retryMaxSeconds], [300, 86_400, 86_400])
        let low = try XCTUnwrap(
            try notifiers(
                Self.table(
                    "events = [\"escalation\"]\nescalate_before_seconds = 1\nmax_attempts = 1\ntimeout_seconds = 0.1\nretry_initial_seconds = 0.01\nretry_max_seconds = 0.01\n"
                )
            ).first)
        XCTAssertEqual([low.escalateBeforeSeconds, low.maxAttempts], [1, 1])
        XCTAssertEqual([low.timeoutSeconds, low.retryInitialSeconds, low.retryMaxSeconds], [0.1, 0.01, 0.01])
    }

    // MARK: - The URL

    /// Plain HTTP to anything but this machine would carry what actions touch across a network;
    /// each of these hosts can be (or be read as) another machine.
    func testPlainHTTPToANonLoopbackHostIsRefused() {
        for url in [
            "http://hooks.example.com/x", "http://127.example.com/x", "http://localhost.evil.com/x", "http://127.0.0.1.nip.io/x", "http://[::2]/x",
            "http://0x7f.0.0.1/x", "http://2130706433/", "http://0177.0.0.1/x", "http://127.1/x", "HTTP://hooks.example.com/x",
            "Http://hooks.example.com/x", "http://10.0.0.1/x",
        ] {
            let shown = assertRefused(Self.table(url: url), line: 3, key: "notify[1].url", "must be https (plain http only to a loopback address)")
            XCTAssertFalse(shown.contains("/x"), "the URL's path (a webhook's key) is not repeated: \(shown)")
        }
    }

    func testPlainHTTPToLoopbackAndHTTPSAnywhereAreAccepted() throws {
        for url in [
            "http://127.0.0.1:8080/hook", "http://127.1.2.3/hook", "http://localhost:9/hook", "http://[::1]:9000/hook", "HTTP://127.0.0.1/hook",
            "https://hooks.example.com/hook", "HTTPS://hooks.example.com/hook", "https://10.0.0.1:8443/hook",
        ] {
            XCTAssertEqual(try notifiers(Self.table(url: url)).first?.url.absoluteString, url)
        }
    }

    /// A user or password in the URL would reach proxies' logs and any redirect; the message
    /// does not repeat them either.
    func testAUserOrPasswordInTheURLIsRefused() {
        for url in [
            "https://user:hunter2hunter2@hooks.example.com/x", "https://user@hooks.example.com/x", "https://:hunter2hunter2@hooks.example.com/x",
            "http://127.0.0.1:80@evil.example.com/x", "http://evil.example.com\\\\@127.0.0.1/x",
        ] {
            let shown = assertRefused(Self.table(url: url), line: 3, key: "notify[1].url", "must not carry a user or password")
            XCTAssertFalse(shown.contains("hunter2"), shown)
        }
    }

    func testOtherSchemesAndRelativeURLsAreRefused() {
        assertRefused(Self.table(url: "ftp://hooks.example.com/x"), line: 3, key: "notify[1].url", "expected an http(s) URL, found the scheme \"ftp\"")
        assertRefused(Self.table(url: "file:///etc/passwd"), line: 3, key: "notify[1].url", "expected an absolute http(s) URL")
        for url in ["", "hooks.example.com/x", "/hook", "https:///x", "https:hooks", "https://", "not a url"] {
            assertRefused(Self.table(url: url), line: 3, key: "notify[1].url", "expected an absolute http(s) URL")
        }
        assertRefused("[[notify]]\nid = \"hook\"\n", line: 1, key: "notify[1].url", "missing (required)")
        assertRefused("[[notify]]\nid = \"hook\"\nurl = 443\n", line: 3, key: "notify[1].url", "expected a string")
    }

    /// What logs and errors show of a URL: never its path or query, where a Slack webhook keeps its key.
    func testTheDisplayedURLIsSchemeHostAndPortOnly() throws {
        let cases = [
            ("https://hooks.slack.com/services/T000/B000/XXXXSECRET", "https://hooks.slack.com"),
            ("https://hooks.example.com:8443/hook?token=XXXXSECRET#frag", "https://hooks.example.com:8443"),
            ("http://[::1]:9000/XXXXSECRET", "http://[::1]:9000"),
            ("http://127.0.0.1/XXXXSECRET?a=b", "http://127.0.0.1"),
        ]
        for (url, shown) in cases {
            let n = try XCTUnwrap(try notifiers(Self.table(url: url)).first)
            XCTAssertEqual(n.displayURL, shown)
            XCTAssertFalse(n.displayURL.contains("XXXXSECRET"))
        }
    }

    // MARK: - Other refusals

    func testEventsAreKnownAndSome() {
        assertRefused(Self.table("events = [\"pending\", \"approved\"]\n"), line: 4, key: "notify[1].events", "unknown event \"approved\": expected one of")
        assertRefused(Self.table("events = [\"Pending\"]\n"), line: 4, key: "notify[1].events", "unknown event \"Pending\"")
        assertRefused(Self.table("events = []\n"), line: 4, key: "notify[1].events", "an empty list announces nothing")
        assertRefused(Self.table("events = \"pending\"\n"), line: 4, key: "notify[1].events", "expected an array of strings")
    }

    func testEscalationAndItsTimeComeTogether() {
        assertRefused(
            Self.table("events = [\"pending\", \"escalation\"]\n"), line: 4, key: "notify[1].events", "\"escalation\" needs escalate_before_seconds")
        assertRefused(
            Self.table("events = [\"pending\"]\nescalate_before_seconds = 300\n"), line: 5, key: "notify[1].escalate_before_seconds",
            "has no effect without \"escalation\" in events")
    }

    func testOnlyAJSONNotifierTakesASecretFile() {
        assertRefused(
            Self.table("format = \"slack\"\nsecret_file = \"/etc/tollgate/hook.secret\"\n"), line: 5, key: "notify[1].secret_file",
            "only a \"json\" notifier signs its deliveries")
        assertRefused(Self.table("format = \"xml\"\n"), line: 4, key: "notify[1].format", "expected \"json\" or \"slack\"")
    }

    /// A CA file verifies an https receiver's certificate; plain HTTP has none to verify, and
    /// a ca_file there would look like protection that is not.
    func testOnlyAnHTTPSNotifierTakesACAFile() throws {
        assertRefused(
            Self.table(url: "http://127.0.0.1:9/hook", "ca_file = \"/etc/tollgate/ca.pem\"\n"), line: 4, key: "notify[1].ca_file",
            "only an https URL has a certificate to verify")
        XCTAssertEqual(try notifiers(Self.table("ca_file = \"/etc/tollgate/ca.pem\"\n")).first?.caFile, "/etc/tollgate/ca.pem")
        XCTAssertNil(try notifiers(Self.table()).first?.caFile, "the system's trust store by default")
    }

    func testMinRiskIsARisk() {
        for risk in ["severe", "High", ""] {
            assertRefused(Self.table("min_risk = \"\(risk)\"\n"), line: 4, key: "notify[1].min_risk", "expected low, medium, high or critical")
        }
    }

    /// Environments are matched folded, as policy matchers are: a pattern written otherwise
    /// would never match what it seems to, so it is refused with the form to write.
    func testEnvironmentPatternsAreWrittenFolded() {
        assertRefused(Self.table("environments = [\"Production\"]\n"), line: 4, key: "notify[1].environments", "write it as \"production\"")
        assertRefused(Self.table("environments = [\"ｐｒｏｄ\"]\n"), line: 4, key: "notify[1].environments", "write it as \"prod\"")
        assertRefused(Self.table("environments = []\n"), line: 4, key: "notify[1].environments", "an empty list matches nothing")
    }

    func testIdsAreUniqueAndPlain() {
        let duplicate = Self.table(id: "pager") + "\n" + Self.table(id: "pager", url: "https://other.example.com/x")
        assertRefused(duplicate, line: 6, key: "notify[2].id", "duplicate id \"pager\" (first at line 1)")
        for id in ["", "Pager", "on call", "pager/1", "pägér", "pager\\u0000", String(repeating: "a", count: 65)] {
            assertRefused(Self.table(id: id), line: 2, key: "notify[1].id", "expected 1 to 64 of a-z 0-9 _ - .")
        }
        XCTAssertNoThrow(try notifiers(Self.table(id: String(repeating: "a", count: 64))))
        assertRefused("[[notify]]\nurl = \"https://hooks.example.com/x\"\n", line: 1, key: "notify[1].id", "missing (required)")
    }

    func testNumbersOutOfRangeAreRefused() {
        let cases: [(String, String, String)] = [
            ("max_attempts = 0", "max_attempts", "expected 1 to 100, found 0"),
            ("max_attempts = 101", "max_attempts", "expected 1 to 100, found 101"),
            ("max_attempts = 2.5", "max_attempts", "expected an integer"),
            ("timeout_seconds = 0.05", "timeout_seconds", "at least 0.1"),
            ("timeout_seconds = 301", "timeout_seconds", "at most 300"),
            ("timeout_seconds = inf", "timeout_seconds", "expected a finite number of seconds"),
            ("timeout_seconds = nan", "timeout_seconds", "expected a finite number of seconds"),
            ("retry_initial_seconds = 0.001", "retry_initial_seconds", "at least 0.01"),
            ("retry_max_seconds = 0", "retry_max_seconds", "at least 0.01"),
            ("retry_max_seconds = 86401", "retry_max_seconds", "at most 86400"),
            ("retry_initial_seconds = 700", "retry_initial_seconds", "larger than retry_max_seconds (600.0)"),
            ("events = [\"escalation\"]\nescalate_before_seconds = 0", "escalate_before_seconds", "expected 1 to 31536000, found 0"),
            ("events = [\"escalation\"]\nescalate_before_seconds = 31536001", "escalate_before_seconds", "expected 1 to 31536000"),
        ]
        for (extra, key, message) in cases {
            let line = 4 + extra.split(separator: "\n").count - 1
            assertRefused(Self.table(extra + "\n"), line: line, key: "notify[1].\(key)", message)
        }
    }

    func testTheFirstRetryCannotBeLongerThanTheLongest() {
        assertRefused(
            Self.table("retry_initial_seconds = 5\nretry_max_seconds = 4\n"), line: 4, key: "notify[1].retry_initial_seconds",
            "larger than retry_max_seconds (4.0)")
    }

    func testAnUnknownKeyIsRefused() {
        assertRefused(Self.table("secret = \"hunter2\"\n"), line: 4, key: "notify[1].secret", "unknown key")
        assertRefused(Self.table(id: "a") + "\n" + Self.table(id: "b", "retries = 3\n"), line: 8, key: "notify[2].retries", "unknown key")
        assertRefused("notify = \"https://hooks.example.com/x\"\n", line: 1, key: "notify", "expected [[notify]] tables")
    }

    // MARK: - Restart

    /// Every setting of a notifier needs a restart (the dispatcher and the ledgers' planner are
    /// built at start): a reload must say so whichever one changed, and only then.
    func testAChangeOfAnySettingIsANotifyRestart() throws {
        let base = Self.table("events = [\"pending\", \"escalation\"]\nescalate_before_seconds = 300\nenvironments = [\"production\"]\n")
        let variants = [
            base.replacing("id = \"hook\"", with: "id = \"hook2\""),
            base.replacing("KEY", with: "KEY2"),
            base + "format = \"slack\"\n",
            base.replacing("[\"pending\", \"escalation\"]", with: "[\"pending\", \"escalation\", \"resolved\"]"),
            base.replacing("300", with: "301"),
            base.replacing("[\"production\"]", with: "[\"production\", \"staging\"]"),
            base + "secret_file = \"/etc/tollgate/hook.secret\"\n",
            base + "ca_file = \"/etc/tollgate/ca.pem\"\n",
            base + "min_risk = \"medium\"\n",
            base + "max_attempts = 9\n",
            base + "timeout_seconds = 9\n",
            base + "retry_initial_seconds = 3\n",
            base + "retry_max_seconds = 599\n",
            base + "\n" + Self.table(id: "second"),
            "# none\n",
        ]
        let before = try restartValues(base)
        XCTAssertEqual(try restartValues(base), before, "the same file, the same settings")
        let reordered = base.replacing("[\"pending\", \"escalation\"]", with: "[\"escalation\", \"pending\"]")
        XCTAssertEqual(try restartValues(reordered)["notify"], before["notify"], "the same events in another order are the same setting")
        for variant in variants {
            let after = try restartValues(variant)
            XCTAssertNotEqual(after["notify"], before["notify"], "a change unnoticed:\n\(variant)")
            XCTAssertEqual(after.filter { $0.key != "notify" }, before.filter { $0.key != "notify" }, "only notify changed:\n\(variant)")
        }
    }

    /// The restart settings of a configuration file holding `text`, by key.
    private func restartValues(_ text: String) throws -> [String: String] {
        var configuration = ServerConfiguration(environment: ["HOME": "/nonexistent"])
        try configuration.apply(fileText: text, file: Self.file)
        return Dictionary(uniqueKeysWithValues: ConfigurationReloader.restartSettings(configuration).map { ($0.key, $0.value) })
    }
}
