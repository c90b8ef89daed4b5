#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TollgateCore

/// Reads a bearer token from a file, refusing files others can read, as ssh does with keys.
enum TokenFile {
    /// Far more than any token; a bigger file is not a token file.
    static let maxSize = 64 << 10

    /// The first line of the file at `path`, trimmed.
    static func token(at path: String) throws(ConfigurationError) -> String {
        guard let file = try SmallFile.open(path, role: "token file") else { return "" }  // never nil without missingIsNil
        let mode = file.info.st_mode & 0o7777
        if mode & 0o044 != 0 {
            file.close()
            throw ConfigurationError(
                "token file \(path) is readable by others (mode 0\(String(mode, radix: 8))); run: chmod 600 \(shellQuoted(path))")
        }
        let bytes = try file.readAll(limit: maxSize, limitText: "64 KiB; it should hold only the token")
        let firstLine = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        let token = String(String(decoding: firstLine, as: UTF8.self).trimmingWhitespace)
        guard !token.isEmpty else { throw ConfigurationError("token file \(path) is empty: put the token on its first line") }
        if let problem = ServerEndpoint.tokenProblem(token) { throw ConfigurationError("token file \(path): \(problem)") }
        return token
    }

    /// `path` as one shell word, so the suggested command can be pasted as it is.
    static func shellQuoted(_ path: String) -> String {
        let plain = path.utf8.allSatisfy { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || "/._-+@%:,=".utf8.contains(b)
        }
        return plain && !path.isEmpty ? path : "'" + path.replacing("'", with: "'\\''") + "'"
    }
}
