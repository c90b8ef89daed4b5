import Foundation
import TollgateCore
import XCTest

/// Secrets in a submission are masked before anything is stored, sent or logged.
class MaskingTests: LedgerBackendTestCase {
    /// One secret per rule; each value is what must never leave the request.
    private static let secrets: [(field: String, text: String, secret: String)] = [
        ("aws-key-id", "aws configure set aws_access_key_id AKIAZ7QX4PLM2ND8RT5W", "AKIAZ7QX4PLM2ND8RT5W"),
        ("aws-secret", "aws_secret_access_key = Zr8vKq2mWx5Tn1Lp9Hc3Yb7Gd4Fs6Je0Ua2Ro8Ix", "Zr8vKq2mWx5Tn1Lp9Hc3Yb7Gd4Fs6Je0Ua2Ro8Ix"),
        ("github", "git clone https://github.com/acme/infra using ghp_Q7w2E9r4T1y6U3i8O5p0A2s7D4f9G1h6J3k8", "Q7w2E9r4T1y6U3i8O5p0A2s7D4f9G1h6J3k8"),
        (
            "key",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAzK7pQ3vR8mN2xL5tY9wB4cF6hJ1dS0gV3uE7iO2aPq8\nKx9mZ2bN4vC6xL8jH1gF3dS5aQ7wE9rT2yU4iO6pA8sD0fG2hJ4kL6zX8c\n-----END RSA PRIVATE KEY-----",
            "MIIEowIBAAKCAQEAzK7pQ3vR8mN2xL5tY9wB4cF6hJ1dS0gV3uE7iO2aPq8"
        ),
        ("database", "psql postgres://report:Tr0ub4dor-and-3@db.internal:5432/prod", "Tr0ub4dor-and-3"),
        (
            "jwt", "session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyZXBvcnQtYm90In0.XbPfbIHMI6arZ3Y922BhjWgQzWXcXNrz0ogtVhfEd2o",
            "eyJzdWIiOiJyZXBvcnQtYm90In0.XbPfbIHMI6arZ3Y922BhjWgQzWXcXNrz0ogtVhfEd2o"
        ),
        ("header", "curl -H 'Authorization: Bearer 9f8e7d6c5b4a3928171605f4e3d2c1b0' https://api.internal", "9f8e7d6c5b4a3928171605f4e3d2c1b0"),
        ("custom", "ticket system key ACME-7731-9904-2217-5580", "7731-9904-2217-5580"),
    ]

    func testSecretsNeverReachTheResponseTheFeedTheLogOrTheDatabase() throws {
        let config =
            Sandbox.quietConfig + """

                [[masking.patterns]]
                name = "acme-key"
                pattern = "ACME-[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}"
                """
        let sandbox = try Sandbox(self, config: config)
        let server = try sandbox.startServer()
        let feed = try FeedStream(port: server.port, token: try sandbox.token("alice"))
        defer { feed.close() }
        _ = try feed.readUntilSync()

        let agent = try sandbox.client(server, as: "agent-1")
        let request = Fixtures.request(context: Self.secrets.map { ContextEntry(key: $0.field, value: $0.text) })
        let sent = Fixtures.json(request)
        for s in Self.secrets {
            XCTAssertNotNil(sent.firstRange(of: Array(s.secret.utf8)), "the request itself carries \(s.field)")
        }
        let response = try agent.send("POST", "/v1/actions", body: sent)
        XCTAssertEqual(response.status, 201)
        let action = try response.action()
        XCTAssertEqual(action.redactions, Self.secrets.count, "one redaction per secret")
        XCTAssertEqual(action.context.map(\.key), Self.secrets.map(\.field))
        for (entry, s) in zip(action.context, Self.secrets) {
            XCTAssertTrue(entry.value.contains("…[masked]"), "\(s.field) is visibly masked: \(entry.value)")
        }
        XCTAssertEqual(action.context.first?.value, "aws configure set aws_access_key_id AKIA…[masked]", "the kind of secret stays recognisable")

        // A decision's reason is masked too.
        let leak = "ghp_R4t8Y2u6I0o3P7a1S5d9F2g6H0j4K8l1Z5x9"
        let decided = try sandbox.client(server, as: "alice").decide(action, .approve, reason: "ok, token was \(leak)")
        XCTAssertEqual(decided.status, 200)
        let read = try agent.get("/v1/actions/\(action.id)")
        let (event, _) = try feed.waitForAction { $0.id == action.id && $0.status == .approved }
        XCTAssertEqual(event.action.decisions.first?.reason, "ok, token was ghp_…[masked]")
        let audit = try sandbox.client(server, as: "audrey").get("/v1/audit?after=0")
        XCTAssertEqual(audit.status, 200)
        try server.stop()

        let places: [(String, [UInt8])] = [
            ("the submit response", response.body), ("the decision response", decided.body), ("a later read", read.body),
            ("the feed", feed.transcript), ("the audit log", audit.body),
            ("the server's stderr", Array(sandbox.allServerLogs.utf8)), ("the ledger", try sandbox.ledgerTables.storedBytes()),
        ]
        for (place, bytes) in places {
            XCTAssertNotNil(bytes.firstRange(of: Array(action.id.utf8)), "\(place) was captured: it holds the action")
            for secret in Self.secrets.map(\.secret) + [String(leak.dropFirst(4))] {
                XCTAssertNil(bytes.firstRange(of: Array(secret.utf8)), "\(secret.prefix(12))… leaked into \(place)")
            }
        }
        // Tokens are never logged either.
        let log = sandbox.allServerLogs
        for principal in ["agent-1", "alice", "audrey"] {
            XCTAssertFalse(log.contains(try sandbox.token(principal)), "\(principal)'s token is in the log")
        }
        XCTAssertTrue(log.contains("/v1/actions"), "the log was written (it has the request lines)")
    }

    /// What the approver sees is what runs: a "secret" glued to a command substitution stays
    /// visible, and a context pair whose key names a secret has its value masked (issue #12).
    func testMaskingShowsCodeAndMasksSecretContextPairs() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quietConfig)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let command = "sh -c 'true --password=x$(touch${IFS}/tmp/p)'; PGPASSWORD=Tr0ub4dor-3 psql"
        let request = Fixtures.request(
            context: [
                ContextEntry(key: "password", value: "Hunter2"), ContextEntry(key: "DB-Token", value: "s3cr3t-t0k"),
                ContextEntry(key: "password_policy", value: "strict"),
            ],
            command: command)
        let response = try agent.send("POST", "/v1/actions", body: Fixtures.json(request))
        XCTAssertEqual(response.status, 201)
        let action = try response.action()
        XCTAssertEqual(action.command, "sh -c 'true --password=x$(touch${IFS}/tmp/p)'; PGPASSWORD=…[masked] psql")
        XCTAssertEqual(
            action.context,
            [
                ContextEntry(key: "password", value: "…[masked]"), ContextEntry(key: "DB-Token", value: "…[masked]"),
                ContextEntry(key: "password_policy", value: "strict"),
            ])
        XCTAssertEqual(action.redactions, 3)
        try server.stop()
        for (place, bytes) in [("the response", response.body), ("the ledger", try sandbox.ledgerTables.storedBytes())] {
            for secret in ["Hunter2", "s3cr3t-t0k", "Tr0ub4dor-3"] {
                XCTAssertNil(bytes.firstRange(of: Array(secret.utf8)), "\(secret) leaked into \(place)")
            }
        }
    }

}
