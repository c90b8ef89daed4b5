import TollgateCore
import XCTest

/// Glob patterns: what they match, what they refuse, and that no pattern makes matching slow.
final class GlobPatternTests: XCTestCase {
    func testMatchingTable() throws {
        let cases: [(pattern: String, subject: String, matches: Bool)] = [
            ("*", "", true), ("*", "anything at all", true), ("**", "", true),
            ("abc", "abc", true), ("abc", "abcd", false), ("abc", "ab", false), ("abc", "", false),
            ("a*", "a", true), ("a*", "abc", true), ("a*", "ba", false),
            ("*c", "abc", true), ("*c", "cb", false),
            ("a?c", "abc", true), ("a?c", "ac", false), ("a?c", "abbc", false), ("?", "", false),
            ("?", "é", true), ("?", "e\u{301}", false),  // a scalar, not a grapheme: e + combining accent is two
            ("a*b*c", "axxbyyc", true), ("a*b*c", "acb", false), ("a*b*c", "abc", true),
            ("ab*ba", "aba", false), ("ab*ba", "abba", true), ("a*a", "a", false), ("a*a", "aa", true),
            ("*ab*ab*", "abab", true), ("*ab*ab*", "aba", false), ("*aab*", "aaab", true), ("*aab*", "abaab", true),
            ("*a?c*", "xxabcxx", true), ("*a?c*", "xxacxx", false), ("*??*", "a", false), ("*??*", "ab", true),
            ("infra.*", "infra.restart", true), ("infra.*", "infrastructure", false), ("iam.*", "iam", false),
            ("*-bot", "deploy-bot", true), ("*-bot", "deploy-bots", false), ("agent:*", "agent:ci", true),
            ("*é*", "café", true), ("caf?", "café", true),
        ]
        for c in cases {
            let pattern = try GlobPattern(c.pattern)
            XCTAssertEqual(pattern.matches(c.subject), c.matches, "\(c.pattern) against \(c.subject.debugDescription)")
        }
    }

    /// Every pattern over {a, b, *, ?} up to five characters against every subject over {a, b}
    /// up to six, compared with the textbook dynamic programme.
    func testAgreesWithTheDynamicProgrammeExhaustively() throws {
        let patterns = Self.words(over: ["a", "b", "*", "?"], upTo: 5)
        let subjects = Self.words(over: ["a", "b"], upTo: 6)
        for p in patterns where !p.isEmpty {
            let pattern = try GlobPattern(p)
            for s in subjects {
                XCTAssertEqual(pattern.matches(s), Self.reference(Array(p), Array(s)), "\(p) against \(s.debugDescription)")
            }
        }
    }

    /// A backtracking matcher takes exponential time here (each star tries every split); this
    /// one makes a pass per pattern, so the whole table is instant.
    func testPathologicalPatternsStayLinear() throws {
        let subject = String(repeating: "a", count: 4_096)
        let stars = try GlobPattern(String(repeating: "*a", count: 40) + "*b")
        let questions = try GlobPattern("*" + String(repeating: "a?", count: 31) + "b*")
        let long = try GlobPattern("*" + String(repeating: "a", count: 63) + "b*")
        for _ in 0..<50 {
            XCTAssertFalse(stars.matches(subject))
            XCTAssertFalse(questions.matches(subject))
            XCTAssertFalse(long.matches(subject))
        }
        XCTAssertTrue(stars.matches(subject + "b"))
        XCTAssertTrue(long.matches(subject + "b"))
    }

    func testRefusedPatterns() {
        let cases: [(String, String)] = [
            ("", "is empty"),
            ("iam.[a]", "has [, which is not special here: only * and ? are, and [ ] { } \\ are refused so no one expects them to be"),
            ("{a,b}", "has {, which is not special here: only * and ? are, and [ ] { } \\ are refused so no one expects them to be"),
            ("a\\*", "has \\, which is not special here: only * and ? are, and [ ] { } \\ are refused so no one expects them to be"),
            (String(repeating: "a", count: 513), "is longer than 512 characters"),
            ("*" + String(repeating: "a", count: 65) + "*", "has a run of 65 characters between two stars; at most 64"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try GlobPattern(text), text) { XCTAssertEqual(($0 as? GlobPatternError)?.message, message) }
        }
        // Long runs are fine where no search is needed: at either end, and without stars.
        XCTAssertNoThrow(try GlobPattern(String(repeating: "a", count: 512)))
        XCTAssertNoThrow(try GlobPattern(String(repeating: "a", count: 200) + "*" + String(repeating: "b", count: 200)))
        XCTAssertNoThrow(try GlobPattern("*" + String(repeating: "a", count: 64) + "*"))
    }

    // MARK: - Helpers

    static func words(over alphabet: [Character], upTo length: Int) -> [String] {
        var all = [""]
        var last = [""]
        for _ in 0..<length {
            last = last.flatMap { w in alphabet.map { w + String($0) } }
            all += last
        }
        return all
    }

    /// The O(n·m) table: `m[i][j]` when the first i pattern characters match the first j subject ones.
    static func reference(_ p: [Character], _ s: [Character]) -> Bool {
        var m = [[Bool]](repeating: [Bool](repeating: false, count: s.count + 1), count: p.count + 1)
        m[0][0] = true
        for i in 1...p.count {
            for j in 0...s.count {
                switch p[i - 1] {
                case "*": m[i][j] = m[i - 1][j] || (j > 0 && m[i][j - 1])
                case "?": m[i][j] = j > 0 && m[i - 1][j - 1]
                default: m[i][j] = j > 0 && m[i - 1][j - 1] && p[i - 1] == s[j - 1]
                }
            }
        }
        return m[p.count][s.count]
    }
}
