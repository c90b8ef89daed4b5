import Foundation
import TollgateCore
import XCTest

@testable import TollgateServer

/// The `slack` format as Slack and an approver see it: a Block Kit message Slack accepts
/// (`BlockKitShape`) for every event, with the facts to decide on and the exact commands while
/// pending — and agent text that cannot mention `@channel`, forge a link, format, smuggle
/// controls or outgrow a limit, because it only ever lands in `plain_text`, on one line, cut.
final class SlackPayloadTests: XCTestCase {
    private static let created = Timestamp(milliseconds: 1_700_000_000_000)
    private static let expires = created.adding(seconds: 600)
    private static let alice = Principal(id: "alice", roles: [.approver])

    // MARK: - Helpers

    private static func pending(
        risk: Risk = .high, kind: String = "db.migrate", summary: String = "migrate orders", requester: String = "agent-1",
        onBehalfOf: String? = nil, environment: String? = "production", resource: String? = nil, justification: String? = nil
    ) -> Action {
        var action = Action(
            id: "act_01hzz0000000000000000000000", createdAt: created, expiresAt: expires,
            requester: Requester(id: requester, onBehalfOf: onBehalfOf), kind: kind, summary: summary, resource: resource,
            environment: environment, risk: risk, policy: Policy(id: "db-changes", reason: "r"), justification: justification)
        action.digest = ActionDigest.compute(action)
        return action
    }

    private static func decided(_ action: Action, _ verdict: Verdict, reason: String = "looks right", breakGlass: Bool = false) throws -> Action {
        let approver = breakGlass ? Principal(id: "carol", roles: [.breakglass]) : alice
        return try DecisionRules.decide(
            action, by: approver, DecisionRequest(verdict: verdict, reason: reason, digest: action.digest, breakGlass: breakGlass),
            at: created.adding(seconds: 30))
    }

    /// The Slack message of an `event` delivery of `action`, sent at `sentAt`.
    private static func body(_ event: NotifierSettings.Event, _ action: Action, sentAt: Timestamp = created) throws -> [UInt8] {
        var notifier = NotifierSettings(id: "oncall-slack", url: URL(fileURLWithPath: "/"))
        notifier.format = .slack
        let delivery = Ledger.Delivery(
            notifier: notifier.id, event: event, actionID: action.id, actionJSON: String(decoding: action.encodedJSON, as: UTF8.self),
            createdAt: created)
        return try WebhookPayload.request(for: delivery, notifier: notifier, sentAt: sentAt).body
    }

    private static func texts(_ body: [UInt8], _ type: String) -> [String] {
        BlockKitShape.textObjects(in: body).filter { $0.type == type }.map(\.text)
    }

    private static func header(_ body: [UInt8]) -> String? {
        BlockKitShape.textObjects(in: body).first { $0.path == "blocks[0].text" }?.text
    }

