/// Whether a URL's host names this machine's loopback interface, where plain HTTP crosses no
/// network: `localhost`, an IPv4 literal in 127.0.0.0/8, or `::1`.
///
/// Strict on purpose: `127.example.com` is a name anyone can point anywhere, so only a dotted
/// quad whose four parts are decimal numbers up to 255 counts.
public enum LoopbackHost {
    public static func contains(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "localhost." || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber), let value = Int(part), value <= 255 else {
                return false
            }
        }
        return parts[0] == "127"
    }
}
