/// RFC 3986 percent-encoding for the pieces of a URL that come from data.
enum PercentEncoding {
    /// `text` with every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) as `%XX`,
    /// so it is safe as one path segment or one query value: an id such as `../x` or `a?b`
    /// cannot change which resource is asked for.
    static func component(_ text: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` encoded as one path segment: as `component`, and `.` or `..` fully encoded, since
    /// URL normalisation (libcurl's included) would otherwise resolve them as dot segments.
    static func segment(_ text: String) -> String {
        text.utf8.allSatisfy({ $0 == UInt8(ascii: ".") }) && !text.isEmpty
            ? String(repeating: "%2E", count: text.utf8.count) : component(text)
    }

    /// `name=value` pairs joined by `&`, each side encoded; nil values are left out.
    static func query(_ items: [(String, String?)]) -> String {
        items.compactMap { name, value in value.map { "\(component(name))=\(component($0))" } }
            .joined(separator: "&")
    }

    private static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
}
