import Foundation
import TollgateCore
import XCTest

/// A corpus of realistic secrets, each sent in every field an agent or approver writes, must
/// never come back out: not in a response, the feed, the server's log, nor the console's cache.
///
/// `MaskingTests` checks one secret per built-in rule in context values and the database; this
/// covers every field, more shapes of each kind, error responses, and the console's history file.
final class SecretCorpusTests: XCTestCase {
    /// Text as an agent would write it, and the part of it that must never be seen again.
    static let corpus: [(text: String, secret: String)] = [
        ("export AWS_ACCESS_KEY_ID=AKIAJQ5XW7RT2PLM9ND3", "JQ5XW7RT2PLM9ND3"),
        ("temporary key ASIAV3B7N2M5K8L1P4Q6 in use", "V3B7N2M5K8L1P4Q6"),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCyQ9tR2mW4zK", "wJalrXUtnFEMI/K7MDENG/bPxRfiCyQ9tR2mW4zK"),
        ("push with ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"),
        (
            "GH token github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789abcdefghijklmnopqrstuvwxyzABCDE",
            "11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789abcdefghijklmnopqrstuvwxyzABCDE"
        ),
        ("CI uses glpat-Xy9Zq8Wv7Ut6Sr5Qp4On", "Xy9Zq8Wv7Ut6Sr5Qp4On"),
        ("notify via xoxb-2481632641-1357911131-aBcDeFgHiJkLmNoPqRsTuVwX", "2481632641-1357911131-aBcDeFgHiJkLmNoPqRsTuVwX"),
        ("post to https://hooks.slack.com/services/T0ABCDEFG/B0HIJKLMN/q1W2e3R4t5Y6u7I8o9P0a1S2", "T0ABCDEFG/B0HIJKLMN/q1W2e3R4t5Y6u7I8o9P0a1S2"),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz\n-----END OPENSSH PRIVATE KEY-----",
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz"
        ),
        (
            "key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oF1hTRbZ1sB9oAoGCCqGSM49\n-----END EC PRIVATE KEY-----",
            "MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oF1hTRbZ1sB9oAoGCCqGSM49"
        ),
        (
            "bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZXBsb3ktYm90Iiwicm9sZSI6ImFkbWluIn0.c2lnbmF0dXJlLXZhbHVlLWhlcmU",
            "eyJzdWIiOiJkZXBsb3ktYm90Iiwicm9sZSI6ImFkbWluIn0.c2lnbmF0dXJlLXZhbHVlLWhlcmU"
        ),
        ("mysqldump mysql://admin:S3cr3t-Passw0rd!@db.internal:3306/shop", "S3cr3t-Passw0rd!"),
        ("curl -H \"Authorization: Basic YWRtaW46c3VwZXJzZWNyZXQ=\" https://api.internal", "YWRtaW46c3VwZXJzZWNyZXQ="),
        ("Proxy-Authorization: Bearer 0a1b2c3d4e5f60718293a4b5c6d7e8f9", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
        ("login --user ops password=hunter2-but-longer", "hunter2-but-longer"),
        ("config: api_key: 'Zx9Qw8Er7Ty6Ui5Op4As'", "Zx9Qw8Er7Ty6Ui5Op4As"),
        ("client_secret=\"c5e8f1a2b3d4e6f7a8b9c0d1\"", "c5e8f1a2b3d4e6f7a8b9c0d1"),
        ("tollgate token tg_QmFzZTY0LXRva2VuLWJ5dGVzLWhlcmU", "QmFzZTY0LXRva2VuLWJ5dGVzLWhlcmU"),
    ]

    /// Every free-text field of a submission, each set to `text` in a request that is otherwise plain.
    static let fields: [(name: String, apply: @Sendable (inout ActionRequest, String) -> Void)] = [
        ("summary", { $0.summary = "corpus summary: " + $1 }),
        ("command", { $0.command = $1 }),
        ("resource", { $0.resource = $1 }),
        ("environment", { $0.environment = $1 }),
        ("justification", { $0.justification = $1 }),
        ("policy.reason", { $0.policy = Policy(id: "corpus", reason: $1) }),
        ("policy.id", { $0.policy = Policy(id: $1, reason: "corpus") }),
        ("context.key", { $0.context = [ContextEntry(key: $1, value: "v")] }),
        ("context.value", { $0.context = [ContextEntry(key: "k", value: $1)] }),
        ("diff.title", { $0.diffs = [ActionDiff(title: $1, format: "unified", text: "-a\n+b")] }),
        ("diff.text", { $0.diffs = [ActionDiff(title: "config", format: "unified", text: "-old\n+" + $1)] }),
        ("on_behalf_of", { $0.onBehalfOf = $1 }),
    ]

