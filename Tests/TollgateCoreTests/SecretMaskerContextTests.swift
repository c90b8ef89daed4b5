import XCTest

@testable import TollgateCore

/// A context entry whose key names a secret (`--context password=Hunter2`) has its value masked,
/// however the key is spelled; other keys' values are masked by the rules as any text is.
final class SecretMaskerContextTests: XCTestCase {
    static let secretKeys = [
        "password", "PASSWORD", "Password", "passwd", "pwd", "PWD", "pass", "passphrase", "secret", "token", "api_key",
        "api-key", "apikey", "API_KEY", "apiKey", "client_secret", "client-secret", "clientSecret", "private_key",
        "private-key", "privateKey", "authorization", "Authorization", "credentials", "credential", "db_password",
        "DB-PASSWORD", "PGPASSWORD", "mysql_pwd", "smtp_pass", "github_token", "GITHUB-TOKEN", "accessToken",
        "aws_secret_access_key", "SECRET_KEY", "signing_key", "webhook_secret", " password ", "x-api-key",
    ]
    static let plainKeys = [
        "host", "user", "password_policy", "password-file", "tokenizer", "secretary", "max_tokens", "api_key_id",
        "token_type", "oldpwd", "bypass", "compass", "passes", "key", "primary_key", "secret_name", "author", "",
    ]

    func testSecretKeysMaskTheirValues() throws {
        let masker = try SecretMasker()
        for key in Self.secretKeys {
            let (request, count) = masker.mask(Fixture.request(context: [ContextEntry(key: key, value: "Hunter2")]))
            XCTAssertEqual(request.context, [ContextEntry(key: key, value: "…[masked]")], key.debugDescription)
            XCTAssertEqual(count, 1, key.debugDescription)
        }
    }

    func testOtherKeysKeepPlainValues() throws {
        let masker = try SecretMasker()
        for key in Self.plainKeys {
            let (request, count) = masker.mask(Fixture.request(context: [ContextEntry(key: key, value: "Hunter2")]))
            XCTAssertEqual(request.context, [ContextEntry(key: key, value: "Hunter2")], key.debugDescription)
            XCTAssertEqual(count, 0, key.debugDescription)
        }
    }

    /// A value is data, not a command, so all of it that could be a secret is masked, code or
    /// not; still only token characters, the one guarantee every mask keeps.
    func testASecretValueKeepsOnlyItsNonTokenCharacters() throws {
        let masker = try SecretMasker()
        let cases: [(String, String)] = [
            ("pa$$w0rd", "…[masked]$$…[masked]"), ("two words", "…[masked] …[masked]"), ("Hunter2!", "…[masked]!"),
            ("", ""), ("…[masked]", "…[masked]"), ("x$(id)", "…[masked]$(…[masked])"), ("é", "é"),
        ]
        for (value, expected) in cases {
            let (request, count) = masker.mask(Fixture.request(context: [ContextEntry(key: "password", value: value)]))
            XCTAssertEqual(request.context.first?.value, expected, value)
            XCTAssertEqual(count, expected == value ? 0 : 1, value)
        }
    }

    private enum Fixture {
        static func request(context: [ContextEntry]) -> ActionRequest {
            ActionRequest(
                kind: "shell", summary: "s", command: "true", resource: nil, environment: nil, risk: .low, policy: nil,
                justification: nil, context: context, diffs: [], requiredApprovals: 1, ttlSeconds: nil, onBehalfOf: nil)
        }
    }
}
