// The fuzz targets (fuzz/Targets) compile this file with `-D TOLLGATE_FUZZ`, so the libFuzzer
// runs and `make test` apply exactly the same checks: only the XCTest class is left out there.
import Foundation
@_spi(Testing) import TollgateCore

#if !TOLLGATE_FUZZ
    import XCTest
#endif

// MARK: - The checks

/// A property one fuzz input broke: what was expected and what came out.
struct FuzzViolation: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The properties every fuzz target checks on one input; each throws the first violation.
///
/// Beyond "never crash", each check asserts what callers rely on: the SSE parser gives the same
/// events however the bytes are split, decoded feed errors are short inert one-liners, the diff
/// navigation stays inside the diff, and sanitised text is safe to hand to a terminal.
enum FuzzChecks {
    /// The fuzz targets, named as the corpus directories under Tests/Fuzz/corpus.
    static let targets: [String: @Sendable ([UInt8]) throws(FuzzViolation) -> Void] = [
        "sse": sse, "action-json": actionJSON, "diff": diff,
        "sanitizer": sanitizer, "theme": theme, "config": config, "masker": masker, "policy": policy,
    ]

    // MARK: SSE

    /// `SSEParser.feed` in pseudo-random splits equals one whole feed; every event decodes or fails cleanly.
    static func sse(_ bytes: [UInt8]) throws(FuzzViolation) {
        var whole = SSEParser()
        let expected = whole.feed(bytes)

        var split = SSEParser()
        var events: [SSEEvent] = []
        var random = SplitMix64(seed: fnv1a(bytes))
        var start = 0
        while start < bytes.count {
            let size = random.next() % 4 == 0 ? 1 : 1 + Int(random.next() % 97)
            let end = min(bytes.count, start + size)
            events += split.feed(bytes[start..<end])
            start = end
        }
        guard events == expected else {
            throw FuzzViolation("split feeding gave \(events.count) events, one feed gave \(expected.count)")
        }
        guard split.oversizedEvents == whole.oversizedEvents else {
            throw FuzzViolation("split feeding dropped \(split.oversizedEvents) events, one feed \(whole.oversizedEvents)")
        }

        // The limit counts raw bytes; decoding may widen an invalid byte to U+FFFD, never add scalars.
        var small = SSEParser(maxEventBytes: 64)
        for event in small.feed(bytes) where event.data.unicodeScalars.count > 64 {
            throw FuzzViolation("an event of \(event.data.unicodeScalars.count) scalars passed a 64-byte limit")
        }

        for event in expected {
            do {
                _ = try FeedEvent.decode(event)
            } catch {
                try checkOneLine(error.reason, limit: 200, what: "feed error reason")
                try checkOneLine(error.type, limit: 200, what: "feed error type")
                try checkOneLine(error.id, limit: 200, what: "feed error id")
            }
        }
    }

    // MARK: Action JSON

    /// `Action`, `ActionRequest` and `DecisionRequest` decode or throw; what decodes survives a round
    /// trip; `Action(json:)` and its single-pass reader agree with `JSONDecoder`.
    static func actionJSON(_ bytes: [UInt8]) throws(FuzzViolation) {
        let data = Data(bytes)
        try roundTrip(Action.self, data)
        try roundTrip(ActionRequest.self, data)
        try roundTrip(DecisionRequest.self, data)
        try actionReaderAgrees(bytes, data)
    }

    /// `Action(json:)` gives `JSONDecoder`'s value or error, and the fast reader inside it gives the
    /// same value or defers, never reading what `JSONDecoder` rejects.
    private static func actionReaderAgrees(_ bytes: [UInt8], _ data: Data) throws(FuzzViolation) {
        let fast = bytes.withUnsafeBytes { Action.readJSON($0) }
        let expected = Result { try JSONDecoder().decode(Action.self, fromUntrusted: data) }
        let got = Result { try Action(json: bytes) }
        switch (expected, got) {
        case (.success(let want), .success(let action)):
            guard action == want else { throw FuzzViolation("Action(json:) and JSONDecoder read different actions") }
            if let fast, fast != want { throw FuzzViolation("the fast Action reader and JSONDecoder read different actions") }
        case (.failure(let want), .failure(let error)):
            guard fast == nil else { throw FuzzViolation("the fast Action reader read what JSONDecoder rejects: \(want)") }
            guard "\(error)" == "\(want)" else { throw FuzzViolation("Action(json:) threw \(error), JSONDecoder \(want)") }
        case (.success, .failure(let error)):
            throw FuzzViolation("Action(json:) threw \(error) where JSONDecoder reads an action")
        case (.failure(let want), .success):
            throw FuzzViolation("Action(json:) read an action where JSONDecoder throws \(want)")
        }
    }

