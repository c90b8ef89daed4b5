import XCTest

@testable import TollgateCore

/// Masking never hides code: over generated commands mixing secrets with shell syntax, the masked
/// text (each mask read as one placeholder word character) has the same shell structure as the
/// original, differs from it only in token characters, and masks nothing more when masked again.
final class SecretMaskerPropertyTests: XCTestCase {
    /// Where a secret's value goes: `VAL` is replaced by a generated value.
    static let forms = [
        "--password=VAL", "password=VAL", "PGPASSWORD=VAL", "api_key=VAL", "{\"db_password\": \"VAL\"}",
        "Authorization: Bearer VAL", "postgres://app:VAL@db.internal/prod", "redis://:VAL@cache:6379", "--token VAL",
        "mysql -u root -pVAL shop", "curl -u bob:VAL https://x", "export DB_PASSWORD='VAL'", "SECRET_KEY=\"VAL\"",
        "-----BEGIN PRIVATE KEY-----\nVAL\n-----END PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----\nVAL",
        "-----BEGIN PRIVATE KEY----- VAL", "\"-----BEGIN PRIVATE KEY-----\\nVAL\\n-----END PRIVATE KEY-----\"",
        "ghp_VAL", "AKIAVAL", "eyJhbGciOiJIUzI1NiJ9.VAL.sig0", "X-API-Key: VAL", "redis-cli -a VAL ping",
        "secret: VAL", "ticket ACME-VAL",
    ]

    /// Shell syntax a value may hold, or be glued to.
    static let syntax = [
        "$(", ")", "${IFS}", "`", ";", "|", "&&", ">", "<", "(", "'", "\"", "\\", "*", "?", "[", "]", "#", "!", "~",
        " ", "\n", "{", "}", ",", "$HOME", "\\n", "<(", "\t", "…", "é",
    ]

    static let commands = ["touch /tmp/p", "rm -rf /srv/data", "echo ok", "sh -c 'reboot'", "cat /etc/shadow"]

    /// A deterministic value: token runs and shell syntax mixed.
    static func value(_ rng: inout SplitMix64) -> String {
        let token = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/=%:@")
        var value = ""
        for _ in 0..<(1 + Int(rng.next() % 5)) {
            if rng.next() % 2 == 0 {
                value += String((0..<(1 + Int(rng.next() % 24))).map { _ in token[Int(rng.next() % UInt64(token.count))] })
            } else {
                value += syntax[Int(rng.next() % UInt64(syntax.count))]
            }
        }
        return value
    }

