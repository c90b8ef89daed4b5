import GRDB

/// Why the history cache failed, with the file and the operation, as one line.
///
/// The store never crashes on a bad file or a full disk: it throws this, and callers keep
/// working from memory. Example: `history /home/a/.local/state/tollgate/history.sqlite:
/// disk full: database or disk is full (while saving 120 actions)`.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, coarsely, so callers can choose a message or a fallback.
    public enum Reason: String, Hashable, Sendable {
        case cannotOpen = "cannot open"
        case readOnly = "read-only"
        case corrupt = "corrupt or not a database"
        case diskFull = "disk full"
        case busy = "locked by another process"
        case io = "I/O error"
        case newerSchema = "written by a newer tollgate"
        case invalidCursor = "invalid cursor"
        case unknownOutboxEntry = "unknown outbox entry"
        case invalidData = "invalid data"
        case database = "database error"
    }

    public var reason: Reason
    /// The database file (`:memory:` for an in-memory store).
    public var path: String
    /// What the store was doing and what SQLite or the decoder said.
    public var detail: String

    public init(_ reason: Reason, path: String, detail: String) {
        self.reason = reason; self.path = path; self.detail = detail
    }

    /// One line, whatever the path or the library's message held.
    public var description: String {
        let text = "history \(path): \(reason.rawValue): \(detail)"
        let flat = text.split(whereSeparator: { $0.isNewline || $0 == "\t" }).joined(separator: " ")
        return flat.count > 500 ? String(flat.prefix(499)) + "…" : flat
    }
}

// MARK: - Translation

extension StoreError {
    /// Turns whatever a database operation threw into a `StoreError` naming `operation`.
    static func wrapping(_ error: any Error, path: String, operation: String) -> StoreError {
        switch error {
        case var error as StoreError:
            // Thrown where the path is unknown (inside a transaction): it is this one.
            if error.path.isEmpty { error.path = path }
            return error
        case let error as DatabaseError:
            let what = error.message ?? "SQLite error \(error.extendedResultCode.rawValue)"
            return StoreError(reason(for: error.resultCode), path: path, detail: "\(what) (while \(operation))")
        case let error as DecodingError:
            return StoreError(.invalidData, path: path, detail: "\(decodingSummary(error)) (while \(operation))")
        case is RowDecodingError:
            // Its description dumps the row and the SQL; the operation says enough.
            return StoreError(.invalidData, path: path, detail: "a stored value has an unexpected type (while \(operation))")
        default:
            return StoreError(.database, path: path, detail: "\(error) (while \(operation))")
        }
    }

    private static func reason(for code: ResultCode) -> Reason {
        switch code {
        case .SQLITE_READONLY: .readOnly
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: .corrupt
        case .SQLITE_FULL: .diskFull
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH: .cannotOpen
        case .SQLITE_BUSY, .SQLITE_LOCKED: .busy
        case .SQLITE_IOERR: .io
        default: .database
        }
    }

    /// A decoding failure as one line: the coding path and the reason, without the
    /// multi-line dump `DecodingError` prints by default.
    private static func decodingSummary(_ error: DecodingError) -> String {
        func where_(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            return "stored JSON does not decode: \(where_(c))"
        @unknown default:
            return "stored JSON does not decode"
        }
    }
}
