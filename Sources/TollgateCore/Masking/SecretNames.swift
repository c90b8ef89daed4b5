import Foundation

/// The names that say a value is a secret: `password`, `DB_PASSWORD`, `PGPASSWORD`, `api-key`,
/// `client_secret`, `GITHUB_TOKEN`, `SECRET_KEY`, `passphrase`, `credentials`…
///
/// One list serves both places that need it: the `secret-assignment` and `secret-flag` rules
/// (a name followed by `=`, `:` or a space in text) and context keys (`--context password=…`).
/// A name may end any identifier (`PGPASSWORD`, `db-password`, `spring.datasource.password`),
/// except the short `pwd` and `pass`, which must start one (`MYSQL_PWD`, `DB_PASS`, not `OLDPWD`,
/// `bypass`); `PWD` before a path is the working directory, not a password. A name must end its
/// identifier: `password_policy`, `tokenizer`, `secretary`, `max_tokens`, `api_key_id` are not secrets.
enum SecretNames {
    /// The regular expression (ICU, to use case-insensitively) for a secret's name.
    static let pattern =
        #"(?:pass(?:word|wd|phrase)|(?<![A-Za-z])pass|(?<![A-Za-z])pwd(?!["']?[ \t]*[:=][ \t]*["']?[/~])|secret|token|api[_\-]?key|(?:private|secret|signing|encryption|master|secret[_\-]?access)[_\-]?key|credentials?)(?![A-Za-z0-9_\-])"#

    /// Literals every name holds one of (ASCII-case-insensitively), for `RequiredLiterals`.
    static let literals = ["pass", "pwd", "secret", "token", "key", "credential"]

    /// Values that name a setting, a file or a variable rather than hold a secret
    /// (`password: false`, `credentials: include`, `password=./pw.txt`, `process.env.PW`).
    static let notSecretValues =
        #"(?:(?:true|false|yes|no|null|none|nil|on|off|undefined|required|optional|disabled|enabled|include|omit|same-origin)(?![A-Za-z0-9_\-.+/=%:@])|\.\.?/|process\.env\.|-----BEGIN)"#

    private static let keyRegex = try! NSRegularExpression(  // a literal pattern, covered by tests
        pattern: #"(?i)^[ \t]*[A-Za-z0-9_.\-]*(?:"# + pattern + #"|authorization)[ \t]*$"#)

    /// Whether a context key names a secret, so its whole value is masked.
    static func isSecretKey(_ key: String) -> Bool {
        let range = NSRange(location: 0, length: key.utf16.count)
        return keyRegex.firstMatch(in: key, options: [], range: range) != nil
    }
}
