import Crypto

/// SHA-256 helpers that return the lowercase hex forms Tollgate writes everywhere.
public enum SHA256Hex {
    /// Lowercase hex of SHA-256 over `bytes`.
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digest = SHA256.hash(data: Array(bytes))
        return hexString(digest)
    }

    /// `sha256:` followed by the lowercase hex of SHA-256 over `bytes`.
    public static func prefixed<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        "sha256:" + hex(bytes)
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func hexString<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares two strings in time that depends only on their lengths, for secrets.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
