import TollgateCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a bearer token from a file, refusing files its group or others have any access to
/// (`OwnerOnlyMode`), as ssh does with keys.
enum TokenFile {
    /// Far more than any token; a bigger file is not a token file.
    static let maxSize = 64 << 10

    /// The first line of the file at `path`, trimmed.
    static func token(at path: String) throws(ConfigurationError) -> String {
        guard let file = try SmallFile.open(path, role: "token file") else { return "" }  // never nil without missingIsNil
        if let problem = OwnerOnlyMode.problem("token file", at: path, mode: UInt32(file.info.st_mode)) {
            file.close()
            throw ConfigurationError(problem)
        }
        let bytes = try file.readAll(limit: maxSize, limitText: "64 KiB; it should hold only the token")
        let firstLine = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        let token = String(String(decoding: firstLine, as: UTF8.self).trimmingWhitespace)
        guard !token.isEmpty else { throw ConfigurationError("token file \(path) is empty: put the token on its first line") }
        if let problem = ServerEndpoint.tokenProblem(token) { throw ConfigurationError("token file \(path): \(problem)") }
        return token
    }
}
