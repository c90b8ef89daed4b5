import TollgateCore

/// A break-glass reason measured as the server measures it (`DecisionRules`), so the prompt
/// refuses before sending exactly the reasons the server would refuse, and says how many
/// characters are missing.
enum BreakGlassReason {
    /// Characters that count: the reason trimmed, without invisible characters and controls,
    /// which cannot pad a reason to length.
    static func visibleLength(_ reason: String) -> Int {
        reason.trimmingWhitespace.reduce(0) { count, c in
            let invisible = c.unicodeScalars.allSatisfy { $0.properties.isDefaultIgnorableCodePoint || $0.properties.generalCategory == .control }
            return invisible ? count : count + 1
        }
    }

    /// Why `reason` is too short, with how many characters more it needs; nil when it will do.
    static func shortfall(_ reason: String) -> String? {
        let missing = DecisionRules.breakGlassReasonLength - visibleLength(reason)
        guard missing > 0 else { return nil }
        return "needs \(DecisionRules.breakGlassReasonLength)+ characters: \(missing) more"
    }
}
