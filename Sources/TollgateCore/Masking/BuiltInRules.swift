import Foundation

extension SecretMasker {
    /// The rules every server applies, in order: an earlier rule's mask wins where two overlap,
    /// so the ones that keep a recognisable prefix (`ghp_…[masked]`) come before the generic ones.
    ///
    /// Each names the capture group that is the secret (the rest of the match stays visible) and
    /// the literals a match cannot do without: every group must have one of its strings in the
    /// text. Case-insensitive rules (`(?i)`) say so, and are checked ASCII-case-insensitively on
    /// ASCII text only. The patterns are literals, so `try!` cannot fail at run time without
    /// failing every test first.
    static let builtIn: [Rule] = {
        // A secret's characters; MaskableRuns masks only these, whatever a pattern matched.
        let token = #"[A-Za-z0-9\-_.+/=%:@]"#
        let names = SecretNames.pattern
        let notSecret = SecretNames.notSecretValues
        let specs: [(name: String, pattern: String, secret: Rule.Secret, literals: RequiredLiterals)] = [
            (
                "private-key", #"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"#, .keyBody,
                RequiredLiterals([["-----BEGIN "], ["PRIVATE KEY"]])
            ),
            (
                "aws-access-key", #"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)([A-Z0-9]{16})\b"#, .capture,
                RequiredLiterals([["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA"]])
            ),
            (
                "github-token", #"\bgh[pousr]_([A-Za-z0-9]{30,255})\b"#, .capture,
                RequiredLiterals([["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]])
            ),
            ("github-pat", #"\bgithub_pat_([A-Za-z0-9_]{22,255})\b"#, .capture, RequiredLiterals([["github_pat_"]])),
            (
                "gitlab-token", #"\b(?:glpat-|gldt-|glrt-|glptt-)([A-Za-z0-9_\-]{20,})"#, .capture,
                RequiredLiterals([["glpat-", "gldt-", "glrt-", "glptt-"]])
            ),
            (
                "slack-token", #"\bxox[abposr]-([A-Za-z0-9\-]{10,})"#, .capture,
                RequiredLiterals([["xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"]])
            ),
            (
                "slack-webhook", #"https://hooks\.slack\.com/services/([A-Za-z0-9/_\-]+)"#, .capture,
                RequiredLiterals([["https://hooks.slack.com/services/"]])
            ),
            ("tollgate-token", #"\btg_([A-Za-z0-9_\-]{20,})"#, .capture, RequiredLiterals([["tg_"]])),
            (
                "vendor-api-key",
                #"\bAIza([0-9A-Za-z_\-]{35})(?![0-9A-Za-z_\-])|\b(?:sk|rk)_(?:live|test)_([0-9A-Za-z]{16,})|\bnpm_([A-Za-z0-9]{36})\b|\bsk-(?:proj-|ant-(?:api03-)?)?([A-Za-z0-9_\-]{20,})"#,
                .capture, RequiredLiterals([["AIza", "sk_live_", "sk_test_", "rk_live_", "rk_test_", "npm_", "sk-"]])
            ),
            (
                "jwt", #"\beyJ([A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,})"#, .capture,
                RequiredLiterals([["eyJ"], ["."]])
            ),
            // The password runs to the last `@` before a host, so it may hold `/` and `@` (but not
            // `?` or `#`: `u:p@host/?to=a@b` ends at the first `@`); a port before a path
            // (`host:8080/a@b`) is not a password.
            (
                "url-password",
                #"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'"]*:((?![0-9]{1,5}/)[^\s'"`$;|&<>(){}\\?#]+)@(?=[A-Za-z0-9\[][A-Za-z0-9._\-\[\]:%]*(?:[/?#\s'"`;|&<>(),\]}\\]|$))"#,
                .capture,
                RequiredLiterals([["://"], ["@"]])
            ),
            (
                "authorization-header",
                #"(?i)\b(?:proxy-)?authorization["']?[ \t]*[:=][ \t]*["']?(?:(?:bearer|basic|token|aws4-hmac-sha256|negotiate|ntlm)[ \t]+)?(?!(?:bearer|basic|token|aws4-hmac-sha256|negotiate|ntlm)(?:[ \t]|$))(?!"#
                    + notSecret + #")("# + token + #"{4,})"#, .capture,
                RequiredLiterals([["authorization"], [":", "="]], caseInsensitive: true)
            ),
            // Tools that take a password as a flag of their own, or after a user name. The gaps
            // are bounded, so a long text costs linear time, not quadratic. A match ends at the
            // tool's first password flag even when no value follows it (an empty group is no
            // candidate): otherwise masking that value would let a second pass find the next one.
            (
                "cli-password",
                [
                    #"\b(?:mysql|mysqldump|mysqladmin|mysqlsh|mariadb|mariadb-dump)\b[^\n;|&]{0,200}?[ \t]-p("# + token + #"*)"#,
                    #"\bsshpass[ \t]+-p[ \t]*("# + token + #"*)"#,
                    #"\bredis-cli\b[^\n;|&]{0,200}?[ \t](?:-a|--pass)[ \t]+("# + token + #"*)"#,
                    #"\b(?:docker|podman|nerdctl|helm[ \t]+registry)[ \t]+login\b[^\n;|&]{0,200}?[ \t]-p[ \t]*("# + token + #"*)"#,
                    #"\bcurl\b[^\n;|&]{0,200}?[ \t](?:-u|-U|--user|--proxy-user)[ \t]*["']?[^\s:"'@]*:("# + token + #"*)"#,
                    #"\baws[ \t]+configure[ \t]+set[ \t]+(?:aws_secret_access_key|aws_session_token)[ \t]+("# + token + #"*)"#,
                    #"\b(?:login|user)\s{1,20}\S{1,200}\s{1,20}password[ \t]+("# + token + #"*)"#,  // .netrc
                    // Samba's `-U user%password` (a domain may come first: `CORP\\user%pw`).
                    #"\b(?:smbclient|rpcclient|smbcacls|smbget|smbmap)\b[^\n;|&]{0,200}?[ \t](?:-U|--user(?:=|[ \t]+))[ \t]*["']?[^\s%"']{1,200}%("# + token
                        + #"*)"#,
                    // `htpasswd -b FILE USER PASSWORD`, and `-n` (no file): `htpasswd -nb USER PASSWORD`.
                    #"\bhtpasswd[ \t]+-(?=[A-Za-z]*b)(?![A-Za-z]*n)[A-Za-z]+(?:[ \t]+-[A-Za-z]+)*[ \t]+[^\s\-]\S{0,200}[ \t]+[^\s\-]\S{0,200}[ \t]+("# + token
                        + #"*)"#,
                    #"\bhtpasswd[ \t]+-(?=[A-Za-z]*b)(?=[A-Za-z]*n)[A-Za-z]+(?:[ \t]+-[A-Za-z]+)*[ \t]+[^\s\-]\S{0,200}[ \t]+("# + token + #"*)"#,
                    // `gh secret set NAME --body VALUE`: the value of a repository secret.
                    #"\bgh[ \t]+secret[ \t]+set\b[^\n;|&]{0,200}?[ \t](?:-b[ \t]*|--body(?:=|[ \t]+))["']?("# + token + #"*)"#,
                ].joined(separator: "|"), .capture,
                RequiredLiterals([
                    ["mysql", "mariadb", "sshpass", "redis-cli", "login", "curl", "configure", "password", "smb", "rpcclient", "htpasswd", "secret"]
                ])
            ),
            // `--password VALUE`: a flag named for a secret, then its value after a space
            // (never a flag, never `id=…,src=…` as in `docker build --secret`).
            (
                "secret-flag",
                #"(?i)(?<![A-Za-z0-9_\-])--?(?!-|no-)[A-Za-z0-9_\-]*?"# + names + #"[ \t]+["']?(?!-)(?![a-z]+=)(?!"# + notSecret + #")("# + token + #"+)"#,
                .capture,
                RequiredLiterals([SecretNames.literals, ["-"]], caseInsensitive: true)
            ),
            // `<password>VALUE</password>`: XML configuration (Maven's settings.xml, Tomcat, .NET).
            (
                "secret-element",
                #"(?i)<[A-Za-z0-9_.\-:]*?"# + names + #">[ \t]*(?!"# + notSecret + #")("# + token + #"{4,})[ \t]*</"#, .capture,
                RequiredLiterals([SecretNames.literals, ["</"]], caseInsensitive: true)
            ),
            (
                "secret-assignment",
                #"(?i)"# + names + #"["']?[ \t]*(?::=|=>|[:=])[ \t]*["']?(?!"# + notSecret + #")("# + token + #"{4,})"#, .capture,
                RequiredLiterals([SecretNames.literals, [":", "="]], caseInsensitive: true)
            ),
        ]
        return specs.map { spec in
            try! Rule(name: spec.name, pattern: spec.pattern, secret: spec.secret, literals: spec.literals)  // literal patterns, covered by tests
        }
    }()
}
