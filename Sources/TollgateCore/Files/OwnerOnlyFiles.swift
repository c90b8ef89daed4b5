#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Makes an SQLite database and its `-wal` and `-shm` files owner-only, for the server's
/// ledger and the approver's history cache alike.
///
/// SQLite opens an existing `-wal` or `-shm` with whatever mode it has, and creates a missing
/// one with the database file's mode, not from the umask. So a file restored 0644 from a
/// backup would leak through all three: they are tightened before SQLite opens any of them.
/// The one piece of file I/O in this layer, kept here so both stores use the same rule.
public enum OwnerOnlyFiles {
    /// Why a file could not be made owner-only.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var detail: String
        public var description: String { "\(path): \(detail)" }
    }

    /// The database file and its two companions.
    public static func sqliteFiles(of path: String) -> [String] {
        [path, path + "-wal", path + "-shm"]
    }

    /// Sets 0600 on each existing file of `paths` that its group or others may use in any way.
    /// Missing files are skipped; a path that is not a regular file is refused untouched.
    public static func tighten(_ paths: [String]) throws(Failure) {
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                if errno == ENOENT { continue }
                throw Failure(path: path, detail: "cannot stat: \(errorText(errno))")
            }
            guard info.st_mode & S_IFMT == S_IFREG else { throw Failure(path: path, detail: "not a regular file") }
            if info.st_mode & 0o077 != 0, chmod(path, 0o600) != 0 {
                throw Failure(path: path, detail: "cannot make it owner-only: \(errorText(errno))")
            }
        }
    }

    private static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
