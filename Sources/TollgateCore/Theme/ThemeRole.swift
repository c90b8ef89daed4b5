/// A semantic colour role: what a cell means, never which colour it is.
///
/// Views paint with roles only; a `Theme` maps each role to colours and attributes, so a
/// theme file can restyle the console without touching code. The raw value is the key used
/// in theme files (`[roles] risk_high = { ... }`).
public enum ThemeRole: String, CaseIterable, Sendable, Hashable {
    case body
    case header
    case keyHints = "key_hints"
    case selectedFocused = "selected_focused"
    case selectedUnfocused = "selected_unfocused"
    case borderFocused = "border_focused"
    case borderUnfocused = "border_unfocused"
    case prompt
    case toastInfo = "toast_info"
    case toastWarn = "toast_warn"
    case toastError = "toast_error"
    case riskLow = "risk_low"
    case riskMedium = "risk_medium"
    case riskHigh = "risk_high"
    case riskCritical = "risk_critical"
    case statusPending = "status_pending"
    case statusApproved = "status_approved"
    case statusDenied = "status_denied"
    case statusExpired = "status_expired"
    case statusCancelled = "status_cancelled"
    case diffAdded = "diff_added"
    case diffRemoved = "diff_removed"
    case diffHunk = "diff_hunk"
    case diffContext = "diff_context"
    /// The changed words of a removed line paired with an added one.
    case diffRemovedEmphasis = "diff_removed_emphasis"
    /// The changed words of an added line paired with a removed one.
    case diffAddedEmphasis = "diff_added_emphasis"
    case danger
    case placeholder
    case dim
    /// What no one may miss: a break-glass approval, in the list and the detail.
    case alert

    /// Position in `allCases`, for array-backed lookups on the paint path.
    public var index: Int {
        switch self {
        case .body: 0
        case .header: 1
        case .keyHints: 2
        case .selectedFocused: 3
        case .selectedUnfocused: 4
        case .borderFocused: 5
        case .borderUnfocused: 6
        case .prompt: 7
        case .toastInfo: 8
        case .toastWarn: 9
        case .toastError: 10
        case .riskLow: 11
        case .riskMedium: 12
        case .riskHigh: 13
        case .riskCritical: 14
        case .statusPending: 15
        case .statusApproved: 16
        case .statusDenied: 17
        case .statusExpired: 18
        case .statusCancelled: 19
        case .diffAdded: 20
        case .diffRemoved: 21
        case .diffHunk: 22
        case .diffContext: 23
        case .diffRemovedEmphasis: 24
        case .diffAddedEmphasis: 25
        case .danger: 26
        case .placeholder: 27
        case .dim: 28
        case .alert: 29
        }
    }

    /// The role that paints a risk level.
    public static func risk(_ risk: Risk) -> ThemeRole {
        switch risk {
        case .low: .riskLow
        case .medium: .riskMedium
        case .high: .riskHigh
        case .critical: .riskCritical
        }
    }

    /// The role that paints an action status.
    public static func status(_ status: ActionStatus) -> ThemeRole {
        switch status {
        case .pending: .statusPending
        case .approved: .statusApproved
        case .denied: .statusDenied
        case .expired: .statusExpired
        case .cancelled: .statusCancelled
        }
    }
}
