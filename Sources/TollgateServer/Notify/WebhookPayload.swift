import Crypto
import Foundation
import TollgateCore

/// The bytes and headers of one attempt at a delivery, in the notifier's format: pure, so every
/// rule of what a receiver sees is tested without a socket.
///
/// Every action field in it was masked before it was stored, as on the feed. In the Slack
/// format agent text goes only into `plain_text` objects, sanitised to one line and cut to
/// Slack's limits, so an agent cannot mention `@channel`, forge a link or break the layout;
/// Tollgate's own words are the only `mrkdwn`.
public enum WebhookPayload {
    /// The body and headers of an attempt at `delivery` sent at `sentAt`.
    public static func request(
        for delivery: Ledger.Delivery, notifier: NotifierSettings, sentAt: Timestamp
    ) throws -> (body: [UInt8], headers: [(String, String)]) {
        let body: [UInt8]
        switch notifier.format {
        case .json: body = json(delivery, sentAt: sentAt)
        case .slack: body = slack(delivery, action: try Action(json: delivery.actionJSON), sentAt: sentAt)
        }
        var headers = [
            ("Content-Type", "application/json"), ("User-Agent", "tollgate-webhook/1"), ("X-Tollgate-Delivery", delivery.id),
            ("X-Tollgate-Notifier", notifier.id),
            ("X-Tollgate-Event", delivery.event.rawValue),
        ]
        if let secret = notifier.secret { headers.append(("X-Tollgate-Signature", signature(of: body, secret: secret))) }
        return (body, headers)
    }

    /// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`: what a receiver recomputes.
    public static func signature(of body: [UInt8], secret: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// `{"action": …, "delivery_id": …, "event": …, "sent_at": …}`, the action as stored.
    static func json(_ delivery: Ledger.Delivery, sentAt: Timestamp) -> [UInt8] {
        var w = JSONWriter(capacity: delivery.actionJSON.utf8.count + 128)
        w.raw("{\"action\":"); w.encoded(delivery.actionJSON)
        w.raw(",\"delivery_id\":"); w.string(delivery.id)
        w.raw(",\"event\":"); w.string(delivery.event.rawValue)
        w.raw(",\"sent_at\":"); w.time(sentAt); w.raw("}")
        return w.bytes
    }

    // MARK: - Slack

    /// Slack's limits on text objects (Block Kit reference): a header's text, a section's text,
    /// a field's text; and at most ten fields in a section.
    static let headerLimit = 150
    static let sectionLimit = 3_000
    static let fieldLimit = 2_000

    /// An incoming-webhook message: a header naming the event, the summary, the facts an
    /// approver decides on, the commands to run (while pending), and the delivery id.
    static func slack(_ delivery: Ledger.Delivery, action: Action, sentAt: Timestamp) -> [UInt8] {
        let kind = agentText(action.kind, limit: 60)
        let headline = headline(delivery.event, action, sentAt: sentAt) + ": " + action.risk.rawValue + " " + kind
        var fields = [
            ("Risk", action.risk.rawValue), ("Kind", action.kind),
            ("Requester", action.requester.id + (action.requester.onBehalfOf.map { " for \($0)" } ?? "")),
            ("Environment", action.environment ?? "(none)"), ("Policy", action.policy.id),
            (action.status == .pending ? "Time left" : "Status", timeLeft(action, at: sentAt)),
        ]
        if let resource = action.resource { fields.append(("Resource", resource)) }
        if let justification = action.justification { fields.append(("Justification", justification)) }
        for decision in action.decisions.suffix(2) {
            fields.append(
                ("\(decision.verdict == .approve ? "Approved" : "Denied") by \(decision.approver)", decision.reason.isEmpty ? "(no reason)" : decision.reason))
        }

        var w = JSONWriter(capacity: 2_048)
        w.raw("{\"text\":"); w.string(escapedForMrkdwn(agentText(headline + " — " + action.summary, limit: sectionLimit)))
        w.raw(",\"blocks\":[")
        w.raw("{\"type\":\"header\",\"text\":"); plainText(&w, headline, limit: headerLimit); w.raw("}")
        w.raw(",{\"type\":\"section\",\"text\":"); plainText(&w, action.summary, limit: sectionLimit)
        w.raw(",\"fields\":")
        w.array(fields.prefix(10)) { w, field in plainText(&w, field.0 + ": " + field.1, limit: fieldLimit) }
        w.raw("}")
        if action.status == .pending {
            // The id is the server's own (act_ and base32), safe inside a code block.
            let commands =
                "tollgate approve \(action.id)\(action.reasonRequiredForApproval ? " --reason \"…\"" : "")\ntollgate deny \(action.id) --reason \"…\""
            w.raw(",{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":")
            w.string("```" + commands + "```"); w.raw("}}")
        }
        w.raw(",{\"type\":\"context\",\"elements\":[")
        plainText(&w, "tollgate · \(action.id) · delivery \(delivery.id)", limit: fieldLimit)
        w.raw("]}]}")
        return w.bytes
    }

    /// What the message's header says happened.
    static func headline(_ event: NotifierSettings.Event, _ action: Action, sentAt: Timestamp) -> String {
        switch event {
        case .pending: "Approval needed"
        case .escalation: "Expiring undecided in \(HumanDuration.short(max(0, Int(sentAt.seconds(until: action.expiresAt)))))"
        case .breakGlass: "Break-glass approval"
        case .resolved: action.status.rawValue.prefix(1).uppercased() + action.status.rawValue.dropFirst()
        }
    }

    /// "12m" left while pending, else the status it ended in.
    static func timeLeft(_ action: Action, at now: Timestamp) -> String {
        guard action.status == .pending else { return action.status.rawValue }
        let seconds = Int(now.seconds(until: action.expiresAt))
        return seconds > 0 ? HumanDuration.short(seconds) : "expiring now"
    }

    /// A `plain_text` object with emoji shortcodes left as typed.
    private static func plainText(_ w: inout JSONWriter, _ text: String, limit: Int) {
        w.raw("{\"type\":\"plain_text\",\"text\":"); w.string(agentText(text, limit: limit)); w.raw(",\"emoji\":false}")
    }

    /// Agent text as one safe line (controls, bidi overrides and invisible characters shown as
    /// placeholders), at most `limit` UTF-16 code units, never empty or blank (Slack refuses both).
    ///
    /// Counted in UTF-16 units, the most "characters" Slack could count, not in `Character`s: one
    /// emoji or flag is a single `Character` of up to dozens of units, so a cut by `Character`s
    /// left text several times over Slack's limit, and Slack refuses the whole message.
    static func agentText(_ text: String, limit: Int) -> String {
        let line = TextSanitizer.safeString(text)
        // Slack trims text before it checks it is not empty: a blank summary would lose the whole message.
        guard line.utf16.count > limit else { return line.allSatisfy(\.isWhitespace) ? "-" : line }
        var cut = ""
        var units = 1  // the "…"
        for character in line {
            units += character.utf16.count
            if units > limit { break }
            cut.append(character)
        }
        return cut + "…"
    }

    /// The three characters Slack's `mrkdwn` treats as markup (`<!channel>`, links), escaped as it documents.
    static func escapedForMrkdwn(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }
}
