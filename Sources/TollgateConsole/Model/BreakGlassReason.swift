import TollgateCore

/// A break-glass reason measured as the server measures it (`DecisionRules.visibleLength`), so
/// the prompt refuses before sending exactly the reasons the server would refuse, and says how
/// many characters are missing.
enum BreakGlassReason {
    /// Why `reason` is too short, with how many characters more it needs; nil when it will do.
    static func shortfall(_ reason: String) -> String? {
        let missing = DecisionRules.breakGlassReasonLength - DecisionRules.visibleLength(of: reason)
        guard missing > 0 else { return nil }
        return "needs \(DecisionRules.breakGlassReasonLength)+ characters: \(missing) more"
    }
}
