import XCTest

@testable import TollgateCore

/// The masker skips a rule's regex on text without the rule's required literals; that must
/// change nothing: the output and the count are the same as running every regex on every text.
final class SecretMaskerPrefilterTests: XCTestCase {
    // MARK: - Corpus

    /// Realistic secrets of every built-in rule, and near misses of each.
    static let secrets: [String] = [
        "export AWS_ACCESS_KEY_ID=AKIAJQ5XW7RT2PLM9ND3",
        "temporary key ASIAV3B7N2M5K8L1P4Q6 in use",
        "AGPA1234567890ABCDEF AIDAZZZZZZZZZZZZZZZZ AROA0000000000000000 AIPAQWERTYUIOPASDFGH",
        "ANPAABCDEFGHIJKLMNOP ANVAABCDEFGHIJKLMNOP ABIAABCDEFGHIJKLMNOP ACCAABCDEFGHIJKLMNOP",
        "AKIAshort AKIAJQ5XW7RT2PLM9ND3X akiajq5xw7rt2plm9nd3",
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCyQ9tR2mW4zK",
        "aws_secret_access_key = Zr8vKq2mWx5Tn1Lp9Hc3Yb7Gd4Fs6Je0Ua2Ro8Ix",
        "AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEJr//////////wEaDKj'",
        "push with ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
        "gho_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8 ghu_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8 ghs_x ghr_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
        "GH token github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789abcdefghijklmnopqrstuvwxyzABCDE",
        "CI uses glpat-Xy9Zq8Wv7Ut6Sr5Qp4On and gldt-Xy9Zq8Wv7Ut6Sr5Qp4On, glrt-Xy9Zq8Wv7Ut6Sr5Qp4On; glptt-Xy9Zq8Wv7Ut6Sr5Qp4On",
        "notify via xoxb-2481632641-1357911131-aBcDeFgHiJkLmNoPqRsTuVwX xoxp-1234567890 xoxa-1 xoxs-1234567890abc xoxr-0987654321x",
        "post to https://hooks.slack.com/services/T0ABCDEFG/B0HIJKLMN/q1W2e3R4t5Y6u7I8o9P0a1S2",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz\n-----END OPENSSH PRIVATE KEY-----",
        "key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oF1hTRbZ1sB9oAoGCCqGSM49\n-----END EC PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\nunterminated block running to the end",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: X\n\nlQOYBFabc123\n=ab12\n-----END PGP PRIVATE KEY BLOCK-----",
        "PGPASSWORD=Tr0ub4dor psql; MYSQL_PWD=abc12345 mysql -uroot -pS3cret shop; DB_PASSWORD='x9y8z7w6'",
        "{\"Authorization\": \"Bearer abc123def456\"} redis://:P4ss/w@rd@cache:6379 --password hunter22",
        "curl -u bob:pw12345 https://x; sshpass -p s3cr3t ssh h; redis-cli -a Pa55word ping; docker login -u u -p t0ken r",
        "aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG; machine h login u password p4ssw0rd",
        "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q sk_live_4eC39HqLyjWDarjtT1zdp7dc npm_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
        "x$(touch /tmp/p) password=x$(touch${IFS}/tmp/p) api_key=abcd`id` f(password=abcd1234)",
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
        "bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZXBsb3ktYm90Iiwicm9sZSI6ImFkbWluIn0.c2lnbmF0dXJlLXZhbHVlLWhlcmU",
        "eyJhb.eyJz.sig eyJhbGci.x.y",
        "mysqldump mysql://admin:S3cr3t-Passw0rd!@db.internal:3306/shop",
        "psql postgres://report:Tr0ub4dor-and-3@db.internal:5432/prod https://user@host/ ftp://a:b@c",
        "curl -H \"Authorization: Basic YWRtaW46c3VwZXJzZWNyZXQ=\" https://api.internal",
        "Proxy-Authorization: Bearer 0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "AUTHORIZATION=token abcdefgh authorization : digest zzzz authorization",
        "login --user ops password=hunter2-but-longer",
        "config: api_key: 'Zx9Qw8Er7Ty6Ui5Op4As' API-KEY=abcd apikey:xyzw1234",
        "client_secret=\"c5e8f1a2b3d4e6f7a8b9c0d1\"",
        "PASSWD=abc pwd: 12345678 secret=…[masked] access-token=abcdefgh auth_token='qwerty123'",
        "tollgate token tg_QmFzZTY0LXRva2VuLWJ5dGVzLWhlcmU",
        "tg_short and atg_QmFzZTY0LXRva2VuLWJ5dGVzLWhlcmU",
        "Export the customers table to the analytics bucket",
        "pg_dump -t customers prod | gzip > /tmp/customers.sql.gz",
    ]