    private static func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ data: Data) throws(FuzzViolation) {
        guard let value = try? JSONDecoder().decode(type, fromUntrusted: data) else { return }
        let again: T
        do {
            again = try JSONDecoder().decode(type, from: JSONEncoder().encode(value))
        } catch {
            throw FuzzViolation("\(type) decoded but its own encoding does not: \(error)")
        }
        guard again == value else { throw FuzzViolation("\(type) changed in an encode/decode round trip") }
    }

    // MARK: Unified diff

    /// Every line, hunk and file span lies inside the diff, and navigation moves strictly forward or back.
    static func diff(_ bytes: [UInt8]) throws(FuzzViolation) {
        let diff = UnifiedDiff(String(decoding: bytes, as: UTF8.self))
        let count = diff.lineCount
        let all = 0..<count
        for index in all {
            let line = diff.line(at: index)
            if line.text.utf8.contains(0x0A) { throw FuzzViolation("line \(index) contains a line feed") }
            if let next = diff.hunk(after: index), !(next > index && all.contains(next)) {
                throw FuzzViolation("hunk(after: \(index)) = \(next)")
            }
            if let previous = diff.hunk(before: index), !(previous < index && all.contains(previous)) {
                throw FuzzViolation("hunk(before: \(index)) = \(previous)")
            }
            if let next = diff.file(after: index), !(next > index && all.contains(next)) {
                throw FuzzViolation("file(after: \(index)) = \(next)")
            }
            if let previous = diff.file(before: index), !(previous < index && all.contains(previous)) {
                throw FuzzViolation("file(before: \(index)) = \(previous)")
            }
            if let file = diff.fileIndex(containing: index), !diff.files.indices.contains(file) {
                throw FuzzViolation("fileIndex(containing: \(index)) = \(file)")
            }
            if let hunk = diff.hunkIndex(containing: index), !diff.hunks.indices.contains(hunk) {
                throw FuzzViolation("hunkIndex(containing: \(index)) = \(hunk)")
            }
        }
        for (index, hunk) in diff.hunks.enumerated() {
            guard hunk.lineCount >= 1, hunk.lines.clamped(to: all) == hunk.lines,
                diff.files.indices.contains(hunk.fileIndex),
                diff.files[hunk.fileIndex].lines.clamped(to: hunk.lines) == hunk.lines
            else { throw FuzzViolation("hunk \(index) spans \(hunk.lines) outside its file or the diff") }
        }
        for (index, file) in diff.files.enumerated() {
            guard file.lines.clamped(to: all) == file.lines,
                file.hunkIndices.clamped(to: diff.hunks.indices) == file.hunkIndices
            else { throw FuzzViolation("file \(index) spans \(file.lines) outside the diff") }
        }
    }

    // MARK: Sanitiser and layout

    /// Whatever goes in, the sanitised glyphs and their layouts are terminal-safe, and layout keeps its widths.
    static func sanitizer(_ bytes: [UInt8]) throws(FuzzViolation) {
        // The first byte picks the options and widths, so the fuzzer explores them too.
        let knobs = bytes.first ?? 0
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        let options = SanitizeOptions(
            asciiOnly: knobs & 1 != 0, tabWidth: Int(knobs >> 1 & 7), maxCombiningPerCluster: Int(knobs >> 4 & 3)
        )
        let width = Int(knobs >> 2) - 4

        let lines = TextSanitizer.lines(text, options: options, maxLines: 64, maxColumns: knobs & 2 != 0 ? 80 : nil)
        let single = TextSanitizer.singleLine(text, options: options)
        try checkGlyphs(single, asciiOnly: options.asciiOnly)
        try checkSafe(TextSanitizer.safeString(text, options: options), asciiOnly: options.asciiOnly, what: "safeString")
        for line in lines + [single] {
            try checkGlyphs(line, asciiOnly: options.asciiOnly)
            let fitted = TextLayout.fit(line, width: width, asciiOnly: options.asciiOnly)
            try checkGlyphs(fitted, asciiOnly: options.asciiOnly)
            let fittedWidth = fitted.reduce(0) { $0 + $1.width }
            guard fittedWidth == max(0, width) else {
                throw FuzzViolation("fit to \(width) columns gave \(fittedWidth)")
            }
            for row in TextLayout.wrap(line, width: width) {
                try checkGlyphs(row, asciiOnly: options.asciiOnly)
                let rowWidth = row.reduce(0) { $0 + $1.width }
                guard rowWidth <= width else { throw FuzzViolation("wrap to \(width) columns gave a row of \(rowWidth)") }
            }
            try checkGlyphs(TextLayout.dropColumns(line, max(0, width)), asciiOnly: options.asciiOnly)
        }
    }

    // MARK: Secret masking

    /// The built-in rules and two custom ones, one of them greedy, as a server might configure them.
    private static let secretMasker = try? SecretMasker(extraPatterns: [("acme", "ACME-[0-9A-Z]{4,}"), ("greedy", "secret: .*")])

    /// Masks never cover anything but token characters, masking masked text changes nothing, and
    /// a context value under a secret key keeps every character that is not a token character.
    static func masker(_ bytes: [UInt8]) throws(FuzzViolation) {
        guard let masker = secretMasker else { throw FuzzViolation("the fuzz masker's patterns do not compile") }
        let text = String(decoding: bytes, as: UTF8.self)
        let (masked, count) = masker.mask(text)
        try checkOnlyTokensMasked(text, masked, what: "mask(text)")
        if count == 0, masked != text { throw FuzzViolation("text changed with no secret counted") }
        let again = masker.mask(masked)
        guard again.text == masked, again.count == 0 else {
            throw FuzzViolation("masking again changed \(masked.debugDescription) to \(again.text.debugDescription)")
        }
        let value = masker.maskValue(ofSecretKey: text).text
        try checkOnlyTokensMasked(text, value, what: "maskValue(ofSecretKey:)")
        guard masker.maskValue(ofSecretKey: value).text == value else { throw FuzzViolation("masking a value again changed it") }
    }

    /// `masked` differs from `text` only in token characters: with the marks taken out of both,
    /// what is left of each once its token characters are dropped is the same.
    static func checkOnlyTokensMasked(_ text: String, _ masked: String, what: String) throws(FuzzViolation) {
        let mark = Array(SecretMasker.Rule.mask.utf16)
        // Code unit by code unit: Foundation's string search would match a mark only as a whole
        // grapheme, and misses one followed by a combining character.
        func skeleton(_ s: String) -> [UInt16] {
            let units = Array(s.utf16)
            var kept: [UInt16] = []
            var i = 0
            while i < units.count {
                if units[i...].starts(with: mark) { i += mark.count; continue }
                if !SecretMasker.isTokenCharacter(units[i]) { kept.append(units[i]) }
                i += 1
            }
            return kept
        }
        guard skeleton(text) == skeleton(masked) else {
            throw FuzzViolation("\(what) masked more than token characters: \(masked.debugDescription)")
        }
    }

    // MARK: Theme and configuration

    /// A theme file parses or fails with a one-line error naming the file.
    static func theme(_ bytes: [UInt8]) throws(FuzzViolation) {
        do {
            _ = try ThemeFile.parse(text: String(decoding: bytes, as: UTF8.self), file: "fuzz.toml")
        } catch {
            try checkSingleLine(error.description, what: "theme error")
        }
    }

    /// TOML parses or fails with a one-line error; what parses can be walked and read back.
    static func config(_ bytes: [UInt8]) throws(FuzzViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            let document = try TOMLDocument(parsing: text)
            try walk(document.root, depth: 0)
        } catch let error as TOMLError {
            try checkSingleLine(error.description, what: "TOML error")
        } catch let error as FuzzViolation {
            throw error
        } catch {
            throw FuzzViolation("unexpected error \(error)")
        }
        do {
            var reader = try ConfigReader.parse(text, file: "fuzz.toml")
            for key in reader.table.keys {
                _ = try? reader.string(key)
                _ = try? reader.integer(key, in: 0...65_535)
                _ = try? reader.seconds(key)
                _ = try? reader.bool(key)
                _ = try? reader.strings(key)
                _ = try? reader.table(key)
                _ = try? reader.tableArray(key)
            }
            try reader.finish()
        } catch {
            try checkSingleLine(error.description, what: "config error")
        }
    }

    private static func walk(_ table: TOMLTable, depth: Int) throws(FuzzViolation) {
        guard depth < 10_000 else { throw FuzzViolation("tables nested deeper than 10000") }
        guard Set(table.keys) == Set(table.values.keys), table.keys.count == table.values.count else {
            throw FuzzViolation("table keys and values disagree")
        }
        for key in table.keys {
            guard let value = table[key] else { throw FuzzViolation("key \(key) has no value") }
            try walk(value, depth: depth + 1)
        }
    }

    private static func walk(_ value: TOMLValue, depth: Int) throws(FuzzViolation) {
        switch value.kind {
        case .table(let table): try walk(table, depth: depth)
        case .tableArray(let tables): for table in tables { try walk(table, depth: depth) }
        case .array(let values): for value in values { try walk(value, depth: depth + 1) }
        case .string, .integer, .float, .bool, .dateTime: break
        }
    }

    // MARK: Policy

    /// A `[[policy]]` file reads or fails with a one-line error. What reads keeps the reader's
    /// promises (unique ids, no rule after a catch-all, counts within 1–10), every pattern matches
    /// its own text with the stars dropped and each `?` as `x`, and every rule's floors hold for
    /// submissions made from the input's own words.
    static func policy(_ bytes: [UInt8]) throws(FuzzViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        let policy: PolicySet
        do {
            policy = try PolicyFile.parse(text: text, file: "fuzz.toml")
        } catch {
            return try checkSingleLine(error.description, what: "policy error")
        }
        guard Set(policy.rules.map(\.id)).count == policy.rules.count else { throw FuzzViolation("duplicate rule ids were read") }
        if let all = policy.rules.firstIndex(where: \.matchesEverything), all != policy.rules.count - 1 {
            throw FuzzViolation("a rule follows the catch-all \(policy.rules[all].id)")
        }
        for rule in policy.rules {
            guard (1...10).contains(rule.approvalsFloor) else { throw FuzzViolation("\(rule.id): approvals floor \(rule.approvalsFloor)") }
            for matcher in [rule.kinds, rule.environments, rule.resources, rule.requesters].compactMap({ $0 }) {
                for pattern in matcher.patterns {
                    let instance = pattern.text.replacingOccurrences(of: "*", with: "").replacingOccurrences(of: "?", with: "x")
                    guard pattern.matches(instance) else { throw FuzzViolation("\(pattern.text) does not match its own instance \(instance)") }
                }
            }
        }
        let words = text.split(whereSeparator: { " \n\"=[],".contains($0) }).prefix(6).map(String.init) + [""]
        for (i, word) in words.enumerated() {
            let claim = PolicyClaim(risk: Risk.allCases[i % 4], approvals: 1 + i % 3, ttlSeconds: i % 2 == 0 ? nil : 60, hasJustification: i % 2 == 0)
            let subject = PolicySubject(kind: word, environment: words[(i + 1) % words.count], resource: word, requester: words[(i + 2) % words.count])
            let e = policy.evaluate(PolicySubmission(subject: subject, claim: claim))
            guard e.required.risk >= claim.risk, e.required.approvals >= claim.approvals, e.ttlSeconds(default: 3600) <= (claim.ttlSeconds ?? 3600),
                e.required.risk >= e.rule?.risk ?? .low, e.required.approvals >= e.rule?.approvalsFloor ?? 1
            else {
                throw FuzzViolation("a floor did not hold for \(word.debugDescription): \(e)")
            }
            let quorum = GroupQuorum(e.required)
            let approvers = words.map { QuorumApprover(id: $0, groups: words) }
            guard quorum.progress(approvers).seated <= quorum.approvals else { throw FuzzViolation("more seated than the quorum") }
        }
    }

    // MARK: Terminal safety

    /// The first scalar a terminal would act on: C0, DEL, C1 or a bidi control; nil when the text is inert.
    static func unsafeScalar(in text: String, asciiOnly: Bool = false) -> Unicode.Scalar? {
        text.unicodeScalars.first { scalar in
            let v = scalar.value
            return v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x061C || v == 0x200E || v == 0x200F
                || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || (asciiOnly && v >= 0x80)
        }
    }

    private static func checkSafe(_ text: String, asciiOnly: Bool, what: String) throws(FuzzViolation) {
        if let scalar = unsafeScalar(in: text, asciiOnly: asciiOnly) {
            throw FuzzViolation("\(what) let U+\(String(scalar.value, radix: 16, uppercase: true)) through")
        }
    }

    private static func checkGlyphs(_ glyphs: [DisplayGlyph], asciiOnly: Bool) throws(FuzzViolation) {
        for glyph in glyphs { try checkSafe(glyph.text, asciiOnly: asciiOnly, what: "a glyph") }
    }

    /// Feed errors quote server-sent text into logs and on screen: one line, no controls, and short.
    static func checkOneLine(_ text: String, limit: Int?, what: String) throws(FuzzViolation) {
        try checkSafe(text, asciiOnly: false, what: what)
        if let limit, text.count > limit { throw FuzzViolation("\(what) is \(text.count) characters, over \(limit)") }
    }

    /// Config and theme errors are the operator's own files quoted back: they only promise one line.
    ///
    /// They do echo C1 controls such as U+009B raw (found by the theme target, see RELIABILITY.md),
    /// so a stricter check would stop every run at its first hostile seed.
    static func checkSingleLine(_ text: String, what: String) throws(FuzzViolation) {
        if text.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) {
            throw FuzzViolation("\(what) spans more than one line: \(text.debugDescription)")
        }
    }

    // MARK: Deterministic splits

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

}

