import Foundation
import TollgateClient
import TollgateCore
import XCTest

@testable import TollgateConsole

/// Fixed times and actions, so frames are the same on every run.
enum Fixture {
    static let now = Timestamp(milliseconds: 1_795_000_000_000)  // 2026-11-18T11:06:40Z
    static let me = Principal(id: "carol@example.com", roles: [.approver])

    static func action(
        _ id: String, risk: Risk = .medium, kind: String = "data.export", summary: String? = nil,
        requester: String = "etl-bot", onBehalfOf: String? = "alice@example.com", environment: String? = "production",
        createdSecondsAgo: Double = 120, expiresIn: Double = 600, required: Int = 1,
        decisions: [Decision] = [], diffs: [ActionDiff] = [], context: [ContextEntry]? = nil,
        command: String? = "pg_dump --table=customers prod | gzip > /exports/customers.sql.gz"
    ) -> Action {
        Action(
            id: id, createdAt: now.adding(seconds: -createdSecondsAgo), expiresAt: now.adding(seconds: expiresIn),
            requester: Requester(id: requester, kind: .agent, onBehalfOf: onBehalfOf, session: "run-7781"),
            kind: kind, summary: summary ?? "Export customers table (\(id))", command: command,
            resource: "postgres://prod-db/customers", environment: environment, risk: risk,
            policy: Policy(id: "prod-data-export", reason: "Exports from production need a human"),
            justification: "Quarterly churn analysis requested in TICKET-4411.",
            context: context ?? [ContextEntry(key: "rows", value: "1204332"), ContextEntry(key: "destination", value: "s3://analytics-exports/q4/")],
            diffs: diffs, requiredApprovals: required, decisions: decisions, redactions: 1,
            digest: "sha256:" + String(repeating: "ab", count: 32)
        )
    }

    static let diffText = """
        diff --git a/schema.sql b/schema.sql
        index 83db48f..bf269f4 100644
        --- a/schema.sql
        +++ b/schema.sql
        @@ -1,5 +1,6 @@ CREATE TABLE customers
         CREATE TABLE customers (
           id bigint primary key,
        -  email text,
        +  email text not null,
        +  region text,
           created_at timestamptz
         );
        @@ -20,3 +21,3 @@ GRANT
        -GRANT SELECT ON customers TO analyst;
        +GRANT SELECT ON customers TO exporter;
         -- end
        diff --git a/policy.json b/policy.json
        --- a/policy.json
        +++ b/policy.json
        @@ -1 +1 @@
        -{"allow": false}
        +{"allow": true}
        """

    /// A connected, live console that knows who it is, with `actions` in the queue.
    static func model(_ actions: [Action] = [], width: Int = 120, height: Int = 40, asciiOnly: Bool = false) -> TestConsole {
        var model = TestConsole(ConsoleModel(now: now, size: Size(width: width, height: height), server: "https://tollgate.example.com", asciiOnly: asciiOnly))
        _ = model.update(.identity(me, from: .first))
        _ = model.update(.feed(.state(.live), from: .first))
        for action in actions { model.receive(action, seq: nil) }
        _ = model.update(.feed(.event(.sync(seq: 1, pending: actions.count)), from: .first))
        return model
    }

    static func queue(_ count: Int) -> [Action] {
        let risks: [Risk] = [.low, .medium, .high, .critical]
        return (0..<count).map { (i: Int) -> Action in
            let id = "act-" + String(10_000 + i).dropFirst()
            let created = Double(30 * i + 5)
            let expires = Double(300 + 37 * i)
            return action(id, risk: risks[i % 4], summary: "Request number \(i)", createdSecondsAgo: created, expiresIn: expires)
        }
    }
}

/// The console's archive in tests: the full records the feed delivered, as the cache holds them.
final class MemoryArchive: @unchecked Sendable {
    // @unchecked: `records` and `failure` are only touched under `lock`.
    private let lock = NSLock()
    private var stored: [ActionKey: Action] = [:]
    private var failure: String?

    func store(_ action: Action, server: ServerID = .first) {
        lock.lock()
        stored[ActionKey(server: server, id: action.id)] = action
        lock.unlock()
    }