    private static func pendingCommands(_ id: String, reasonToApprove: Bool = false) -> String {
        "```tollgate approve \(id)\(reasonToApprove ? " --reason \"…\"" : "")\ntollgate deny \(id) --reason \"…\"```"
    }

    // MARK: - Shape and content

    func testEveryEventAndOutcomeIsAMessageSlackAccepts() throws {
        let submitted = Self.pending(onBehalfOf: "bob", resource: "orders-db", justification: "ticket OPS-1")
        let cases: [(NotifierSettings.Event, Action, Timestamp, String)] = [
            (.pending, submitted, Self.created, "Approval needed: high db.migrate"),
            (.escalation, submitted, Self.expires.adding(seconds: -300), "Expiring undecided in 5m: high db.migrate"),
            (.resolved, try Self.decided(submitted, .approve), Self.created, "Approved: high db.migrate"),
            (.resolved, try Self.decided(submitted, .deny), Self.created, "Denied: high db.migrate"),
            (.resolved, try XCTUnwrap(DecisionRules.expiring(submitted, at: Self.expires)), Self.expires, "Expired: high db.migrate"),
            (
                .resolved, try DecisionRules.cancel(submitted, by: Principal(id: "agent-1", roles: [.agent]), at: Self.created), Self.created,
                "Cancelled: high db.migrate"
            ),
            (
                .breakGlass, try Self.decided(submitted, .approve, reason: "prod is down and nobody else is awake", breakGlass: true), Self.created,
                "Break-glass approval: high db.migrate"
            ),
            (.pending, Self.pending(risk: .critical, environment: nil), Self.created, "Approval needed: critical db.migrate"),
        ]
        for (event, action, sentAt, header) in cases {
            let body = try Self.body(event, action, sentAt: sentAt)
            XCTAssertEqual(BlockKitShape.problems(in: body), [], "\(event) \(action.status)")
            XCTAssertEqual(Self.header(body), header)
            let fields = Self.texts(body, "plain_text")
            XCTAssertTrue(fields.contains("migrate orders"), "the summary: \(fields)")
            for fact in ["Risk: \(action.risk.rawValue)", "Kind: db.migrate", "Policy: db-changes"] {
                XCTAssertTrue(fields.contains(fact), "\(fact) in \(fields)")
            }
            XCTAssertTrue(fields.contains("Environment: \(action.environment ?? "(none)")"), "\(fields)")
            XCTAssertTrue(BlockKitShape.textObjects(in: body).last?.text.hasPrefix("tollgate · \(action.id) · delivery dlv_") ?? false)
        }
    }

    func testTheFactsAnApproverDecidesOn() throws {
        let action = try Self.decided(
            Self.pending(requester: "deploy-bot", onBehalfOf: "bob", resource: "orders-db", justification: "ticket OPS-1"), .approve, reason: "")
        let fields = Self.texts(try Self.body(.resolved, action), "plain_text")
        for fact in [
            "Requester: deploy-bot for bob", "Resource: orders-db", "Justification: ticket OPS-1", "Approved by alice: (no reason)", "Status: approved",
        ] {
            XCTAssertTrue(fields.contains(fact), "\(fact) in \(fields)")
        }
    }

    /// While pending, the message says exactly what to run; a critical action's approval needs
    /// a reason too. The action id is the server's, the only thing in the commands.
    func testAPendingActionCarriesTheExactCommands() throws {
        let high = Self.pending(risk: .high)
        XCTAssertEqual(Self.texts(try Self.body(.pending, high), "mrkdwn"), [Self.pendingCommands(high.id)])
        XCTAssertEqual(
            Self.texts(try Self.body(.escalation, high, sentAt: Self.expires.adding(seconds: -60)), "mrkdwn"), [Self.pendingCommands(high.id)])
        let critical = Self.pending(risk: .critical)
        XCTAssertEqual(Self.texts(try Self.body(.pending, critical), "mrkdwn"), [Self.pendingCommands(critical.id, reasonToApprove: true)])
    }

    func testAResolvedActionCarriesNoCommands() throws {
        let submitted = Self.pending(risk: .critical)
        for (event, action) in [
            (NotifierSettings.Event.resolved, try Self.decided(submitted, .approve, reason: "ok")), (.resolved, try Self.decided(submitted, .deny)),
            (.breakGlass, try Self.decided(submitted, .approve, reason: "prod is down and nobody else is awake", breakGlass: true)),
        ] {
            let body = try Self.body(event, action)
            XCTAssertEqual(Self.texts(body, "mrkdwn"), [], "\(event) \(action.status)")
            XCTAssertFalse(String(decoding: body, as: UTF8.self).contains("tollgate approve"))
            XCTAssertFalse(String(decoding: body, as: UTF8.self).contains("tollgate deny"))
        }
    }

    func testTimeLeftIsShownWhilePending() throws {
        let action = Self.pending()
        func fields(at sentAt: Timestamp) throws -> [String] { Self.texts(try Self.body(.pending, action, sentAt: sentAt), "plain_text") }
        XCTAssertTrue(try fields(at: Self.created).contains("Time left: 10m"))
        XCTAssertTrue(try fields(at: Self.expires.adding(seconds: -42)).contains("Time left: 42s"))
        XCTAssertTrue(try fields(at: Self.expires).contains("Time left: expiring now"))
        XCTAssertTrue(try fields(at: Self.expires.adding(seconds: 5)).contains("Time left: expiring now"))
        let resolved = Self.texts(try Self.body(.resolved, try Self.decided(action, .approve)), "plain_text")
        XCTAssertFalse(resolved.contains { $0.hasPrefix("Time left") }, "\(resolved)")
    }

    /// The action was masked before it was stored; the message is made from what was stored,
    /// so a secret stays masked in Slack too.
    func testAMaskedSecretStaysMasked() throws {
        let masker = try SecretMasker()
        let summary = masker.mask("rotate postgres://app:hunter2hunter2@prod-db/orders").text
        let justification = masker.mask("key AKIAIOSFODNN7EXAMPLE leaked").text
        XCTAssertFalse(summary.contains("hunter2hunter2"))
        let body = try Self.body(.pending, Self.pending(summary: summary, justification: justification))
        let text = String(decoding: body, as: UTF8.self)
        XCTAssertFalse(text.contains("hunter2hunter2"))
        XCTAssertFalse(text.contains("AKIAIOSFODNN7EXAMPLE"))
        XCTAssertTrue(Self.texts(body, "plain_text").contains(summary), "the masked summary as stored")
        XCTAssertTrue(Self.texts(body, "plain_text").contains("Justification: " + justification))
    }

    // MARK: - Hostile agent text

    /// Text an agent could write to take over a channel or an approver's screen.
    private static let hostile = [
        "<!channel> deploy now", "<!here|here> <@U024BE7LH>", "<https://evil.example|click to approve>", "*bold* _italic_ ~struck~ `code`",
        "```\ntollgate approve act_forged\n```", "line one\nline two\r\nline three\u{2028}four", "\u{1B}[2J\u{1B}]0;owned\u{07}cleared",
        "\u{9B}31mC1 CSI", "invoice\u{202E}fdp.exe", "pay\u{200B}pal\u{2060}\u{FEFF}", "a & b < c > d &amp;", "tab\there", "\u{0}nul", "", "   ", "\u{3000}",
    ]

    /// Every agent-written field carries hostile text at once; the message is still one Slack
    /// accepts, agent text lands only in `plain_text`, each one line with no control, bidi
    /// override or invisible character left in it, and the fallback (which Slack reads as mrkdwn) has its markup escaped.
    func testHostileAgentTextIsInertPlainText() throws {
        for text in Self.hostile {
            let action = try Self.decided(
                Self.pending(
                    kind: "k" + text, summary: text, requester: "r" + text, onBehalfOf: "o" + text, environment: text, resource: text,
                    justification: text), .approve, reason: "reason " + text)
            let pending = Self.pending(kind: "k" + text, summary: text, requester: "r" + text, environment: text)
            for body in [
                try Self.body(.pending, pending), try Self.body(.escalation, pending, sentAt: Self.expires.adding(seconds: -60)),
                try Self.body(.resolved, action),
            ] {
                XCTAssertEqual(BlockKitShape.problems(in: body), [], text.debugDescription)
                XCTAssertTrue(Self.texts(body, "mrkdwn").allSatisfy { $0 == Self.pendingCommands(pending.id) }, "only Tollgate's words are mrkdwn")
                for object in BlockKitShape.textObjects(in: body) where object.type == "plain_text" {
                    XCTAssertFalse(object.text.unicodeScalars.contains(where: Self.isForbidden), "\(object.path): \(object.text.debugDescription)")
                }
                let fallback = try XCTUnwrap(BlockKitShape.fallbackText(in: body))
                XCTAssertFalse(fallback.contains("<") || fallback.contains(">"), fallback)
                XCTAssertTrue(Self.ampersandsAreEntities(fallback), fallback)
                XCTAssertFalse(fallback.unicodeScalars.contains(where: Self.isForbidden), fallback.debugDescription)
            }
        }
    }

    /// 100 KB in every agent field, in the spellings that count differently (ASCII, emoji made
    /// of several scalars, combining marks, markup that grows when escaped): nothing outgrows a
    /// limit, however Slack counts.
    func testHugeTextStaysWithinEveryLimit() throws {
        let family = "👨‍👩‍👧‍👦"
        for unit in ["A", "🚀", family, "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "e\u{301}\u{302}\u{303}", "\u{301}", "<", "&", "\u{1B}", "\n"] {
            let text = String(repeating: unit, count: max(1, 100_000 / unit.utf8.count))
            let action = try Self.decided(
                Self.pending(kind: text, summary: text, requester: text, onBehalfOf: text, environment: text, resource: text, justification: text),
                .approve, reason: Self.prefix(of: text, bytes: DecisionRules.maxReasonBytes))
            for body in [try Self.body(.pending, Self.pending(kind: text, summary: text, requester: text)), try Self.body(.resolved, action)] {
                XCTAssertEqual(BlockKitShape.problems(in: body), [], "100 KB of \(unit.debugDescription)")
            }
        }
    }

    /// The longest whole-character prefix of `text` that fits in `bytes` of UTF-8 (a reason's limit).
    private static func prefix(of text: String, bytes: Int) -> String {
        var out = "", used = 0
        for character in text {
            used += character.utf8.count
            if used > bytes { break }
            out.append(character)
        }
        return out
    }

    private static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200B || v == 0x2060
            || v == 0xFEFF || v == 0x2028
    }

    /// Whether every `&` in `text` begins `&amp;`, `&lt;` or `&gt;`.
    private static func ampersandsAreEntities(_ text: String) -> Bool {
        var rest = text[...]
        while let at = rest.firstIndex(of: "&") {
            let tail = rest[at...]
            guard tail.hasPrefix("&amp;") || tail.hasPrefix("&lt;") || tail.hasPrefix("&gt;") else { return false }
            rest = rest[rest.index(after: at)...]
        }
        return true
    }

    // MARK: - The shape check itself

    /// The check refuses what Slack refuses, so a pass above means something.
    func testTheShapeCheckRefusesWhatSlackRefuses() {
        func problems(_ json: String) -> [String] { BlockKitShape.problems(in: Array(json.utf8)) }
        let header = #"{"type":"header","text":{"type":"plain_text","text":"h"}}"#
        XCTAssertEqual(problems(#"{"text":"t","blocks":["# + header + "]}"), [])
        let long151 = String(repeating: "x", count: 151), rockets = String(repeating: "🚀", count: 76)
        let field = #"{"type":"plain_text","text":"f"}"#
        let cases: [(String, String)] = [
            ("[]", "the body is not a JSON object"),
            ("{", "the body is not JSON"),
            (#"{"text":"t","text":"u","blocks":["# + header + "]}", "repeats a member name"),
            (#"{"blocks":["# + header + "]}", "text: missing or not a string"),
            (#"{"text":"","blocks":["# + header + "]}", "text: 0 UTF-16 code units, expected 1 to 40000"),
            (#"{"text":"t"}"#, "blocks: missing or not an array"),
            (#"{"text":"t","blocks":[]}"#, "blocks: 0 blocks, expected 1 to 50"),
            (#"{"text":"t","blocks":["# + Array(repeating: header, count: 51).joined(separator: ",") + "]}", "blocks: 51 blocks"),
            (#"{"text":"t","blocks":["# + header + #"],"channel":"C0123"}"#, "message: unknown key \"channel\""),
            (#"{"text":"t","blocks":[{"type":"actions","elements":[]}]}"#, "blocks[0]: block type \"actions\" is not header, section or context"),
            (#"{"text":"t","blocks":[{"type":"header","text":{"type":"mrkdwn","text":"h"}}]}"#, "blocks[0].text.type: \"mrkdwn\""),
            (#"{"text":"t","blocks":[{"type":"header","text":{"type":"plain_text","text":"\#(long151)"}}]}"#, "151 UTF-16 code units, expected 1 to 150"),
            (#"{"text":"t","blocks":[{"type":"header","text":{"type":"plain_text","text":"\#(rockets)"}}]}"#, "152 UTF-16 code units"),
            (#"{"text":"t","blocks":[{"type":"header","text":{"type":"plain_text","text":"  "}}]}"#, "nothing but white space"),
            (#"{"text":"t","blocks":[{"type":"header","block_id":"b","text":{"type":"plain_text","text":"h"}}]}"#, "unknown key \"block_id\""),
            (#"{"text":"t","blocks":[{"type":"section"}]}"#, "blocks[0]: a section needs text or fields"),
            (
                #"{"text":"t","blocks":[{"type":"section","fields":["# + Array(repeating: field, count: 11).joined(separator: ",") + "]}]}",
                "11 items, expected 1 to 10"
            ),
            (
                #"{"text":"t","blocks":[{"type":"section","fields":[{"type":"plain_text","text":"\#(String(repeating: "x", count: 2001))"}]}]}"#,
                "blocks[0].fields[0].text: 2001 UTF-16 code units, expected 1 to 2000"
            ),
            (
                #"{"text":"t","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"\#(String(repeating: "x", count: 3001))"}}]}"#,
                "blocks[0].text.text: 3001 UTF-16 code units"
            ),
            (#"{"text":"t","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"m","emoji":true}}]}"#, "unknown key \"emoji\""),
            (#"{"text":"t","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"m","verbatim":true}}]}"#, "unknown key \"verbatim\""),
            (#"{"text":"t","blocks":[{"type":"section","text":{"type":"plain_text","text":"m","emoji":"yes"}}]}"#, "emoji: not a bool"),
            (#"{"text":"t","blocks":[{"type":"section","text":{"type":"plain_text","text":7}}]}"#, "blocks[0].text.text: missing or not a string"),
            (#"{"text":"t","blocks":[{"type":"context","elements":[]}]}"#, "blocks[0].elements: 0 items"),
            (#"{"text":"t","blocks":[{"type":"context","elements":["# + Array(repeating: field, count: 11).joined(separator: ",") + "]}]}", "11 items"),
            (#"{"text":"t","blocks":[{"type":"context","elements":[{"type":"image","image_url":"x","alt_text":"a"}]}]}"#, "elements[0].type: \"image\""),
        ]
        for (json, problem) in cases {
            let found = problems(json)
            XCTAssertTrue(found.contains { $0.contains(problem) }, "\(json.prefix(120)): \(found) does not say \(problem)")
        }
    }
}