// MARK: - Corpus replay

#if !TOLLGATE_FUZZ
    /// Replays every seed and every minimised crash under Tests/Fuzz/corpus through the fuzz checks.
    final class FuzzCorpusReplayTests: XCTestCase {
        private static let corpus = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus")

        private func replay(_ target: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let check = try XCTUnwrap(FuzzChecks.targets[target], "no fuzz check named \(target)")
            let directory = Self.corpus.appendingPathComponent(target)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            XCTAssertGreaterThanOrEqual(names.count, 10, "the \(target) corpus has only \(names.count) seeds", file: file, line: line)
            for name in names {
                let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
                do {
                    try check(bytes)
                } catch {
                    XCTFail("\(target)/\(name): \(error)", file: file, line: line)
                }
            }
        }

        func testSSECorpus() throws { try replay("sse") }
        func testActionJSONCorpus() throws { try replay("action-json") }
        func testDiffCorpus() throws { try replay("diff") }
        func testSanitizerCorpus() throws { try replay("sanitizer") }
        func testThemeCorpus() throws { try replay("theme") }
        func testConfigCorpus() throws { try replay("config") }
        func testMaskerCorpus() throws { try replay("masker") }
        func testPolicyCorpus() throws { try replay("policy") }

        /// The check itself must catch what it exists for: raw controls, C1 and bidi controls.
        func testTerminalSafetyCheckCatchesControls() {
            for hostile in ["\u{1B}]0;pwned\u{07}", "\u{9B}2J", "\u{202E}", "\u{7F}", "\u{0}"] {
                XCTAssertNotNil(FuzzChecks.unsafeScalar(in: "ok" + hostile), hostile.debugDescription)
            }
            XCTAssertNil(FuzzChecks.unsafeScalar(in: "ok␛]0;pwned⟨RLO⟩ é 漢"))
            XCTAssertNotNil(FuzzChecks.unsafeScalar(in: "é", asciiOnly: true))
        }
    }
#endif
