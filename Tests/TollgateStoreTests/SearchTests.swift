import TollgateCore
import TollgateStore
import XCTest

/// Full-text search: what is indexed, prefixes, folding, and query text that tries to be syntax.
final class SearchTests: XCTestCase {
    private var store: HistoryStore!

    override func setUpWithError() throws {
        store = try HistoryStore.inMemory()
        try store.upsert(
            [
                Fixture.action("summary", minutes: 1, summary: "Export the customers table"),
                Fixture.action("command", minutes: 2, summary: "s", command: "pg_dump --table=invoices prod"),
                Fixture.action("resource", minutes: 3, summary: "s", resource: "postgres://prod-db/ledger"),
                Fixture.action("justification", minutes: 4, summary: "s", justification: "Quarterly résumé audit"),
                Fixture.action("context-key", minutes: 5, summary: "s", context: [ContextEntry(key: "ticketing", value: "x")]),
                Fixture.action("context-value", minutes: 6, summary: "s", context: [ContextEntry(key: "k", value: "OPS-4242")]),
                Fixture.action(
                    "reason", minutes: 7, status: .denied, summary: "s",
                    decisions: [Fixture.decision("bob", .deny, reason: "looks like exfiltration")]),
                Fixture.action("syntax", minutes: 8, summary: "near the NOT operator AND col:value said \"hi\" 🙂 ok"),
                Fixture.action("cjk", minutes: 9, summary: "東京 deploy"),
            ], server: Fixture.serverA)
    }

    func testEveryIndexedFieldIsFound() throws {
        XCTAssertEqual(try found("customers"), ["summary"])
        XCTAssertEqual(try found("invoices"), ["command"])
        XCTAssertEqual(try found("ledger"), ["resource"])
        XCTAssertEqual(try found("quarterly"), ["justification"])
        XCTAssertEqual(try found("ticketing"), ["context-key"])
        XCTAssertEqual(try found("ops-4242"), ["context-value"])
        XCTAssertEqual(try found("exfiltration"), ["reason"])
    }

    func testWordsAreAndedAndTheLastOneIsAPrefix() throws {
        XCTAssertEqual(try found("export custom"), ["summary"])
        XCTAssertEqual(try found("expo customers"), [], "only the last word is a prefix")
        XCTAssertEqual(try found("export invoices"), [])
        XCTAssertEqual(try found("l"), ["reason", "resource"], "looks, like, ledger")
    }

    func testCaseAndDiacriticsAreFolded() throws {
        XCTAssertEqual(try found("RESUME"), ["justification"])
        XCTAssertEqual(try found("Résumé"), ["justification"])
        XCTAssertEqual(try found("EXPORT"), ["summary"])
    }

    func testPunctuationInsideAWordMeansAdjacentTokens() throws {
        XCTAssertEqual(try found("prod-db"), ["resource"])
        XCTAssertEqual(try found("postgres://prod-db/ledger"), ["resource"])
        XCTAssertEqual(try found("db-prod"), [])
    }

    func testEmptyOrPunctuationOnlyTextIsNoFilter() throws {
        let everything = try store.count(HistoryQuery())
        for text in ["", "   ", "\t\n", "-", "*", "\"", "()", "- * ^ :"] {
            XCTAssertEqual(try store.count(HistoryQuery(text: text)), everything, text.debugDescription)
        }
    }

    func testSyntaxInTheQueryIsSearchedForLiterally() throws {
        XCTAssertEqual(try found("NEAR("), ["syntax"], "NEAR( is the word near")
        XCTAssertEqual(try found("NOT operator"), ["syntax"], "NOT is the word not")
        XCTAssertEqual(try found("customers OR invoices"), [], "OR is the word or, not a union")
        XCTAssertEqual(try found("col:value"), ["syntax"], "no column filter")
        XCTAssertEqual(try found("summary:customers"), [], "no column filter")
        XCTAssertEqual(try found("^export"), ["summary"], "no initial-token anchor")
        XCTAssertEqual(try found("\"hi\""), ["syntax"])
        XCTAssertEqual(try found("\"said hi"), ["syntax"])
        XCTAssertEqual(try found("-customers"), ["summary"], "no negation")
        XCTAssertEqual(try found("東京"), ["cjk"])
        XCTAssertEqual(try found("🙂 ok"), ["syntax"], "an emoji is no word, so it is dropped")
    }