    /// Every read fails with `problem` from now on (nil: reads work again).
    func failReads(_ problem: String?) {
        lock.lock()
        failure = problem
        lock.unlock()
    }

    func action(_ key: ActionKey) -> Action? {
        lock.lock()
        defer { lock.unlock() }
        return stored[key]
    }

    /// The answer of the first server's cache (or of `keys`' one server), as the wiring gives it.
    func records(_ keys: [ActionKey]) -> Message {
        lock.lock()
        defer { lock.unlock() }
        let server = keys.first?.server ?? .first
        let ids = keys.map(\.id)
        if let failure { return .records(found: [], missing: ids, problem: failure, from: server) }
        return .records(found: keys.compactMap { stored[$0] }, missing: keys.filter { stored[$0] == nil }.map(\.id), problem: nil, from: server)
    }
}

/// The console as its main loop runs it, for tests: the model, and an archive that answers
/// `.loadRecords` at once, as the loop does. Properties read and write through to the model.
@dynamicMemberLookup
struct TestConsole {
    var model: ConsoleModel
    let archive = MemoryArchive()
    /// Whether `.loadRecords` is answered (off: the effect is returned, for tests of the asking).
    var answersRecords = true

    init(_ model: ConsoleModel) { self.model = model }

    subscript<T>(dynamicMember path: WritableKeyPath<ConsoleModel, T>) -> T {
        get { model[keyPath: path] }
        set { model[keyPath: path] = newValue }
    }

    subscript<T>(dynamicMember path: KeyPath<ConsoleModel, T>) -> T { model[keyPath: path] }

    /// Applies `message`, answers `.loadRecords` from the archive, and returns the other effects.
    @discardableResult
    mutating func update(_ message: Message) -> [Effect] {
        var effects: [Effect] = []
        for effect in model.update(message) {
            if answersRecords, case .loadRecords(let keys) = effect {
                // One answer per server, as the wiring gives them.
                for server in Set(keys.map(\.server)).sorted() { effects += update(archive.records(keys.filter { $0.server == server })) }
            } else {
                effects.append(effect)
            }
        }
        return effects
    }

    /// A feed event as the console gets it: its services keep the record, then the model sees it.
    @discardableResult
    mutating func receive(_ action: Action, seq: Int64?, from server: ServerID = .first) -> [Effect] {
        archive.store(action, server: server)
        return update(.feed(.event(.action(action, seq: seq)), from: server))
    }

    /// Sends keys one by one and collects every effect.
    @discardableResult
    mutating func press(_ keys: Key...) -> [Effect] {
        keys.flatMap { update(.key($0)) }
    }

    /// Types text into whatever has the keyboard.
    @discardableResult
    mutating func type(_ text: String) -> [Effect] {
        text.flatMap { update(.key(.char($0))) }
    }

    func isAvailable(_ command: Command) -> Bool { model.isAvailable(command) }

    /// The full record of `id` as the console's archive holds it.
    func queueAction(_ key: ActionKey) -> Action? { archive.action(key) }

    func frame() -> Frame { ConsoleView.view(model, size: model.size) }
    var screenText: String { frame().plainText }
}

// MARK: - Golden files

