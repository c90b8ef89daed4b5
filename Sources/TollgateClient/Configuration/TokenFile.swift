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
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ConfigurationError("cannot open token file \(path): \(errorText())") }
        defer { close(fd) }
        // fstat on the opened descriptor, so the file checked is the file read.
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ConfigurationError("cannot inspect token file \(path): \(errorText())") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw ConfigurationError("token file \(path) is not a regular file") }
        let mode = info.st_mode & 0o7777
        if mode & 0o044 != 0 {
            throw ConfigurationError(
                "token file \(path) is readable by others (mode 0\(String(mode, radix: 8))); run: chmod 600 \(shellQuoted(path))")
        }
        guard info.st_size <= maxSize else { throw ConfigurationError("token file \(path) is larger than 64 KiB; it should hold only the token") }

        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { read(fd, $0 + count, buffer.count - count) } ?? 0
            }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConfigurationError("cannot read token file \(path): \(errorText())")
            }
            count += n
        }
        let firstLine = bytes[..<count].split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
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

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
