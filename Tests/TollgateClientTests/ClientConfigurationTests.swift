import Foundation
import TollgateClient
import XCTest

/// Flags over environment over config file, and token files that others can read refused.
final class ClientConfigurationTests: XCTestCase {
    private let files = ConfigFolder()
    private var folder: String { files.path }
    private var environment: [String: String] { files.environment }

    override func setUpWithError() throws { try files.create(for: self) }

    private func resolve(
        server: String? = nil, tokenFile: String? = nil, env extra: [String: String] = [:], tls: TLSOptions = TLSOptions(),
        requireToken: Bool = true
    ) throws(ConfigurationError) -> ServerEndpoint {
        try ClientConfiguration.resolve(
            server: server, tokenFile: tokenFile, environment: environment.merging(extra) { $1 }, tls: tls, requireToken: requireToken)
    }

    private func failure(_ call: () throws(ConfigurationError) -> ServerEndpoint) -> String {
        do {
            return "resolved \(try call())"
        } catch {
            return error.message
        }
    }

    // MARK: - Precedence

    func testFlagsBeatEnvironmentBeatsConfigFile() throws {
        let flagToken = try files.write("flag.token", "from-flag\n")
        let envToken = try files.write("env.token", "from-env-file")
        try files.write("file.token", "from-config")
        try files.write("xdg/tollgate/config.toml", "server = \"https://config.example\"\ntoken_file = \"../../file.token\"\n")

        var endpoint = try resolve(
            server: "https://flag.example", tokenFile: flagToken,
            env: ["TOLLGATE_SERVER": "https://env.example", "TOLLGATE_TOKEN_FILE": envToken, "TOLLGATE_TOKEN": "literal"])
        XCTAssertEqual(endpoint.baseURL, "https://flag.example")
        XCTAssertEqual(endpoint.token, "from-flag")

        endpoint = try resolve(env: ["TOLLGATE_SERVER": "https://env.example", "TOLLGATE_TOKEN_FILE": envToken, "TOLLGATE_TOKEN": "literal"])
        XCTAssertEqual(endpoint.baseURL, "https://env.example")
        XCTAssertEqual(endpoint.token, "from-env-file")

        endpoint = try resolve(env: ["TOLLGATE_TOKEN": " literal\n"])
        XCTAssertEqual(endpoint.baseURL, "https://config.example")
        XCTAssertEqual(endpoint.token, "literal")

        endpoint = try resolve(env: ["TOLLGATE_SERVER": "", "TOLLGATE_TOKEN": ""])
        XCTAssertEqual(endpoint.baseURL, "https://config.example", "empty variables count as unset")
        XCTAssertEqual(endpoint.token, "from-config", "token_file is relative to the config file")
    }

    func testConfigFileLocation() throws {
        try FileManager.default.createDirectory(atPath: folder + "/home/.config/tollgate", withIntermediateDirectories: true)
        try files.write("home/.config/tollgate/config.toml", "server = \"https://home.example\"\ntoken_file = \"~/t\"\n")
        try files.write("home/t", "home-token")
        try files.write("xdg/tollgate/config.toml", "server = \"https://xdg.example\"\n")

        XCTAssertEqual(ClientConfiguration.defaultFile(environment: environment), folder + "/xdg/tollgate/config.toml")
        XCTAssertEqual(try resolve(requireToken: false).baseURL, "https://xdg.example")

        let relativeXDG = ["XDG_CONFIG_HOME": "relative/xdg", "HOME": folder + "/home"]
        XCTAssertEqual(ClientConfiguration.defaultFile(environment: relativeXDG), folder + "/home/.config/tollgate/config.toml")
        let endpoint = try ClientConfiguration.resolve(server: nil, tokenFile: nil, environment: relativeXDG, tls: TLSOptions())
        XCTAssertEqual(endpoint.baseURL, "https://home.example")
        XCTAssertEqual(endpoint.token, "home-token", "~/ expands to HOME")
        XCTAssertNil(ClientConfiguration.defaultFile(environment: [:]))
    }

    func testTLSFlagsBeatTheConfigFile() throws {
        try files.write(
            "xdg/tollgate/config.toml",
            """
            server = "https://x.example"
            ca_file = "ca.pem"
            client_cert = "/etc/tollgate/me.pem"
            client_key = "/etc/tollgate/me.key"
            theme = "solarized"   # the console's key: left alone
            """)
        let endpoint = try resolve(tls: TLSOptions(clientCert: "/flag/cert.pem", insecure: true), requireToken: false)
        XCTAssertEqual(
            endpoint.tls,
            TLSOptions(
                caFile: folder + "/xdg/tollgate/ca.pem", clientCert: "/flag/cert.pem", clientKey: "/etc/tollgate/me.key", insecure: true))
        XCTAssertEqual(endpoint.token, "")
    }

