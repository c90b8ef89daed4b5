import Foundation

/// docs/deploy/nginx.conf, the nginx site the deployment docs show, made fit to run in a test:
/// its example listen port, certificate and replicas replaced by the test's.
///
/// Every example it replaces must be in the document exactly once, so an edit of the document
/// that the tests would no longer follow fails loudly instead of testing something else.
struct NginxSite {
    /// The site's text, with the replacements made so far.
    private(set) var text: String

    /// Where the document is, from the package root.
    static let documentPath = "docs/deploy/nginx.conf"

    /// The site exactly as documented.
    static func documented() throws -> NginxSite {
        let url = try TollgateBinary.packageRoot().appendingPathComponent(documentPath)
        do { return NginxSite(text: try String(contentsOf: url, encoding: .utf8)) } catch {
            throw HTTPClientError("cannot read \(documentPath): \(error)")
        }
    }

    /// This site with `old`, which must occur exactly once, replaced by `new`: how a test adapts
    /// the document, or varies it to see that what it says matters.
    func replacing(_ old: String, with new: String) throws -> NginxSite {
        let count = text.components(separatedBy: old).count - 1
        guard count == 1 else { throw HTTPClientError("\(Self.documentPath): \(old.debugDescription) occurs \(count) times, not once") }
        return NginxSite(text: text.replacingOccurrences(of: old, with: new))
    }

    /// The site for a test: TLS on `127.0.0.1:port` with the given certificate and key, in front
    /// of the replicas at `upstreams` (`HOST:PORT` each).
    func rendered(port: Int, certificatePath: String, keyPath: String, upstreams: [String]) throws -> String {
        let site = try replacing("listen 443 ssl;", with: "listen 127.0.0.1:\(port) ssl;")
            .replacing("/etc/ssl/certs/tollgate.example.com.pem", with: certificatePath)
            .replacing("/etc/ssl/private/tollgate.example.com.key", with: keyPath)
        return try Self.replacingReplicas(in: site.text, with: upstreams)
    }

    /// `text` with the `server ADDRESS PARAMETERS;` lines of its one `upstream` block replaced by
    /// one line per address of `addresses`, each with the parameters the document gives every
    /// replica (they must be the same on every line: the tests cannot tell which is meant).
    static func replacingReplicas(in text: String, with addresses: [String]) throws -> String {
        guard !addresses.isEmpty else { throw HTTPClientError("an nginx upstream needs at least one replica") }
        var lines = text.components(separatedBy: "\n")
        let trimmed = lines.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let start = trimmed.firstIndex(where: { $0.hasPrefix("upstream ") }),
            let end = trimmed[start...].firstIndex(of: "}")
        else { throw HTTPClientError("\(documentPath): no upstream block") }
        let replicas = (start..<end).filter { trimmed[$0].hasPrefix("server ") }
        guard let first = replicas.first, let last = replicas.last, replicas.count == last - first + 1 else {
            throw HTTPClientError("\(documentPath): the upstream block has no replicas, or they are not on consecutive lines")
        }
        let shapes = try replicas.map { index -> (indent: Substring, parameters: Substring) in
            let parts = trimmed[index].split(separator: " ", maxSplits: 2)
            guard parts.count == 3 else {
                throw HTTPClientError("\(documentPath):\(index + 1): expected `server ADDRESS PARAMETERS;`, found \(trimmed[index].debugDescription)")
            }
            return (lines[index].prefix { $0 == " " }, parts[2])
        }
        guard Set(shapes.map { "\($0.indent)\($0.parameters)" }).count == 1 else {
            throw HTTPClientError("\(documentPath): the replicas have different parameters")
        }
        lines.replaceSubrange(first...last, with: addresses.map { "\(shapes[0].indent)server \($0) \(shapes[0].parameters)" })
        return lines.joined(separator: "\n")
    }
}
