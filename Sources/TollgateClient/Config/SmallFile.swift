#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads small settings files safely: one open descriptor checked and read, a size limit,
/// and errors that name the file and what it is for.
struct SmallFile {
    /// What the file is, in messages ("config file", "token file").
    let role: String
    let path: String
    let info: stat
    private let fd: Int32

    /// Opens `path`; nil when it does not exist and `missingIsNil`.
    static func open(_ path: String, role: String, missingIsNil: Bool = false) throws(ConfigurationError) -> SmallFile? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            if missingIsNil && errno == ENOENT { return nil }
            throw ConfigurationError("cannot open \(role) \(path): \(errorText())")
        }
        // fstat on the opened descriptor, so the file checked is the file read.
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            Glibc.close(fd)
            throw ConfigurationError("cannot inspect \(role) \(path): \(errorText())")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(fd)
            throw ConfigurationError("\(role) \(path) is not a regular file")
        }
        return SmallFile(role: role, path: path, info: info, fd: fd)
    }

    /// The whole content, refusing files larger than `limit` (described as `limitText`); closes the file.
    func readAll(limit: Int, limitText: String) throws(ConfigurationError) -> [UInt8] {
        defer { Glibc.close(fd) }
        guard info.st_size <= limit else { throw ConfigurationError("\(role) \(path) is larger than \(limitText)") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { read(fd, $0 + count, buffer.count - count) } ?? 0
            }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConfigurationError("cannot read \(role) \(path): \(Self.errorText())")
            }
            count += n
        }
        return Array(bytes[..<count])
    }

    /// Closes the file without reading it.
    func close() { Glibc.close(fd) }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