    // MARK: - Token files

    func testTokenFileOpenToGroupOrOthersInAnyWayIsRefusedWithTheFix() throws {
        // Every group and other bit, alone and together: read, write (someone else's token) and execute.
        let modes = [0o001, 0o002, 0o004, 0o010, 0o020, 0o040, 0o066, 0o077].map { 0o600 | $0 } + [0o602, 0o620, 0o644]
        for mode in modes {
            let path = try files.write("open-\(String(mode, radix: 8)).token", "tok", mode: mode)
            XCTAssertEqual(
                failure { () throws(ConfigurationError) in try resolve(server: "https://x", tokenFile: path) },
                "token file \(path) is open to its group or others (mode 0\(String(mode, radix: 8))); it must be 0600 or stricter: run: chmod 600 \(path)")
        }
        let spaced = try files.write("my token", "tok", mode: 0o604)
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(server: "https://x", tokenFile: spaced) },
            "token file \(spaced) is open to its group or others (mode 0604); it must be 0600 or stricter: run: chmod 600 '\(spaced)'")

        let readOnly = try files.write("ro.token", "tok\nsecond line ignored\n", mode: 0o400)
        XCTAssertEqual(try resolve(server: "https://x", tokenFile: readOnly).token, "tok")
        let ownerExecutable = try files.write("rwx.token", "tok\n", mode: 0o700)
        XCTAssertEqual(try resolve(server: "https://x", tokenFile: ownerExecutable).token, "tok", "the owner's own bits are the owner's business")
    }

    func testBadTokenFilesAreNamed() throws {
        let empty = try files.write("empty.token", "\n\n")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(server: "https://x", tokenFile: empty) },
            "token file \(empty) is empty: put the token on its first line")
        let spaced = try files.write("spaced.token", "two words\n")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(server: "https://x", tokenFile: spaced) },
            "token file \(spaced): the token contains spaces, control or non-ASCII characters")
        let missing = folder + "/nope.token"
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(server: "https://x", tokenFile: missing) },
            "cannot open token file \(missing): No such file or directory")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(server: "https://x", tokenFile: folder) },
            "token file \(folder) is not a regular file")
        let huge = try files.write("huge.token", String(repeating: "a", count: 70_000))
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(server: "https://x", tokenFile: huge) },
            "token file \(huge) is larger than 64 KiB; it should hold only the token")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(server: "https://x", env: ["TOLLGATE_TOKEN": "a\u{1B}b"]) },
            "TOLLGATE_TOKEN: the token contains spaces, control or non-ASCII characters")
    }

    // MARK: - Missing and malformed settings

    func testMissingSettingsSayWhereToPutThem() {
        let config = folder + "/xdg/tollgate/config.toml"
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(env: ["TOLLGATE_TOKEN": "t"]) },
            "no server: pass --server, set TOLLGATE_SERVER, or set server or [[servers]] in \(config)")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(server: "https://x") },
            "no token: pass --token-file, set TOLLGATE_TOKEN_FILE or TOLLGATE_TOKEN, or set token_file in \(config)")
    }

    func testBadServerURLsAndConfigFilesAreRefused() throws {
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(server: "ftp://x", requireToken: false) },
            "server \"ftp://x\" (from --server) is not an http:// or https:// URL")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(env: ["TOLLGATE_SERVER": "https://"], requireToken: false) },
            "server \"https://\" (from TOLLGATE_SERVER) is not an http:// or https:// URL")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(server: "https://a b", requireToken: false) },
            "server \"https://a b\" (from --server) is not an http:// or https:// URL")
        XCTAssertEqual(try resolve(server: "HTTP://127.0.0.1:8080/prefix", requireToken: false).baseURL, "HTTP://127.0.0.1:8080/prefix")

        let config = try files.write("xdg/tollgate/config.toml", "server = \"https://x\"\ntoken_file = 12\n")
        XCTAssertEqual(
            failure { () throws(ConfigurationError) in try resolve(server: "https://y") },
            "\(config):2: token_file: expected a string, found an integer")
        try files.write("xdg/tollgate/config.toml", "server = \n")
        XCTAssertTrue(failure { () throws(ConfigurationError) in try resolve(server: "https://y") }.hasPrefix("\(config):1: "))
    }
}
