/// The rule for files that hold tokens (the client's token file, the server's tokens file):
/// only their owner may have any access, as ssh requires of private keys.
public enum OwnerOnlyMode {
    /// Why a file at `path` with permission bits `mode` (`st_mode`) may not hold tokens, or nil
    /// when neither its group nor others have any permission on it. `what` names the file
    /// ("token file").
    ///
    /// Any group or other bit is refused, not only read: a writable file lets someone else put
    /// in a token of their own, and an executable one is a mistake worth pointing out.
    public static func problem(_ what: String, at path: String, mode: UInt32) -> String? {
        let permissions = mode & 0o7777
        guard permissions & 0o077 != 0 else { return nil }
        let octal = String(permissions, radix: 8)
        let shown = String(repeating: "0", count: max(0, 4 - octal.count)) + octal
        return "\(what) \(path) is open to its group or others (mode \(shown)); it must be 0600 or stricter: run: chmod 600 \(shellQuoted(path))"
    }

    /// `path` as one shell word, so the suggested command can be pasted as it is.
    public static func shellQuoted(_ path: String) -> String {
        let plain = path.utf8.allSatisfy { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || "/._-+@%:,=".utf8.contains(b)
        }
        return plain && !path.isEmpty ? path : "'" + path.replacing("'", with: "'\\''") + "'"
    }
}
