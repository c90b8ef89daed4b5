import Foundation
import TollgateClient
import XCTest

/// `[[servers]]` in config.toml and how `--context`, `--server`, tokens and TLS flags pick
/// from it; every mistake one line naming the file, the table and the key.
final class FleetConfigurationTests: XCTestCase {
    private let files = ConfigFolder()
    private var folder: String { files.path }
    private var environment: [String: String] { files.environment }
    private var config: String { folder + "/xdg/tollgate/config.toml" }

    override func setUpWithError() throws { try files.create(for: self) }

    /// Two servers, their tokens beside the config file and in HOME.
    private func writeTwoServers(extra: String = "") throws {
        try files.write("xdg/tollgate/prod.token", "prod-token\n")
        try files.write("home/staging.token", "staging-token\n")
        try files.write(
            "xdg/tollgate/config.toml",
            """
            [[servers]]
            name = "prod"
            url = "https://tollgate.prod.example.com"
            token_file = "prod.token"

            [[servers]]
            name = "Staging"
            url = "https://tollgate.staging.example.com:8443/gate"
            token_file = "~/staging.token"
            ca_file = "internal-ca.pem"
            client_cert = "/etc/me.pem"
            client_key = "~/me.key"
            \(extra)
            """)
    }

    private func fleet(
        _ contexts: [String]? = nil, server: String? = nil, tokenFile: String? = nil, env extra: [String: String] = [:],
        tls: TLSOptions = TLSOptions()
    ) throws(ConfigurationError) -> [ServerContext] {
        try ClientConfiguration.resolveFleet(
            contexts: contexts, server: server, tokenFile: tokenFile, environment: environment.merging(extra) { $1 }, tls: tls)
    }

    private func one(
        _ context: String? = nil, server: String? = nil, tokenFile: String? = nil, env extra: [String: String] = [:],
        tls: TLSOptions = TLSOptions()
    ) throws(ConfigurationError) -> ServerContext {
        try ClientConfiguration.resolve(
            context: context, server: server, tokenFile: tokenFile, environment: environment.merging(extra) { $1 }, tls: tls)
    }

    /// The error message of `call`, or what it resolved to.
    private func failure<T>(_ call: () throws(ConfigurationError) -> T) -> String {
        do {
            return "resolved \(try call())"
        } catch {
            return error.message
        }
    }

    /// The error of reading a config file of `toml`.
    private func loadFailure(_ toml: String) -> String {
        try? toml.write(toFile: config, atomically: false, encoding: .utf8)
        return failure { () throws(ConfigurationError) in try ClientConfiguration.current(environment: environment) }
    }

    /// `[[servers]]` tables around `table`'s keys, with owner-only token files for each.
    private func serversFile(_ tables: [String]) throws -> String {
        for index in tables.indices { try files.write("xdg/tollgate/t\(index + 1).token", "token-\(index + 1)") }
        return tables.map { "[[servers]]\n" + $0 }.joined(separator: "\n\n")
    }

    // MARK: - Reading [[servers]]

    func testEveryServerWithItsOwnTokenAndFiles() throws {
        try writeTwoServers()
        let servers = try fleet()
        XCTAssertEqual(servers.map(\.name), ["prod", "Staging"], "in the file's order, names as written")
        XCTAssertEqual(
            servers.map(\.endpoint),
            [
                ServerEndpoint(baseURL: "https://tollgate.prod.example.com", token: "prod-token"),
                ServerEndpoint(
                    baseURL: "https://tollgate.staging.example.com:8443/gate", token: "staging-token",
                    tls: TLSOptions(caFile: folder + "/xdg/tollgate/internal-ca.pem", clientCert: "/etc/me.pem", clientKey: folder + "/home/me.key")),
            ])
        let file = try ClientConfiguration.current(environment: environment)
        XCTAssertEqual(file.servers.map(\.tokenFile), [folder + "/xdg/tollgate/prod.token", folder + "/home/staging.token"])
        XCTAssertNil(file.server)
    }