    func testNoSecretOfTheCorpusLeavesThroughAnyFieldIntoResponsesTheFeedTheLogOrTheConsoleCache() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let feed = try FeedStream(port: server.port, token: try sandbox.token("alice"))
        defer { feed.close() }
        _ = try feed.readUntilSync()
        let agent = try sandbox.client(server, as: "agent-1")
        let alice = try sandbox.client(server, as: "alice")

        var responses: [UInt8] = []
        var accepted: [Action] = []
        var rejected: [String] = []
        for (index, entry) in Self.corpus.enumerated() {
            for field in Self.fields {
                var request = Fixtures.request(summary: "corpus \(index) in \(field.name)", context: [], command: nil)
                field.apply(&request, entry.text)
                let response = try agent.send("POST", "/v1/actions", body: Fixtures.json(request))
                responses += response.body
                if response.status == 201 { accepted.append(try response.action()) } else { rejected.append("\(field.name) #\(index): \(response.status)") }
            }
        }
        // Approvers write secrets too: in reasons, on the half of the actions they decide.
        for (n, action) in accepted.enumerated() where n % 2 == 0 {
            let text = Self.corpus[n % Self.corpus.count].text
            let verdict: Verdict = n % 4 == 0 ? .approve : .deny
            let decided = try alice.decide(action, verdict, reason: "checked: " + text)
            responses += decided.body
            XCTAssertEqual(decided.status, 200, decided.text)
        }
        let listed = try alice.get("/v1/actions?limit=200")
        responses += listed.body
        let last = try XCTUnwrap(accepted.last)
        _ = try feed.waitForAction { $0.id == last.id }

        // The console caches what it shows; let it see every action, then read its file's bytes.
        let binary = try TollgateBinary.url().path
        let history = sandbox.historyPath("alice")
        let args = try sandbox.connection(server, as: "alice") + ["--db", history]
        let tmux = try TmuxSession(
            self, command: "\(binary) \(args.map(TmuxSession.quote).joined(separator: " "))",
            environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path])
        try tmux.waitFor("live")
        try eventually(timeout: 30, "the console cached the pending actions") {
            Self.bytes(ofFilesStartingWith: history).firstRange(of: Array(last.id.utf8)) != nil
        }
        try tmux.send("q")
        usleep(500_000)
        try server.stop()

        let places: [(String, [UInt8])] = [
            ("the responses (errors included)", responses), ("the feed", feed.transcript),
            ("the server's log", Array(sandbox.allServerLogs.utf8)), ("the console's history cache", Self.bytes(ofFilesStartingWith: history)),
        ]
        var leaks: [String] = []
        for (place, bytes) in places {
            XCTAssertFalse(bytes.isEmpty, "\(place) was captured")
            for entry in Self.corpus where bytes.firstRange(of: Array(entry.secret.utf8)) != nil {
                leaks.append("\(entry.secret.prefix(16))… in \(place)")
            }
        }
        XCTAssertEqual(leaks, [], "secrets leaked")
        print(
            "secret corpus: \(Self.corpus.count) secrets x \(Self.fields.count) fields = \(Self.corpus.count * Self.fields.count) submissions, \(accepted.count) accepted, \(rejected.count) rejected (\(rejected.prefix(5).joined(separator: ", "))), \(accepted.count / 2) reasons"
        )
    }

    /// The bytes of every file whose path starts with `path` (a SQLite file with its -wal and -shm).
    static func bytes(ofFilesStartingWith path: String) -> [UInt8] {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var bytes: [UInt8] = []
        for name in names where name.hasPrefix(url.lastPathComponent) {
            bytes += (try? Array(Data(contentsOf: directory.appendingPathComponent(name)))) ?? []
        }
        return bytes
    }
}
