import TollgateCore

/// Why a call to a Tollgate server failed.
///
/// Descriptions are one line, never contain the token, and show server-sent text only after
/// removing control characters (a hostile server must not be able to drive the terminal).
public enum ClientError: Error, CustomStringConvertible, Sendable {
    /// The server answered with a protocol error (`{ "error": code, "message": text }`).
    case server(status: Int, error: ProtocolError)
    /// The server answered with an error status but not a protocol error; `body` is a
    /// cleaned excerpt of what it sent (a proxy's HTML page, say).
    case http(status: Int, body: String)
    /// No answer: libcurl's account of what went wrong (connection refused, timeout, TLS...).
    case transport(String)
    /// No answer, because the server's TLS certificate was refused (libcurl's reason): not
    /// signed by a CA this client trusts, made out to another name, or expired. Unlike a
    /// transport error, another try is refused the same way.
    case certificateRefused(String)
    /// A success status with a body that is not what the protocol promises.
    case decoding(String)

    public var description: String {
        switch self {
        case .server(let status, let error):
            "server refused (HTTP \(status), \(error.code.rawValue)): \(Self.excerpt(error.message))"
        case .http(let status, let body):
            body.isEmpty ? "HTTP \(status) from the server, with no explanation" : "HTTP \(status) from the server: \(body)"
        case .transport(let message), .certificateRefused(let message):
            message
        case .decoding(let message):
            "unexpected answer from the server: \(message)"
        }
    }

    /// The protocol error code, when the server sent one.
    public var code: ErrorCode? {
        if case .server(_, let error) = self { error.code } else { nil }
    }

    // MARK: - Server text, made safe to print

    /// At most `limit` characters of `text` on one line: line breaks and tabs become spaces,
    /// other control characters (C0, DEL, C1, bidirectional overrides) are dropped.
    static func excerpt(_ text: String, limit: Int = 200) -> String {
        var out = ""
        var count = 0
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let isSpace = v == 0x20 || v == 0x09 || v == 0x0A || v == 0x0D
            if isSpace {
                if lastWasSpace || count == 0 { continue }
                lastWasSpace = true
            } else {
                if v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) { continue }
                lastWasSpace = false
            }
            if count == limit { return out + "…" }
            out.unicodeScalars.append(isSpace ? " " : scalar)
            count += 1
        }
        return lastWasSpace ? String(out.dropLast()) : out
    }

    /// A cleaned excerpt of a response body, decoded as UTF-8 with replacement.
    static func excerpt(_ body: [UInt8]) -> String {
        excerpt(String(decoding: body.prefix(4096), as: UTF8.self))
    }
}
