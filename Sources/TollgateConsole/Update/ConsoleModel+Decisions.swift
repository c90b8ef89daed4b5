import TollgateCore
import TollgateSync

// MARK: - Approve and deny

extension ConsoleModel {
    /// `a` or `d`: checks the action can be decided, then opens the reason or confirmation prompt.
    mutating func startDecision(_ verdict: Verdict) {
        guard let subject else {
            showToast("Nothing selected", .info)
            return
        }
        if let why = decisionBlocker(subject.row, readOnly: subject.readOnly, verdict: verdict) {
            showToast(why, .warn)
            return
        }
        let id = subject.row.key
        switch verdict {
        case .approve where subject.row.reasonRequiredForApproval:
            prompt = Prompt(kind: .reason(.approve, actionID: id))
        case .approve:
            confirm(DecisionIntent(actionID: id, verdict: .approve, reason: "", digest: subject.row.digest))
        case .deny:
            prompt = Prompt(kind: .reason(.deny, actionID: id))
        }
    }

    /// `B`: checks a break-glass approval is open to the approver on this action, then asks what broke.
    mutating func startBreakGlass() {
        guard let subject else {
            showToast("Nothing selected", .info)
            return
        }
        if let why = decisionBlocker(subject.row, readOnly: subject.readOnly, verdict: .approve, breakGlass: true) {
            showToast(why, .warn)
            return
        }
        prompt = Prompt(kind: .breakGlassReason(actionID: subject.row.key))
    }

    /// The confirmation line that must be answered `y`; anything else is No.
    mutating func confirm(_ intent: DecisionIntent) {
        prompt = Prompt(kind: .confirm(intent))
    }

    /// Sends `intent` if the action can still be decided; the row shows "sending…" until the answer.
    mutating func send(_ intent: DecisionIntent) -> [Effect] {
        prompt = nil
        guard let row = rows[intent.actionID] else {
            showToast("That action is gone from the queue; nothing was sent", .warn)
            return []
        }
        if let why = decisionBlocker(row, readOnly: false, verdict: intent.verdict, breakGlass: intent.breakGlass) {
            showToast("Not sent: \(why)", .warn)
            return []
        }
        var sent = intent
        // The digest is the one on screen: the action as this console shows it right now.
        sent.digest = row.digest
        let what = intent.breakGlass ? "break-glass approval" : intent.verdict.rawValue
        outcomes[intent.actionID] = RowOutcome(text: "sending \(what)...", role: intent.breakGlass ? .alert : .dim, sending: true)
        return [.sendDecision(sent)]
    }

    mutating func handleDecisionResult(_ intent: DecisionIntent, _ result: DecisionOutcome) {
        let summary = serverPrefix(intent.actionID.server) + (rows[intent.actionID].map { "\($0.kind): \($0.summary)" } ?? intent.actionID.id)
        let outcome = Self.rowOutcome(intent, result)
        switch result {
        case .accepted(let action):
            absorb(action, from: intent.actionID.server, fromFeed: false)
            outcomes[intent.actionID] = outcome
            let text = outcome.text
            let said = intent.breakGlass && action.isBreakGlass ? "BREAK-GLASS " + text : text.prefix(1).uppercased() + text.dropFirst()
            showToast("\(said): \(summary)", .info)
        case .rejected(let status, let code, let message, let action):
            if let action { absorb(action, from: intent.actionID.server, fromFeed: false) }
            outcomes[intent.actionID] = outcome
            let words = Self.refusal(status: status, code: code, message: message, now: action, breakGlass: intent.breakGlass)
            showToast("\(words.toast) - \(summary)", .error)
        case .undelivered(let why):
            outcomes[intent.actionID] = outcome
            showToast("Decision not delivered yet; it stays in the outbox and is retried: \(why)", .warn)
        }
        forgetIfUnused(intent.actionID)
        // No row to show it on (its server is no longer followed): nothing will read it.
        if rows[intent.actionID] == nil { outcomes[intent.actionID] = nil }
    }

    /// What a decision's answer shows on its row (and in a bulk's results).
    static func rowOutcome(_ intent: DecisionIntent, _ result: DecisionOutcome) -> RowOutcome {
        switch result {
        case .accepted(let action):
            let text: String
            switch (intent.verdict, action.status) {
            case (.deny, _): text = "denied by you"
            case (.approve, .approved): text = "approved by you"
            case (.approve, _): text = "your approval is recorded (\(action.approvalCount)/\(action.requiredApprovals))"
            }
            // A break-glass approval's row carries its own mark before this (`QueueRow.breakGlass`).
            return RowOutcome(text: text, role: intent.verdict == .approve ? .statusApproved : .statusDenied, sending: false)
        case .rejected(let status, let code, let message, let action):
            let words = refusal(status: status, code: code, message: message, now: action, breakGlass: intent.breakGlass)
            return RowOutcome(text: words.row, role: .danger, sending: false)
        case .undelivered:
            return RowOutcome(text: "not sent yet, retrying", role: .toastWarn, sending: true)
        }
    }

    /// A refusal in plain words: a short form for the row, a full sentence for the toast.
    ///
    /// `not_eligible` and the refusals of a break-glass approval pass the server's message on:
    /// it names what the quorum still needs, or what the break-glass lacked.
    static func refusal(status: Int, code: ErrorCode?, message: String, now action: Action?, breakGlass: Bool = false) -> (row: String, toast: String) {
        switch code {
        case .notEligible?:
            return ("refused: would not count", "Refused: \(message)")
        case .forbidden? where breakGlass:
            return ("refused: break-glass not allowed", "Refused: \(message)")
        case .reasonRequired? where breakGlass:
            return ("refused: break-glass reason too short", "Refused: \(message)")
        case .alreadyResolved?:
            let state = action.map { $0.status.rawValue } ?? "resolved"
            return ("too late: already \(state)", "Too late: someone else resolved it first (it is now \(state))")
        case .alreadyDecided?:
            return ("you had already voted", "You had already decided this action")
        case .digestMismatch?:
            return ("refused: changed since shown", "Not accepted: the action is not the one you saw (digest mismatch); reopen it and look again")
        case .expired?:
            return ("too late: expired", "Too late: it expired before your decision arrived")
        case .selfApproval?:
            return ("refused: your own request", "Refused: you requested this action, so someone else must decide it")
        case .reasonRequired?:
            return ("refused: reason required", "Refused: the server needs a reason for this verdict")
        case .forbidden?:
            return ("refused: not an approver", "Refused: your token may not decide actions (it needs the approver role)")
        case .unauthenticated?:
            return ("refused: token not accepted", "Refused: the server did not accept your token")
        case .notFound?:
            return ("unknown to the server", "The server does not know this action")
        case .tooLarge?:
            return ("refused: reason too long", "Refused: the reason is too long")
        default:
            return ("refused (HTTP \(status))", "Refused (HTTP \(status)): \(message)")
        }
    }
}