    func testHostileTextNeverFails() throws {
        let hostile = [
            "\"", "\"\"", "\"\"\"", "'", "NEAR(", "NEAR(a b, 3)", "a NEAR b", "*", "**", "a*b", "-", "--x", "+",
            "AND", "OR", "NOT", "a AND", "OR b", "(", ")", "((a)", "{a b}", "a:b", ":", "^", "^^a", "\\", "%_",
            "\u{0}", "a\u{0}b", "\u{1B}[31m", "\"\u{301}", "\u{301}", "\u{200B}", "\u{FEFF}x", "🙂", "👩‍👩‍👧", "ǅ",
            "'; DROP TABLE action; --", String(repeating: "a ", count: 5_000), String(repeating: "\"", count: 1_000),
            String(repeating: "x", count: 10_000) + "*",
        ]
        for text in hostile {
            XCTAssertNoThrow(try store.page(HistoryQuery(text: text), limit: 5, cursor: nil), text.debugDescription)
            XCTAssertNoThrow(try store.count(HistoryQuery(text: text)), text.debugDescription)
        }
        XCTAssertEqual(try store.integrityCheck(), "ok")
        XCTAssertEqual(try store.count(HistoryQuery()), 9)
    }

    func testSearchCombinesWithFiltersAndPages() throws {
        try store.upsert(
            (0..<25).map {
                Fixture.action("bulk-\($0)", minutes: 100 + Int64($0), risk: $0 % 2 == 0 ? .high : .low, summary: "rotate key \($0)")
            }, server: Fixture.serverB)
        let query = HistoryQuery(text: "rotate", risks: [.high], server: Fixture.serverB)
        let listed = Fixture.ids(try Fixture.allPages(store, query, limit: 4))
        XCTAssertEqual(listed, stride(from: 24, through: 0, by: -2).map { "bulk-\($0)" })
        XCTAssertEqual(try store.count(query), 13)
        XCTAssertEqual(try store.count(HistoryQuery(text: "rotate", server: Fixture.serverA)), 0)
    }

    func testSearchWithinATimeRange() throws {
        let query = HistoryQuery(text: "s", since: Fixture.t0.adding(seconds: 3 * 60), until: Fixture.t0.adding(seconds: 6 * 60))
        XCTAssertEqual(Fixture.ids(try Fixture.allPages(store, query, limit: 2)), ["context-key", "justification", "resource"])
    }

    // MARK: - Long prefixes

    func testLongPrefixFindsTermsThatArrivedWithAnUpdate() throws {
        let pending = Fixture.action("late", minutes: 20, summary: "s")
        var denied = pending
        denied.status = .denied
        denied.decisions = [Fixture.decision("bob", .deny, reason: "Zebrafish-Überprüfung pending")]
        try store.upsert([pending], server: Fixture.serverA)
        XCTAssertEqual(try found("zebraf"), [])
        try store.upsert([denied], server: Fixture.serverA)
        XCTAssertEqual(try found("zebraf"), ["late"])
        XCTAssertEqual(try found("zebrafish-uberp"), ["late"], "the term was folded by the tokenizer, not by us")
        XCTAssertEqual(try found("ZEBRAFISH"), ["late"])
    }

    func testLongPrefixSharedByMoreTermsThanAnOrHoldsFindsThemAll() throws {
        let many = (0..<100).map { Fixture.action("t\($0)", minutes: 30 + Int64($0), summary: "tokenization\($0)") }
        try store.upsert(many, server: Fixture.serverB)
        XCTAssertEqual(try store.count(HistoryQuery(text: "tokeniz")), 100)
        XCTAssertEqual(try store.count(HistoryQuery(text: "tokenization4")), 11)
        XCTAssertEqual(
            Fixture.ids(try Fixture.allPages(store, HistoryQuery(text: "tokenization9"), limit: 4)),
            (90...99).reversed().map { "t\($0)" } + ["t9"])
    }

    func testLongPrefixWithNoTermIsNoMatch() throws {
        XCTAssertEqual(try found("qwertyuiop"), [])
        XCTAssertEqual(try found("export qwerty"), [])
    }

    private func found(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        try Fixture.ids(Fixture.allPages(store, HistoryQuery(text: text), limit: 3, file: file, line: line)).sorted()
    }
}
