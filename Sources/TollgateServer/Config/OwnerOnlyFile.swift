import Foundation
import TollgateCore

/// Files that hold secrets (the tokens file, a webhook's HMAC key), which only their owner may
/// access (`OwnerOnlyMode`): a readable one leaks the secret, a writable one lets someone else
/// put in theirs.
public enum OwnerOnlyFile {
    /// The UTF-8 text of the file at `path`; `what` names it in errors ("the tokens file"), and
    /// `missingHint` follows the error when it cannot be opened (how to create one).
    public static func text(at path: String, what: String, missingHint: String = "") throws(ConfigError) -> String {
        func failure(_ message: String) -> ConfigError { ConfigError(file: path, line: 0, message: message) }
        // O_NONBLOCK: a FIFO put in the file's place must not hang the server at start-up.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw failure("cannot read \(what) (\(String(cString: strerror(errno))))\(missingHint)") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        // fstat on the opened descriptor, so the file checked is the file read.
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw failure("\(what) is not a regular file") }
        if let problem = OwnerOnlyMode.problem(what, at: path, mode: UInt32(info.st_mode)) { throw failure(problem) }
        let data: Data
        do { data = try handle.readToEnd() ?? Data() } catch { throw failure("cannot read \(what): \(error.localizedDescription)") }
        guard let text = String(data: data, encoding: .utf8) else { throw failure("\(what) is not UTF-8 text") }
        return text
    }

    /// Writes `text` to a 0600 temporary file beside `path`, then renames it into place.
    public static func write(_ text: String, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            written += n
        }
        guard fchmod(fd, 0o600) == 0, fsync(fd) == 0, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }
}