    /// A deterministic command: secrets, commands and operators, sometimes inside `sh -c '…'` or `"…"`.
    static func command(_ rng: inout SplitMix64) -> String {
        var parts: [String] = []
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            switch rng.next() % 3 {
            case 0: parts.append(commands[Int(rng.next() % UInt64(commands.count))])
            default:
                let form = forms[Int(rng.next() % UInt64(forms.count))]
                parts.append(form.replacingOccurrences(of: "VAL", with: value(&rng)))
            }
            parts.append(["; ", " && ", " | ", "\n", " ", " > /dev/null; "][Int(rng.next() % 6)])
        }
        let script = parts.joined()
        switch rng.next() % 4 {
        case 0: return "sh -c '" + script + "'"
        case 1: return "sh -c \"" + script + "\""
        default: return script
        }
    }

    static let masker = try! SecretMasker(extraPatterns: [("acme", "ACME-[0-9A-Za-z$();|&` ]{4,}"), ("greedy", "secret: .*")])  // literal patterns

    /// The properties for one text; the first broken one, or nil.
    static func violation(_ text: String) -> String? {
        let (masked, count) = masker.mask(text)
        let placeholder = withPlaceholders(masked)
        if ShellWords.parse(placeholder) != ShellWords.parse(text) { return "shell structure changed: \(masked.debugDescription)" }
        if skeleton(placeholder) != skeleton(text) { return "a mask covered more than token characters: \(masked.debugDescription)" }
        let again = masker.mask(masked)
        if again.text != masked || again.count != 0 { return "masking again changed \(masked.debugDescription) to \(again.text.debugDescription)" }
        if count == 0, masked != text { return "text changed with no secret counted" }
        return nil
    }

    /// Each mark replaced by `X`, code unit by code unit (Foundation's search matches whole graphemes).
    static func withPlaceholders(_ text: String) -> String {
        let mark = Array(SecretMasker.Rule.mask.utf16), units = Array(text.utf16)
        var out: [UInt16] = []
        var i = 0
        while i < units.count {
            if units[i...].starts(with: mark) { out.append(UInt16(UInt8(ascii: "X"))); i += mark.count; continue }
            out.append(units[i])
            i += 1
        }
        return String(decoding: out, as: UTF16.self)
    }

    /// The characters a mask may cover, as protocol.md lists them: the test's own copy, so a
    /// change to the masker's cannot pass unseen.
    static let tokenCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/=%:@".utf16)

    /// The text without its token characters (the only ones a mask may cover).
    static func skeleton(_ text: String) -> [UInt16] {
        text.utf16.filter { !tokenCharacters.contains($0) }
    }

    func testMaskedCommandsKeepTheirShellStructure() {
        var rng = SplitMix64(seed: 0x5EC2_E7_0001)
        var masked = 0
        var failures = 0
        for index in 0..<12_000 {
            let text = Self.command(&rng)
            if let problem = Self.violation(text) {
                failures += 1
                if failures <= 5 { XCTFail("case \(index) \(text.debugDescription): \(problem)") }
            }
            if Self.masker.mask(text).count > 0 { masked += 1 }
        }
        XCTAssertEqual(failures, 0)
        XCTAssertGreaterThan(masked, 4_000, "the generated commands must carry maskable secrets, not only code")
    }

    /// The examples from issue #12, exactly.
    func testTheReviewsExamplesShowTheirCode() throws {
        let masker = try SecretMasker()
        let cases: [(String, String)] = [
            ("sh -c 'true --password=x$(touch${IFS}/tmp/p)'", "sh -c 'true --password=x$(touch${IFS}/tmp/p)'"),
            ("echo -----BEGIN PRIVATE KEY----- >/dev/null; rm -rf /srv/data", "echo -----BEGIN PRIVATE KEY----- >/dev/null; rm -rf /srv/data"),
            ("psql postgres://app:x$(touch${IFS}/tmp/p)@db/prod", "psql postgres://app:x$(touch${IFS}/tmp/p)@db/prod"),
            ("curl -H 'Authorization: Bearer x$(touch${IFS}/tmp/p)' https://api", "curl -H 'Authorization: Bearer x$(touch${IFS}/tmp/p)' https://api"),
            ("run api_key=abcd`touch /tmp/p`", "run api_key=abcd`touch /tmp/p`"),
            ("run api_key=abcd;touch /tmp/p", "run api_key=…[masked];touch /tmp/p"),
            ("sh -c 'true --password=hunter22; touch /tmp/p'", "sh -c 'true --password=…[masked]; touch /tmp/p'"),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAzK7pQ3vR8mN2xL5tY9wB4cF6\n-----END RSA PRIVATE KEY-----\nrm -rf /srv/data",
                "-----BEGIN RSA PRIVATE KEY-----\n…[masked]\n-----END RSA PRIVATE KEY-----\nrm -rf /srv/data"
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEAzK7pQ3vR8mN2xL5tY9wB4cF6\nrm -rf /srv/data\nMIIEowIBAAKCAQ",
                "-----BEGIN PRIVATE KEY-----\n…[masked]\nrm -rf /srv/data\nMIIEowIBAAKCAQ"
            ),
            ("postgres://app:pa/ss@w0rd@db:5432/prod", "postgres://app:…[masked]@db:5432/prod"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(masker.mask(text).text, expected, text)
            XCTAssertNil(Self.violation(text), text)
        }
    }

    /// A custom pattern is held to the same guard: it masks token runs, never the syntax between them.
    func testCustomPatternsMaskOnlyTokenRuns() throws {
        let masker = try SecretMasker(extraPatterns: [("greedy", "secret: .*"), ("acme", "ACME-[0-9A-Za-z$();|&` ]{4,}")])
        XCTAssertEqual(masker.mask("secret: abc def").text, "…[masked] …[masked] …[masked]")
        XCTAssertEqual(masker.mask("secret: abc; reboot").text, "secret: abc; reboot", "a match spanning a command separator stays visible")
        XCTAssertEqual(masker.mask("ticket ACME-12$(reboot)").text, "ticket ACME-12$(reboot)")
        XCTAssertEqual(masker.mask("ticket ACME-1234 ok").text, "ticket …[masked] …[masked]")
    }
}