    /// Text around a secret, including characters whose case folding meets ASCII letters.
    static let wrappers: [(String, String)] = [
        ("", ""), ("x", "x"), (" ", "\n"), ("=", ":"), ("\"", "'"), ("é ", " Ж"), ("🙂", "🙂"),
        ("…[masked] ", ""), ("\u{212A}", "\u{017F}"), ("ß", "İ"), ("ı", "\u{0301}"), ("\r\n", "\t"),
    ]

    /// Pieces that make up generated texts: every rule's literals, near misses, and Unicode
    /// that case-folds onto ASCII (Kelvin sign, long s, sharp s, dotted capital I).
    static let fragments: [String] = [
        "AKIA", "ASIA", "ABIA", "ghp_", "gho_", "github_pat_", "glpat-", "glptt-", "xoxb-", "xoxz-", "tg_", "eyJ",
        ".", "://", "@", ":", "=", "-----BEGIN ", "PRIVATE KEY-----", "-----END ", "RSA ", "authorization",
        "Authorization", "AUTHORIZATION", "proxy-", "password", "PassWord", "passwd", "pwd", "PWD", "secret",
        "Secret", "api_key", "API-KEY", "apikey", "access_token", "auth-token", "client_secret", "token", "bearer ",
        "Basic ", "https://hooks.slack.com/services/", "PGPASSWORD", "_PWD", "--password ", "curl -u a:", "mysql -p",
        "redis://:", "$(", "`", "(", "[", "sk-", "npm_", "AIza", "\\n", "PRIVATE KEY BLOCK-----", "https://", "postgres://", "user", "A", "Z", "0", "9", "_",
        "-", " ", "\n", "\"", "'", ";", "&", ",", "é", "ß", "\u{017F}", "\u{212A}", "İ", "…[masked]", "x",
        "pa\u{017F}\u{017F}word", "api_\u{212A}ey", "paßword", "SECRET", "Se\u{017F}ret",
    ]

    /// A deterministic mix of fragments and alphanumeric runs.
    static func generated(count: Int) -> [String] {
        var rng = SplitMix64(seed: 0x7011_6A7E)
        let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return (0..<count).map { _ in
            var text = ""
            for _ in 0..<Int(rng.next() % 12) {
                if rng.next() % 3 == 0 {
                    text += String((0..<Int(rng.next() % 40)).map { _ in alphanumerics[Int(rng.next() % UInt64(alphanumerics.count))] })
                } else {
                    text += fragments[Int(rng.next() % UInt64(fragments.count))]
                }
            }
            return text
        }
    }

    /// Every secret in every wrapper, in upper and lower case, with `s`/`k` swapped for their
    /// non-ASCII case-fold partners, cut at every length, and run into the next secret.
    static var corpus: [String] {
        var texts: [String] = []
        for (i, secret) in secrets.enumerated() {
            let variants = [
                secret, secret.uppercased(), secret.lowercased(),
                secret.replacingOccurrences(of: "s", with: "\u{017F}").replacingOccurrences(of: "k", with: "\u{212A}"),
                secret.replacingOccurrences(of: "ss", with: "ß"),
                secret + secrets[(i + 1) % secrets.count],
            ]
            for variant in variants {
                for (before, after) in wrappers { texts.append(before + variant + after) }
            }
            let scalars = Array(secret.unicodeScalars)
            for cut in 0..<scalars.count { texts.append(String(String.UnicodeScalarView(scalars[..<cut]))) }
        }
        return texts + generated(count: 3_000)
    }

