import TollgateServer
import XCTest

/// `PostgresSettings.parse`: the URL, libpq's environment variables and password sources, and
/// the mistakes each gets one line for, without the password in it.
final class PostgresSettingsTests: XCTestCase {
    private func parse(
        _ url: String, passwordFile: String? = nil, environment: [String: String] = [:], files: [String: String] = [:]
    ) throws -> PostgresSettings {
        try PostgresSettings.parse(url: url, passwordFile: passwordFile, environment: environment) { path in
            guard let text = files[path] else { throw CocoaError(.fileReadNoSuchFile) }
            return text
        }
    }

    private func message(_ url: String, passwordFile: String? = nil, environment: [String: String] = [:], files: [String: String] = [:]) -> String {
        do {
            _ = try parse(url, passwordFile: passwordFile, environment: environment, files: files)
            return "parsed"
        } catch {
            return "\(error)"
        }
    }

    func testAFullURL() throws {
        let s = try parse("postgres://tollgate@db.internal:6432/approvals?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        XCTAssertEqual(s.host, "db.internal")
        XCTAssertEqual(s.port, 6432)
        XCTAssertEqual(s.user, "tollgate")
        XCTAssertEqual(s.database, "approvals")
        XCTAssertEqual(s.sslMode, .verifyFull)
        XCTAssertEqual(s.sslRootCert, "/etc/ca.pem")
        XCTAssertNil(s.password)
        XCTAssertEqual(s.description, "postgres://tollgate@db.internal:6432/approvals?sslmode=verify-full")
    }

    func testWhatTheURLLeavesOutComesFromTheEnvironmentThenLibpqDefaults() throws {
        let env = ["PGHOST": "pg.example", "PGPORT": "5433", "PGUSER": "svc", "PGDATABASE": "gate", "PGSSLMODE": "require"]
        let s = try parse("postgres://", environment: env)
        XCTAssertEqual([s.host, String(s.port), s.user, s.database, s.sslMode.rawValue], ["pg.example", "5433", "svc", "gate", "require"])
        let bare = try parse("postgresql:///", environment: ["USER": "ops"])
        XCTAssertEqual([bare.host, String(bare.port), bare.user, bare.database, bare.sslMode.rawValue], ["localhost", "5432", "ops", "ops", "prefer"])
        // The URL wins over the environment.
        XCTAssertEqual(try parse("postgres://a@h:1/d", environment: env).user, "a")
    }

    func testIPv6AndUnixSocketHosts() throws {
        let v6 = try parse("postgres://u@[::1]:5999/d")
        XCTAssertEqual(v6.host, "::1")
        XCTAssertEqual(v6.port, 5999)
        XCTAssertEqual(v6.description, "postgres://u@[::1]:5999/d")
        let socket = try parse("postgres://u@%2Fvar%2Frun%2Fpostgresql/d")
        XCTAssertEqual(socket.host, "/var/run/postgresql")
        let query = try parse("postgres://u@/d?host=/tmp/pg&port=6000")
        XCTAssertEqual(query.host, "/tmp/pg")
        XCTAssertEqual(query.port, 6000)
    }

    func testThePasswordSourcesInLibpqsOrder() throws {
        let pgpass = "# comment\nother:5432:*:u:nope\nh:5432:*:u:from\\:pgpass\n"
        let files = ["/run/pw": "from-file\nignored second line\n", "/home/u/.pgpass": pgpass]
        let env = ["PGPASSWORD": "from-env", "HOME": "/home/u"]
        XCTAssertEqual(try parse("postgres://u:from%40url@h/d", passwordFile: "/run/pw", environment: env, files: files).password, "from@url")
        XCTAssertEqual(try parse("postgres://u@h/d", passwordFile: "/run/pw", environment: env, files: files).password, "from-file")
        XCTAssertEqual(try parse("postgres://u@h/d", environment: env, files: files).password, "from-env")
        XCTAssertEqual(try parse("postgres://u@h/d", environment: ["HOME": "/home/u"], files: files).password, "from:pgpass")
        XCTAssertEqual(
            try parse("postgres://u@h/d", environment: ["PGPASSFILE": "/other"], files: ["/other": "*:*:*:*:star\n"]).password, "star")
        XCTAssertNil(try parse("postgres://x@h/d", environment: ["HOME": "/home/u"], files: files).password, "no entry for user x")
    }

    func testThePasswordNeverAppearsInTheDescriptionOrAnError() throws {
        let s = try parse("postgres://u:hunter2-secret@h/d")
        XCTAssertFalse(s.description.contains("hunter2"))
        XCTAssertFalse("\(s)".contains("hunter2"))
        let bad = message("mysql://u:hunter2-secret@h/d")
        XCTAssertTrue(bad.contains("expected postgres://"), bad)
        XCTAssertFalse(bad.contains("hunter2"), bad)
    }

    func testMistakesAreOneLineSayingWhat() {
        let cases: [(String, String)] = [
            ("postgres://u@h:99999/d", "port \"99999\""),
            ("postgres://u@h:abc/d", "port \"abc\""),
            ("postgres://u@h/d?sslmode=sometimes", "sslmode \"sometimes\""),
            ("postgres://u@h/d?pool=3", "unknown parameter \"pool\""),
            ("postgres://u@h/d%zz", "bad percent escape in the database"),
            ("postgres://u@[::1/d", "unclosed ["),
        ]
        for (url, expected) in cases {
            let text = message(url)
            XCTAssertTrue(text.contains(expected), "\(url): \(text)")
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertTrue(message("postgres://u@h/d", environment: ["PGSSLMODE": "on"]).contains("PGSSLMODE"))
        XCTAssertTrue(message("postgres://u@h/d", passwordFile: "/missing").contains("database password file /missing: cannot read it"))
        XCTAssertTrue(message("postgres://u@h/d", passwordFile: "/empty", files: ["/empty": "\n"]).contains("first line is empty"))
    }
}

/// The `[database]` examples of docs/configuration.md and docs/deploy.md read as they are written.
final class DatabaseConfigurationDocsTests: XCTestCase {
    private static let root = #filePath.components(separatedBy: "/Tests/")[0]

    /// The fenced TOML blocks of `page` that have a `[database]` table.
    private func databaseBlocks(_ page: String) throws -> [String] {
        let text = try String(contentsOfFile: Self.root + "/" + page, encoding: .utf8)
        return text.components(separatedBy: "```toml\n").dropFirst().compactMap { part in
            let block = part.components(separatedBy: "```")[0]
            return block.contains("[database]") ? block : nil
        }
    }

    func testTheDocumentedDatabaseTablesConfigureTheirDatabase() throws {
        for page in ["docs/configuration.md", "docs/deploy.md", "README.md"] {
            let blocks = try databaseBlocks(page)
            XCTAssertFalse(blocks.isEmpty, "\(page) shows a [database] table")
            for block in blocks {
                var configuration = ServerConfiguration(environment: [:])
                try configuration.apply(fileText: block, file: page)
                try configuration.resolveDatabase(environment: [:], source: page) { _ in "the-password\n" }
                let settings = try XCTUnwrap(configuration.postgres, page)
                XCTAssertEqual(settings.user, "tollgate", page)
                XCTAssertEqual(settings.database, "tollgate", page)
                XCTAssertEqual(settings.sslMode, .verifyFull, "\(page): the examples verify the server")
                XCTAssertEqual(settings.password, "the-password", "\(page): from password_file")
            }
        }
    }
}
