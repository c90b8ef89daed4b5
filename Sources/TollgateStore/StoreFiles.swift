import TollgateCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the history file lives and how it is made owner-only.
///
/// The cache holds every command, resource and reason approvers have seen, so the file
/// is created 0600 inside a folder created 0700. SQLite gives new `-wal` and `-shm` files
/// the database file's mode but opens existing ones as they are, so `prepare` tightens
/// those a crash or a restored backup left wider before SQLite opens them.
enum StoreFiles {
    /// `$XDG_STATE_HOME/tollgate/history.sqlite`, else `$HOME/.local/state/tollgate/history.sqlite`.
    ///
    /// A relative `XDG_STATE_HOME` is ignored, as the XDG spec asks. Without `HOME`, the
    /// account's home directory from the password database is used, then the working directory.
    static func defaultPath(environment: [String: String]) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return joined(state, "tollgate/history.sqlite")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? accountHome() ?? "."
        return joined(home, ".local/state/tollgate/history.sqlite")
    }

    /// Creates missing folders (0700) and the file (0600), and tightens a file that is
    /// readable by others. Throws when the file cannot be written.
    static func prepare(path: String) throws {
        try makeDirectories(parent(of: path), path: path)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            let reason: StoreError.Reason = (code == EACCES || code == EROFS || code == EPERM) ? .readOnly : .cannotOpen
            throw StoreError(reason, path: path, detail: "cannot open for writing: \(errorText(code))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw StoreError(.cannotOpen, path: path, detail: "cannot stat: \(errorText(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw StoreError(.cannotOpen, path: path, detail: "not a regular file")
        }
        // Root may write anything, so the mode is the only sign someone made it read-only.
        guard info.st_mode & S_IWUSR != 0 else {
            throw StoreError(.readOnly, path: path, detail: "file mode \(octal(info.st_mode & 0o777)) does not allow writing")
        }
        if info.st_mode & 0o077 != 0, fchmod(fd, 0o600) != 0 {
            throw StoreError(.cannotOpen, path: path, detail: "cannot make the file owner-only: \(errorText(errno))")
        }
        // Before SQLite opens them: it would use a wide companion as it is.
        try restrictCompanions(of: path)
    }

    /// Makes the `-wal` and `-shm` files owner-only when they exist (the rule the server's
    /// ledger uses too).
    static func restrictCompanions(of path: String) throws {
        do {
            try OwnerOnlyFiles.tighten(Array(OwnerOnlyFiles.sqliteFiles(of: path).dropFirst()))
        } catch {
            throw StoreError(.cannotOpen, path: path, detail: error.description)
        }
    }

    // MARK: - Helpers

    private static func makeDirectories(_ directory: String, path: String) throws {
        guard !directory.isEmpty else { return }
        var info = stat()
        if stat(directory, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw StoreError(.cannotOpen, path: path, detail: "\(directory) is not a directory")
            }
            return
        }
        try makeDirectories(parent(of: directory), path: path)
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw StoreError(.cannotOpen, path: path, detail: "cannot create \(directory): \(errorText(errno))")
        }
    }

    /// The folder part of a path ("" for a bare file name, "/" for a file at the root).
    static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        let head = trimmed[..<slash]
        return head.isEmpty ? "/" : String(head)
    }

    private static func joined(_ base: String, _ tail: String) -> String {
        base.hasSuffix("/") ? base + tail : base + "/" + tail
    }

    private static func accountHome() -> String? {
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
        let home = String(cString: dir)
        return home.isEmpty ? nil : home
    }

    private static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    private static func octal(_ mode: mode_t) -> String {
        let digits = String(UInt32(mode), radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