    // MARK: - Tests

    func testSkippingRegexesChangesNoOutputOverTheCorpus() throws {
        let filtered = try SecretMasker(extraPatterns: [], prefilters: true)
        let unfiltered = try SecretMasker(extraPatterns: [], prefilters: false)
        let corpus = Self.corpus
        XCTAssertGreaterThan(corpus.count, 5_000)
        var masked = 0
        for text in corpus {
            let a = filtered.mask(text)
            let b = unfiltered.mask(text)
            XCTAssertEqual(a.text, b.text, "output differs for \(text.debugDescription)")
            XCTAssertEqual(a.count, b.count, "count differs for \(text.debugDescription)")
            if b.count > 0 { masked += 1 }
        }
        XCTAssertGreaterThan(masked, 1_000, "the corpus must exercise the rules, not only miss them")
    }

    func testSkippingRegexesChangesNoOutputForWholeSubmissions() throws {
        let filtered = try SecretMasker(extraPatterns: [("acme", "ACME-[0-9]{4}")], prefilters: true)
        let unfiltered = try SecretMasker(extraPatterns: [("acme", "ACME-[0-9]{4}")], prefilters: false)
        let texts = Self.secrets + Self.generated(count: 200) + ["ticket ACME-7731"]
        for (i, text) in texts.enumerated() {
            let next = texts[(i + 1) % texts.count]
            let request = ActionRequest(
                kind: text, summary: next, command: text, resource: next, environment: text, risk: .high,
                policy: Policy(id: next, reason: text), justification: next,
                context: [ContextEntry(key: text, value: next), ContextEntry(key: "k", value: text)],
                diffs: [ActionDiff(title: next, format: "unified", text: "-" + text + "\n+" + next)],
                requiredApprovals: 1, ttlSeconds: nil, onBehalfOf: text)
            let a = filtered.mask(request)
            let b = unfiltered.mask(request)
            XCTAssertEqual(a.0, b.0, "request \(i) masked differently")
            XCTAssertEqual(a.1, b.1, "request \(i) counted differently")
        }
    }

    func testPlainASCIITextSkipsEveryBuiltInRegex() throws {
        let plain = LiteralHaystack("Export the customers table to the analytics bucket; rows 48213, retention 30 days")
        for rule in SecretMasker.builtIn {
            let literals = try XCTUnwrap(rule.literals, "\(rule.name) has no required literals")
            XCTAssertFalse(literals.mayMatch(plain), "\(rule.name) would run on plain text")
        }
    }

    func testEachRuleRunsOnTextCarryingItsLiterals() throws {
        let samples: [String: String] = [
            "private-key": "-----BEGIN RSA PRIVATE KEY-----", "authorization-header": "AUTHORIZATION: x",
            "url-password": "https://a:b@c", "jwt": "eyJa.b", "aws-access-key": "ACCA", "github-token": "ghr_",
            "github-pat": "github_pat_", "gitlab-token": "glptt-", "slack-token": "xoxr-",
            "slack-webhook": "https://hooks.slack.com/services/", "tollgate-token": "tg_", "secret-assignment": "PassWord=",
            "vendor-api-key": "npm_", "cli-password": "curl", "secret-flag": "--TOKEN", "secret-element": "<Api_Key></",
        ]
        for rule in SecretMasker.builtIn {
            let sample = try XCTUnwrap(samples[rule.name], "no sample for \(rule.name)")
            XCTAssertTrue(try XCTUnwrap(rule.literals).mayMatch(LiteralHaystack(sample)), "\(rule.name) skipped \(sample)")
        }
        // Case-insensitive rules cannot rule anything out on non-ASCII text.
        XCTAssertTrue(try XCTUnwrap(SecretMasker.builtIn.last?.literals).mayMatch(LiteralHaystack("é")))
        XCTAssertEqual(SecretMasker.builtIn.last?.name, "secret-assignment")
    }
}
