/// Where a Tollgate server is and how to talk to it: its base URL, the bearer token and TLS.
///
/// The token is a secret: `description` and `dump()` show the URL only, so an endpoint can be
/// logged or put in an error message without leaking it.
///
/// ```swift
/// let endpoint = ServerEndpoint(baseURL: "https://tollgate.internal", token: token)
/// let me = try APIClient(endpoint: endpoint).whoami()
/// ```
public struct ServerEndpoint: Hashable, Sendable {
    /// `https://host[:port][/prefix]`; the `/v1/...` paths are appended to it.
    public var baseURL: String
    /// The bearer token sent in `Authorization`; empty sends none (only `/v1/health` allows that).
    public var token: String
    public var tls: TLSOptions

    public init(baseURL: String, token: String, tls: TLSOptions = TLSOptions()) {
        self.baseURL = baseURL; self.token = token; self.tls = tls
    }

    /// The URL of `path` (which starts with `/`) on this server.
    func url(_ path: String) -> String {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + path
    }

    /// Why `token` cannot go into an HTTP header, or nil when it can.
    ///
    /// Only visible ASCII is accepted: a CR or LF would let the token inject headers, and
    /// spaces or other characters are never part of a bearer token.
    public static func tokenProblem(_ token: String) -> String? {
        token.utf8.allSatisfy { (0x21...0x7E).contains($0) }
            ? nil : "the token contains spaces, control or non-ASCII characters"
    }
}

// MARK: - Keeping the token out of logs

extension ServerEndpoint: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { baseURL }
    public var debugDescription: String { "ServerEndpoint(\(baseURL), token: <redacted>, tls: \(tls))" }
    public var customMirror: Mirror {
        Mirror(self, children: ["baseURL": baseURL, "token": "<redacted>", "tls": tls])
    }
}

/// TLS settings for a Tollgate server: a private CA, a client certificate (mTLS), or no checks.
public struct TLSOptions: Hashable, Sendable {
    /// A PEM bundle of CAs to trust instead of the system's.
    public var caFile: String?
    /// A PEM client certificate, for servers that require mutual TLS.
    public var clientCert: String?
    /// The PEM private key of `clientCert`.
    public var clientKey: String?
    /// Skip certificate and host name verification. The caller must print `insecureWarning`.
    public var insecure: Bool

    public init(caFile: String? = nil, clientCert: String? = nil, clientKey: String? = nil, insecure: Bool = false) {
        self.caFile = caFile; self.clientCert = clientCert; self.clientKey = clientKey; self.insecure = insecure
    }

    /// What to tell the user, on standard error, whenever `insecure` is on.
    public static let insecureWarning =
        "warning: TLS verification is off (--insecure): anyone on the network path can read or alter this session, token included"
}
