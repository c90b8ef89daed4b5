/// The error codes of protocol.md, each with its HTTP status.
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    case badRequest = "bad_request"
    case unauthenticated
    case forbidden
    case selfApproval = "self_approval"
    case notFound = "not_found"
    case alreadyResolved = "already_resolved"
    case alreadyDecided = "already_decided"
    case digestMismatch = "digest_mismatch"
    case expired
    case tooLarge = "too_large"
    case reasonRequired = "reason_required"
    /// The approval would not count towards what the action's rule still needs (a group's minimum).
    case notEligible = "not_eligible"
    /// The matched rule requires a justification and the request has none.
    case justificationRequired = "justification_required"
    case rateLimited = "rate_limited"
    /// The server cannot reach its database (PostgreSQL down or restarting); retry after `Retry-After`.
    case unavailable
    /// Not in protocol.md's list: the server failed; the request may be retried.
    case internalError = "internal"

    public var httpStatus: Int {
        switch self {
        case .badRequest: 400
        case .unauthenticated: 401
        case .forbidden, .selfApproval, .notEligible: 403
        case .notFound: 404
        case .alreadyResolved, .alreadyDecided, .digestMismatch: 409
        case .expired: 410
        case .tooLarge: 413
        case .reasonRequired, .justificationRequired: 422
        case .rateLimited: 429
        case .internalError: 500
        case .unavailable: 503
        }
    }
}

/// An error as the server sends it: `{ "error": code, "message": text, "action": object? }`.
public struct ProtocolError: Error, Codable, Hashable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    /// The action as it now stands, for conflicts (`already_resolved` and friends).
    public var action: Action?
    /// For `rate_limited`: seconds until a retry can succeed (sent as `Retry-After`, not in the body).
    public var retryAfter: Double?

    public init(_ code: ErrorCode, _ message: String, action: Action? = nil) {
        self.code = code; self.message = message; self.action = action
    }

    enum CodingKeys: String, CodingKey { case code = "error", message, action }

    public var description: String { "\(code.rawValue): \(message)" }
}