    func testContextsPickSomeInTheOrderAsked() throws {
        try writeTwoServers()
        XCTAssertEqual(try fleet(ServerContext.names(in: "staging, PROD ")).map(\.name), ["Staging", "prod"], "trimmed, any case")
        XCTAssertEqual(try fleet(["prod"]).map(\.endpoint.token), ["prod-token"])
        XCTAssertEqual(ServerContext.names(in: "a,,b"), ["a", "", "b"])
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try fleet(ServerContext.names(in: "prod,,staging")) },
            "--context: an empty name; the servers of \(config) are prod, Staging")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try fleet(ServerContext.names(in: "prod,")) },
            "--context: an empty name; the servers of \(config) are prod, Staging")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try fleet([]) }, "--context: no name; the servers of \(config) are prod, Staging")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try fleet(["prod", "staging", "PROD"]) }, "--context: prod is named twice")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try fleet(["qa"]) },
            "--context: no server is named \"qa\" in \(config); its servers are prod, Staging")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try fleet(["all"]) },
            "--context: no server is named \"all\" in \(config); its servers are prod, Staging", "`all` is the console's word, not a name")
        // What the terminal is sent of a hostile name: no escape, no bidi override.
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try fleet(["\u{1B}[31mprod\u{202E}"]) },
            "--context: no server is named \"[31mprod\" in \(config); its servers are prod, Staging")
    }

    func testContextAndServerContradict() throws {
        try writeTwoServers()
        let expected = "--context and --server contradict each other: pass one (--context names a [[servers]] table of \(config))"
        XCTAssertEqual(failure { () throws(ConfigurationError) in try fleet(["prod"], server: "https://tollgate.prod.example.com") }, expected)
        XCTAssertEqual(failure { () throws(ConfigurationError) in try one("prod", server: "https://other.example") }, expected)
        // The flag beats the environment, as everywhere.
        XCTAssertEqual(try one("staging", env: ["TOLLGATE_SERVER": "https://other.example"]).name, "Staging")
    }

    func testATokenFlagNeverGoesToAFleetServer() throws {
        try writeTwoServers()
        let mine = try files.write("mine.token", "mine")
        let expected = "--token-file goes with --server only: each [[servers]] table of \(config) has its own token_file"
        XCTAssertEqual(failure { () throws(ConfigurationError) in try fleet(["prod", "staging"], tokenFile: mine) }, expected)
        XCTAssertEqual(failure { () throws(ConfigurationError) in try fleet(tokenFile: mine) }, expected, "every server of the file")
        XCTAssertEqual(failure { () throws(ConfigurationError) in try one("prod", tokenFile: mine) }, expected)
        // The environment's tokens are for the server the environment or --server names.
        let env = ["TOLLGATE_TOKEN": "from-env", "TOLLGATE_TOKEN_FILE": mine]
        XCTAssertEqual(try fleet(env: env).map(\.endpoint.token), ["prod-token", "staging-token"])
        XCTAssertEqual(try one("prod", env: env).endpoint.token, "prod-token")
        XCTAssertEqual(try one(server: "https://x.example", env: ["TOLLGATE_TOKEN": "from-env"]).endpoint.token, "from-env")
        XCTAssertEqual(try one(server: "https://x.example", tokenFile: mine).endpoint.token, "mine")
    }

    func testTLSFlagsOverrideEachServersOwn() throws {
        try writeTwoServers()
        let flags = TLSOptions(caFile: "/flag/ca.pem", insecure: true)
        XCTAssertEqual(
            try fleet(tls: flags).map(\.endpoint.tls),
            [
                TLSOptions(caFile: "/flag/ca.pem", insecure: true),
                TLSOptions(caFile: "/flag/ca.pem", clientCert: "/etc/me.pem", clientKey: folder + "/home/me.key", insecure: true),
            ])
    }

    // MARK: - One server for a one-shot command

    func testOneShotCommandsTakeTheContextOrTheOnlyServer() throws {
        try writeTwoServers()
        XCTAssertEqual(try one("staging").endpoint.baseURL, "https://tollgate.staging.example.com:8443/gate")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try one() },
            "\(config) names 2 servers (prod, Staging): pass --context NAME to choose one")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try one("prod,staging") },
            "--context: this command talks to one server, and 2 names were given")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try ClientConfiguration.resolve(server: nil, tokenFile: nil, environment: environment, tls: TLSOptions())
            },
            "\(config) names 2 servers (prod, Staging): pass --context NAME to choose one", "the old entry point follows the same rules")

        try files.write("only.token", "only-token")
        try files.write("xdg/tollgate/config.toml", "[[servers]]\nname = \"solo\"\nurl = \"http://127.0.0.1:8470\"\ntoken_file = \"../../only.token\"\n")
        XCTAssertEqual(
            try one(), ServerContext(name: "solo", endpoint: ServerEndpoint(baseURL: "http://127.0.0.1:8470", token: "only-token")))
        XCTAssertEqual(try ClientConfiguration.resolve(server: nil, tokenFile: nil, environment: environment, tls: TLSOptions()).token, "only-token")
    }

    /// `--server` with a URL of the fleet is that server: its name, its files, and its URL as
    /// the file spells it (the history cache keys actions by it).
    func testServerFlagNamingAFleetURLUsesThatServer() throws {
        try writeTwoServers()
        for spelling in ["HTTPS://TOLLGATE.Staging.example.com:8443/gate/", "https://tollgate.staging.example.com:08443/gate"] {
            let chosen = try one(server: spelling)
            XCTAssertEqual(chosen.name, "Staging", spelling)
            XCTAssertEqual(chosen.endpoint.baseURL, "https://tollgate.staging.example.com:8443/gate", spelling)
            XCTAssertEqual(chosen.endpoint.token, "staging-token", spelling)
            XCTAssertEqual(chosen.endpoint.tls.caFile, folder + "/xdg/tollgate/internal-ca.pem", spelling)
        }
        XCTAssertEqual(try fleet(server: "https://tollgate.prod.example.com:443").map(\.name), ["prod"])
        XCTAssertEqual(try fleet(env: ["TOLLGATE_SERVER": "https://tollgate.prod.example.com/"]).map(\.name), ["prod"])

        let elsewhere = try one(server: "http://127.0.0.1:9999/x", env: ["TOLLGATE_TOKEN": "t"])
        XCTAssertEqual(elsewhere.name, "127.0.0.1:9999", "a server the file does not name is called by its host and port")
        XCTAssertEqual(elsewhere.endpoint, ServerEndpoint(baseURL: "http://127.0.0.1:9999/x", token: "t"))
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try one(server: "https://x.example") },
            "no token: pass --token-file, set TOLLGATE_TOKEN_FILE or TOLLGATE_TOKEN, or set token_file in \(config)",
            "a fleet server's token never goes to another URL")
    }

    func testServersAreNamedByTheFileElseByHostAndPort() throws {
        try writeTwoServers()
        let file = try ClientConfiguration.current(environment: environment)
        XCTAssertEqual(file.serverName(url: "https://TOLLGATE.prod.example.com:443/"), "prod")
        XCTAssertEqual(file.serverName(url: "https://tollgate.staging.example.com:8443/gate"), "Staging")
        XCTAssertEqual(file.serverName(url: "https://tollgate.staging.example.com:8443/other"), "tollgate.staging.example.com:8443")
        XCTAssertEqual(file.serverName(url: "http://Example.COM:80/x"), "example.com")
        XCTAssertEqual(file.serverName(url: "https://user:pw@[::1]:9443"), "[::1]:9443")
        XCTAssertEqual(file.serverName(url: "https://[::1]"), "[::1]")
        XCTAssertEqual(file.server(named: "STAGING")?.url, "https://tollgate.staging.example.com:8443/gate")
        XCTAssertNil(file.server(named: "qa"))
    }

    // MARK: - Refused files

    func testHostileNamesAreRefused() throws {
        let names = [
            "", "prod east", "prod\u{1B}[2J", "prod\u{202E}dorp", "pr\u{0}od", "prod\nstaging", "prod,staging", "-prod", ".prod", "_prod",
            "prød", "ｐｒｏｄ", String(repeating: "a", count: 33), "prod/staging", "prod:1",
        ]
        for name in names {
            let toml = try serversFile([
                "name = \"\(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : String(format: "\\u%04X", $0.value) }.joined())\"\nurl = \"https://a\"\ntoken_file = \"t1.token\""
            ])
            let message = loadFailure(toml)
            XCTAssertEqual(
                message, "\(config):2: servers[1].name: expected 1 to 32 of A-Z a-z 0-9 . _ -, starting with a letter or digit",
                name.debugDescription)
        }
        for name in ["all", "ALL", "All"] {
            XCTAssertEqual(
                loadFailure(try serversFile(["name = \"\(name)\"\nurl = \"https://a\"\ntoken_file = \"t1.token\""])),
                "\(config):2: servers[1].name: \"all\" is reserved: it means every server")
        }
        // The longest, and every character allowed.
        let longest = String(repeating: "a", count: 31) + "9"
        let accepted = try serversFile([
            "name = \"\(longest)\"\nurl = \"https://a\"\ntoken_file = \"t1.token\"",
            "name = \"0prod.EU_west-1\"\nurl = \"https://b\"\ntoken_file = \"t2.token\"",
        ])
        try accepted.write(toFile: config, atomically: false, encoding: .utf8)
        XCTAssertEqual(try fleet().map(\.name), [longest, "0prod.EU_west-1"])
    }

    func testNamesDifferingOnlyInCaseAreOneName() throws {
        let toml = try serversFile([
            "name = \"prod\"\nurl = \"https://a\"\ntoken_file = \"t1.token\"",
            "name = \"qa\"\nurl = \"https://b\"\ntoken_file = \"t2.token\"",
            "name = \"PROD\"\nurl = \"https://c\"\ntoken_file = \"t3.token\"",
        ])
        XCTAssertEqual(loadFailure(toml), "\(config):12: servers[3].name: servers[1] (prod) has this name already (names are compared ignoring case)")
    }

    /// The history cache and the outbox key actions by URL: one server under two names would mix them.
    func testOneServerUnderTwoSpellingsIsRefused() throws {
        let pairs = [
            ("https://tollgate.example", "HTTPS://Tollgate.EXAMPLE/"),
            ("https://tollgate.example", "https://tollgate.example:443"),
            ("http://tollgate.example:80", "http://tollgate.example"),
            ("https://tollgate.example:8443/gate", "https://tollgate.example:08443/gate//"),
            ("https://tollgate.example", "https://someone@tollgate.example"),
            ("http://[::1]:8470", "http://[::1]:8470/"),
        ]
        for (first, second) in pairs {
            let toml = try serversFile([
                "name = \"a\"\nurl = \"\(first)\"\ntoken_file = \"t1.token\"", "name = \"b\"\nurl = \"\(second)\"\ntoken_file = \"t2.token\"",
            ])
            XCTAssertEqual(loadFailure(toml), "\(config):8: servers[2].url: servers[1] (a) is this server already", "\(first) \(second)")
        }
        // Another scheme, port, host or path prefix is another server.
        let distinct = ["https://t.example", "http://t.example", "https://t.example:8443", "https://u.example", "https://t.example/gate", "http://[::1]:8470"]
        let toml = try serversFile(
            distinct.enumerated().map { "name = \"s\($0)\"\nurl = \"\($1)\"\ntoken_file = \"t\($0 + 1).token\"" })
        try toml.write(toFile: config, atomically: false, encoding: .utf8)
        XCTAssertEqual(try fleet().map(\.endpoint.baseURL), distinct)
    }

    func testOneTokenForTwoServersIsRefused() throws {
        let toml = try serversFile([
            "name = \"a\"\nurl = \"https://a\"\ntoken_file = \"t1.token\"", "name = \"b\"\nurl = \"https://b\"\ntoken_file = \"t2.token\"",
            "name = \"c\"\nurl = \"https://c\"\ntoken_file = \"t1.token\"",
        ])
        XCTAssertEqual(
            loadFailure(toml), "\(config):14: servers[3].token_file: servers[1] (a) uses this file already: each server needs its own token")
        // Another path to the same file, or a copy of the token: found once the tokens are read.
        for path in ["./../tollgate/t1.token", "copy.token"] {
            try files.write("xdg/tollgate/copy.token", "token-1\n")
            let toml = try serversFile([
                "name = \"a\"\nurl = \"https://a\"\ntoken_file = \"t1.token\"", "name = \"b\"\nurl = \"https://b\"\ntoken_file = \"t2.token\"",
                "name = \"c\"\nurl = \"https://c\"\ntoken_file = \"\(path)\"",
            ])
            try toml.write(toFile: config, atomically: false, encoding: .utf8)
            XCTAssertEqual(
                failure { () throws(ConfigurationError) in try fleet() },
                "servers a and c of \(config) have the same token: each server needs its own", path)
            XCTAssertEqual(try fleet(["b", "c"]).map(\.name), ["b", "c"], "only the servers followed are compared")
        }
    }

    func testATokenFileOthersCanReadIsRefusedNamingTheServer() throws {
        try writeTwoServers()
        let path = folder + "/home/staging.token"
        chmod(path, 0o640)
        let expected =
            "server Staging: token file \(path) is open to its group or others (mode 0640); it must be 0600 or stricter: run: chmod 600 \(path)"
        XCTAssertEqual(failure { () throws(ConfigurationError) in try fleet() }, expected, "the whole fleet stops: it is a mistake to fix")
        XCTAssertEqual(failure { () throws(ConfigurationError) in try one("staging") }, expected)
        XCTAssertEqual(try one("prod").endpoint.token, "prod-token", "the other server is not read")
        try FileManager.default.removeItem(atPath: path)
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try one("staging") },
            "server Staging: cannot open token file \(path): No such file or directory")
    }

    func testSeventeenTablesAreTooMany() throws {
        let sixteen = (1...16).map { "name = \"s\($0)\"\nurl = \"https://s\($0).example\"\ntoken_file = \"t\($0).token\"" }
        try (try serversFile(sixteen)).write(toFile: config, atomically: false, encoding: .utf8)
        XCTAssertEqual(try fleet().count, 16)
        let seventeen = sixteen + ["name = \"s17\"\nurl = \"https://s17.example\"\ntoken_file = \"t17.token\""]
        XCTAssertEqual(loadFailure(try serversFile(seventeen)), "\(config):1: servers: more than 16 [[servers]] tables")
    }

    func testUnknownMissingAndWrongKeysAreNamed() throws {
        let cases: [(String, String)] = [
            ("name = \"a\"\nurl = \"https://a\"\ntoken_file = \"t1.token\"\ntokenfile = \"x\"", "\(config):5: servers[1].tokenfile: unknown key"),
            ("name = \"a\"\nurl = \"https://a\"\ntoken_file = \"t1.token\"\nserver = \"https://b\"", "\(config):5: servers[1].server: unknown key"),
            ("name = \"a\"\ntoken_file = \"t1.token\"", "\(config):1: servers[1].url: missing (required)"),
            ("name = \"a\"\nurl = \"https://a\"", "\(config):1: servers[1].token_file: missing (required)"),
            ("url = \"https://a\"\ntoken_file = \"t1.token\"", "\(config):1: servers[1].name: missing (required)"),
            ("name = 7\nurl = \"https://a\"\ntoken_file = \"t1.token\"", "\(config):2: servers[1].name: expected a string, found an integer"),
            (
                "name = \"a\"\nurl = \"ftp://a\"\ntoken_file = \"t1.token\"",
                "\(config):3: servers[1].url: expected an http:// or https:// URL with a host, without spaces or control characters"
            ),
            (
                "name = \"a\"\nurl = \"https://a\\u001B[2J\"\ntoken_file = \"t1.token\"",
                "\(config):3: servers[1].url: expected an http:// or https:// URL with a host, without spaces or control characters"
            ),
            (
                "name = \"a\"\nurl = \"https://a\"\ntoken_file = \"t1.token\"\nca_file = []",
                "\(config):5: servers[1].ca_file: expected a string, found an array"
            ),
        ]
        for (table, expected) in cases {
            XCTAssertEqual(loadFailure(try serversFile([table])), expected, table)
        }
        XCTAssertEqual(loadFailure("servers = \"prod\"\n"), "\(config):1: servers: expected [[servers]] tables, found a string")
    }

    func testServerAndServersTogetherAreRefused() throws {
        let toml = try serversFile(["name = \"a\"\nurl = \"https://a\"\ntoken_file = \"t1.token\""])
        XCTAssertEqual(loadFailure("server = \"https://b\"\n" + toml), "set either server or [[servers]] in \(config), not both")
        // The console reads the danger marks from the same file: it is refused there too.
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try ClientConfiguration.danger(environment: environment) },
            "set either server or [[servers]] in \(config), not both")
    }

    func testNoServerAnywhereSaysWhereToPutOne() throws {
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try fleet() },
            "no server: pass --server, set TOLLGATE_SERVER, or set server or [[servers]] in \(config)")
        try files.write("xdg/tollgate/config.toml", "server = \"https://one.example\"\n")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try fleet(["prod"]) }, "--context names [[servers]] tables, and \(config) has none")
        XCTAssertEqual(try fleet(env: ["TOLLGATE_TOKEN": "t"]).map(\.name), ["one.example"], "the top-level server, named by its host")
    }

    /// docs/configuration.md's example, as written, is read as it says.
    func testTheDocumentedExampleWorks() throws {
        let page = try String(contentsOfFile: #filePath.components(separatedBy: "/Tests/")[0] + "/docs/configuration.md", encoding: .utf8)
        let blocks = page.components(separatedBy: "```toml\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        let example = try XCTUnwrap(blocks.first { $0.contains("[[servers]]") }, "configuration.md has a [[servers]] example")
        try example.write(toFile: config, atomically: false, encoding: .utf8)
        let file = try ClientConfiguration.current(environment: environment)
        XCTAssertEqual(file.servers.map(\.name), ["prod", "staging"])
        XCTAssertEqual(file.servers.map(\.tokenFile), [folder + "/xdg/tollgate/prod.token", folder + "/home/.config/tollgate/staging.token"])
        XCTAssertEqual(file.servers.map(\.caFile), [nil, "/etc/ssl/internal-ca.pem"])
    }
}
