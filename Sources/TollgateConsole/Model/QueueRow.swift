import TollgateCore

/// One action as the queue keeps it: what the list draws, sorts, filters and decides by, its
/// text in a single allocation.
///
/// With 10,000 pending, whole `Action`s (context, diffs, justification, in some twenty
/// allocations each) were most of the console's memory (BENCHMARKS.md, "memory"). The full
/// record stays in the local cache and is read back only for the screen that shows it (the
/// `.loadRecords` effect); a row is a fraction of that. Its strings are copied, never shared with the decoded action, so nothing pins the
/// feed thread's freed decoding buffers in memory.
struct QueueRow: Hashable, Sendable {
    let id: String
    /// The server it came from: with `id`, what identifies it.
    let server: ServerID
    let status: ActionStatus
    let risk: Risk
    let createdAt: Timestamp
    let expiresAt: Timestamp
    let requiredApprovals: Int
    /// Distinct approvers who voted approve.
    let approvalCount: Int
    /// Everyone who has voted, for "you have already decided this".
    let voters: [String]
    /// What the quorum still needs and whose approval would count, settled once per change.
    let needs: QuorumNeeds
    /// Approved alone by someone with the `breakglass` role: marked wherever the row is drawn.
    let breakGlass: Bool
    /// When a notifier's escalation window opened on it: it is about to expire undecided.
    let escalatedAt: Timestamp?
    /// The searchable fields, each followed by a line break, then the digest.
    private let text: String
    /// Where each of the seven fields of `text` ends, in UTF-8 bytes.
    private let ends: SIMD8<UInt32>
    private let present: UInt8

    /// Enough of a long command to search by; the list never shows it.
    static let searchableCommandCharacters = 512

    init(_ action: Action, server: ServerID) {
        id = Self.copy(action.id)
        self.server = server
        status = action.status
        risk = action.risk
        createdAt = action.createdAt
        expiresAt = action.expiresAt
        requiredApprovals = action.requiredApprovals
        approvalCount = action.approvalCount
        voters = action.decisions.map { Self.copy($0.approver) }
        needs = QuorumNeeds(action)
        breakGlass = action.isBreakGlass
        escalatedAt = action.escalatedAt
        let command = action.command.map { String($0.prefix(Self.searchableCommandCharacters)) }
        let optional: [String?] = [action.requester.onBehalfOf, action.environment, action.resource, command]
        var present: UInt8 = 0
        for (bit, value) in optional.enumerated() where value != nil { present |= 1 << bit }
        self.present = present
        let fields = [action.kind, action.summary, action.requester.id] + optional.map { $0 ?? "" }
        var packed = ""
        packed.reserveCapacity(fields.reduce(action.digest.utf8.count) { $0 + $1.utf8.count + 1 })
        var ends = SIMD8<UInt32>()
        for (i, value) in fields.enumerated() {
            packed += value
            ends[i] = UInt32(packed.utf8.count)
            packed += "\n"
        }
        packed += action.digest
        self.text = packed
        self.ends = ends
    }

    // MARK: - Fields

    var key: ActionKey { ActionKey(server: server, id: id) }

    var kind: String { field(0) }
    var summary: String { field(1) }
    var requesterID: String { field(2) }
    var onBehalfOf: String? { optionalField(0) }
    var environment: String? { optionalField(1) }
    var digest: String { String(text.utf8.dropFirst(Int(ends[Self.fieldCount - 1]) + 1)) ?? "" }

    /// What `/` searches: every field an approver recognises an action by, lower-cased.
    var haystack: String {
        ((String(text.utf8.prefix(Int(ends[Self.fieldCount - 1]))) ?? "") + "\n" + id).lowercased()
    }

    // MARK: - Decisions

    /// True when `principalID` asked for this action, directly or as the one it is done for.
    func isRequested(by principalID: String) -> Bool {
        Requester.names(principalID, id: requesterID, onBehalfOf: onBehalfOf)
    }

    /// True when `principalID` has voted, under any spelling (see `Identity`).
    func hasDecision(by principalID: String) -> Bool { voters.contains { Identity.same($0, principalID) } }

    /// Whether an approval must carry a reason too (a deny always does).
    var reasonRequiredForApproval: Bool { risk.requiresReasonForApproval }

    /// Why an approval by `principal` would not count towards the quorum (403 `not_eligible`
    /// on the server), or nil when it would.
    func ineligibility(of principal: Principal) -> String? { needs.refusal(for: principal) }

    // MARK: - Internals

    private static let fieldCount = 7

    private func field(_ i: Int) -> String {
        let start = i == 0 ? 0 : Int(ends[i - 1]) + 1
        let utf8 = text.utf8
        let from = utf8.index(utf8.startIndex, offsetBy: start)
        let to = utf8.index(utf8.startIndex, offsetBy: Int(ends[i]))
        return String(utf8[from..<to]) ?? ""
    }

    private func optionalField(_ bit: Int) -> String? {
        present & (1 << bit) == 0 ? nil : field(bit + 3)
    }

    /// A string in storage of its own: a copy of a decoded field would otherwise keep the
    /// whole of its allocation, made on the feed thread among freed buffers, alive.
    private static func copy(_ s: String) -> String {
        s.utf8.count <= 15 ? s : String(decoding: Array(s.utf8), as: UTF8.self)
    }
}
