/// The parts of a server URL that say which server it is, to tell two spellings of one
/// server apart from two servers, and to name a server no configuration names.
///
/// Only for URLs that passed `ClientConfiguration.isServerURL`: `http://` or `https://`, a
/// host, no spaces or control characters.
struct ServerURL: Hashable, Sendable {
    /// `http` or `https`, lower case.
    var scheme: String
    /// Lower case; an IPv6 address keeps its brackets.
    var host: String
    /// The port written in the URL, if any.
    var writtenPort: String?
    /// The path prefix (and anything after it), without trailing slashes.
    var path: Substring

    init(_ url: String) {
        let https = url.lowercased().hasPrefix("https://")
        scheme = https ? "https" : "http"
        let rest = url.dropFirst(https ? 8 : 7)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        // user:password@ says who connects, not where.
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        // The port follows the last colon, unless that colon is inside an IPv6 address's brackets.
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            host = authority[..<colon].lowercased()
            writtenPort = String(authority[authority.index(after: colon)...])
        } else {
            host = authority.lowercased()
        }
        var tail = rest[authorityEnd...]
        while tail.hasSuffix("/") { tail = tail.dropLast() }
        path = tail
    }

    /// The port connected to: the written one, else the scheme's.
    var port: String {
        guard let writtenPort, !writtenPort.isEmpty else { return scheme == "https" ? "443" : "80" }
        // 08470 and 8470 are one port.
        return Int(writtenPort).map(String.init) ?? writtenPort
    }

    /// Equal for two URLs of one server: scheme and host in any case, the default port
    /// written or not, a trailing slash or not.
    var key: String { "\(scheme)://\(host):\(port)\(path)" }

    /// `host`, or `host:port` when the URL gives a port other than the scheme's default.
    var displayName: String {
        let defaultPort = scheme == "https" ? "443" : "80"
        return port == defaultPort ? host : "\(host):\(port)"
    }
}