enum Snapshot {
    /// A console of `actions` at each of `sizes`, changed by `body`: each frame checked and
    /// compared with the golden file `name-WxH`.
    static func each(
        _ actions: [Action], sizes: [(Int, Int)], _ body: (inout TestConsole) -> Void, named name: String, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        for (w, h) in sizes {
            var model = Fixture.model(actions, width: w, height: h)
            body(&model)
            let frame = model.frame()
            FrameCheck.assertWellFormed(frame, file: file, line: line)
            assert(frame, named: "\(name)-\(w)x\(h)", file: file, line: line)
        }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    /// The frame's text, then its roles: what a golden file holds; with a theme, what each
    /// role looks like without colour too (monochrome terminals, NO_COLOR).
    static func render(_ frame: Frame, monochrome theme: Theme? = nil) -> String {
        var out = frame.plainText + "--- roles ---\n" + frame.styleMarkup
        guard let theme else { return out }
        out += "--- without colour (\(theme.name)) ---\n"
        for y in 0..<frame.height {
            var runs: [String] = []
            var x = 0
            while x < frame.width {
                let attributes = theme[frame[x, y].role].monochrome
                var end = x + 1
                while end < frame.width, theme[frame[end, y].role].monochrome == attributes { end += 1 }
                if !attributes.isEmpty { runs.append("\(x)+\(end - x) " + attributes.names.joined(separator: ",")) }
                x = end
            }
            if !runs.isEmpty { out += "\(y): " + runs.joined(separator: ", ") + "\n" }
        }
        return out
    }

    /// A theme shipped in `themes/`.
    static func shippedTheme(_ name: String) throws -> Theme {
        let url = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("themes/\(name).toml")
        return try ThemeFile.parse(text: String(contentsOf: url, encoding: .utf8), file: url.path)
    }

    /// Compares with `Snapshots/NAME.txt`; `RECORD_SNAPSHOTS=1` writes the file instead.
    static func assert(_ frame: Frame, named name: String, monochrome theme: Theme? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let url = directory.appendingPathComponent(name + ".txt")
        let actual = render(frame, monochrome: theme)
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            XCTAssertNoThrow(try actual.write(to: url, atomically: true, encoding: .utf8), file: file, line: line)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            XCTFail("no snapshot \(name).txt; run with RECORD_SNAPSHOTS=1 and review it", file: file, line: line)
            return
        }
        if expected != actual {
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
            let want = first < e.count ? String(e[first]) : "<end>"
            let got = first < a.count ? String(a[first]) : "<end>"
            XCTFail("snapshot \(name) differs at line \(first + 1):\n  expected: \(want)\n  actual:   \(got)", file: file, line: line)
        }
    }
}

// MARK: - Frame checks

enum FrameCheck {
    /// Characters that must never reach a terminal from agent text.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x200E || v == 0x200F || v == 0x061C
    }

    /// Every cell is safe text, and every continuation cell follows a wide glyph.
    static func assertWellFormed(_ frame: Frame, file: StaticString = #filePath, line: UInt = #line) {
        for y in 0..<frame.height {
            for x in 0..<frame.width {
                let cell = frame[x, y]
                if let bad = cell.text.unicodeScalars.first(where: isUnsafe) {
                    XCTFail("unsafe U+\(String(bad.value, radix: 16)) at \(x),\(y)", file: file, line: line)
                    return
                }
                if cell.isContinuation {
                    XCTAssertTrue(
                        x > 0 && !frame[x - 1, y].isContinuation && DisplayWidth.of(frame[x - 1, y].text) == 2,
                        "orphan continuation at \(x),\(y)", file: file, line: line)
                } else if DisplayWidth.of(cell.text) == 2 {
                    XCTAssertTrue(
                        x + 1 < frame.width && frame[x + 1, y].isContinuation,
                        "wide glyph without its second cell at \(x),\(y)", file: file, line: line)
                } else {
                    XCTAssertEqual(DisplayWidth.of(cell.text), 1, "cell \(x),\(y) is \(cell.text.debugDescription)", file: file, line: line)
                }
            }
        }
    }
}

// MARK: - One server, as most tests have it

/// An action of the first server, written as its id: most tests follow one server.
extension ActionKey: ExpressibleByStringLiteral {
    public init(stringLiteral id: String) { self.init(server: .first, id: id) }
}

extension ConsoleModel {
    /// A console of one server, named after its URL, or offline when `server` is nil.
    init(now: Timestamp, size: Size, server: String?, asciiOnly: Bool = false, alerts: AlertSettings = AlertSettings(), titleEnabled: Bool = false) {
        self.init(
            now: now, size: size, servers: server.map { [ServerState(name: $0, url: $0)] } ?? [], asciiOnly: asciiOnly,
            alerts: alerts, titleEnabled: titleEnabled)
    }
}

extension QueueRow {
    /// The row of an action of the first server.
    init(_ action: Action) { self.init(action, server: .first) }
}

extension HistoryItem {
    /// An action of the first server's history.
    init(_ action: Action) { self.init(server: .first, serverName: "https://tollgate.example.com", action: action) }
}
