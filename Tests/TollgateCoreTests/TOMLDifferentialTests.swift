import Foundation
import TollgateCore
import XCTest

/// Holds `TOMLDocument` to Python's `tomllib` (the standard library's TOML 1.0 reader): on the
/// fuzz corpora, the shipped themes and a few thousand generated documents, both read the same
/// value or both refuse. One python3 run reads every document (JSON lines in, one answer a line
/// out); the canonical form both sides print is described in TOMLDifferential/toml_canonical.py.
final class TOMLDifferentialTests: XCTestCase {
    private static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    private static let repository = tests.deletingLastPathComponent().deletingLastPathComponent()

    func testCorporaAndShippedFilesReadAsTomllibReadsThem() throws {
        var documents: [(name: String, text: String)] = []
        for folder in ["Tests/Fuzz/corpus/config", "Tests/Fuzz/corpus/theme", "themes"] {
            let directory = Self.repository.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
                let bytes = try Data(contentsOf: directory.appendingPathComponent(name))
                documents.append(("\(folder)/\(name)", String(decoding: bytes, as: UTF8.self)))
            }
        }
        XCTAssertGreaterThan(documents.count, 30)
        guard let accepted = try compare(documents) else { return }
        XCTAssertGreaterThan(accepted, 15, "most of the corpus should be valid TOML")
    }

    func testGeneratedDocumentsReadAsTomllibReadsThem() throws {
        var generator = TOMLDocumentGenerator(seed: 0x70_31_0D0C)
        let documents = (0..<4_000).map { ("generated #\($0)", generator.document()) }
        guard let accepted = try compare(documents) else { return }
        // A generator that only wrote garbage (or only the easy cases) would prove little.
        XCTAssertGreaterThan(accepted, 1_000, "too few generated documents were valid")
        XCTAssertLessThan(accepted, 3_000, "too few generated documents were invalid")
    }

    /// Compares every document, failing on the first disagreement; returns how many both read,
    /// or nil after a disagreement.
    private func compare(_ documents: [(name: String, text: String)], file: StaticString = #filePath, line: UInt = #line) throws -> Int? {
        let answers = try Self.tomllib(documents.map(\.text))
        XCTAssertEqual(answers.count, documents.count, "python3 answered \(answers.count) of \(documents.count) documents", file: file, line: line)
        var accepted = 0
        for ((name, text), answer) in zip(documents, answers) {
            let ours: String
            do {
                ours = "OK " + TOMLCanonical.value(of: try TOMLDocument(parsing: text).root).canonicalString
            } catch {
                ours = "ERR " + error.description
                // The one limit of ours tomllib lacks: nesting deeper than 64 (it has Python's stack).
                if error.message.contains("nest deeper than"), answer.hasPrefix("ERR") || Self.nesting(answer) > TOMLCanonical.maximumDepth { continue }
            }
            let agree = ours.hasPrefix("OK") ? ours == answer : answer.hasPrefix("ERR")
            guard agree else {
                XCTFail(
                    "\(name) is read differently:\n--- document\n\(text.debugDescription)\n--- TOMLDocument\n\(ours)\n--- tomllib\n\(answer)", file: file,
                    line: line)
                return nil
            }
            if ours.hasPrefix("OK") { accepted += 1 }
        }
        return accepted
    }

    /// How deeply the canonical JSON of an answer nests.
    private static func nesting(_ answer: String) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for c in answer.utf8 {
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") {
                depth += 1; deepest = max(deepest, depth)
            } else if c == UInt8(ascii: "]") || c == UInt8(ascii: "}") {
                depth -= 1
            }
        }
        return deepest
    }

    /// Runs toml_canonical.py once over all `documents`; fails (never skips) without python3.
    private static func tomllib(_ documents: [String]) throws -> [String] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("toml-differential-\(UUID().uuidString).jsonl")
        let errors = input.appendingPathExtension("stderr")
        defer { try? FileManager.default.removeItem(at: input); try? FileManager.default.removeItem(at: errors) }
        var lines = Data()
        for document in documents {
            lines += try JSONEncoder().encode(document)
            lines.append(0x0A)
        }
        try lines.write(to: input)
        try Data().write(to: errors)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", tests.appendingPathComponent("TOMLDifferential/toml_canonical.py").path]
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardError = try FileHandle(forWritingTo: errors)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw DifferentialFailure("python3 (3.11 or later, for tomllib) failed with status \(process.terminationStatus): \(stderr)")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

private struct DifferentialFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The canonical form of a TOML value that toml_canonical.py also prints.
enum TOMLCanonical {
    static let maximumDepth = 64

    static func value(of table: TOMLTable) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: table.keys.compactMap { key in table[key].map { (key, value(of: $0)) } }))
    }

    static func value(of value: TOMLValue) -> JSONValue {
        switch value.kind {
        case .string(let s): .string("s:" + s)
        case .integer(let i): .string("i:\(i)")
        case .float(let d): .string(d.isNaN ? "f:nan" : "f:" + hex(d.bitPattern))
        case .bool(let b): .bool(b)
        case .dateTime(let d): .string(dateTime(d))
        case .array(let items): .array(items.map(Self.value(of:)))
        case .table(let t): Self.value(of: t)
        case .tableArray(let tables): .array(tables.map(Self.value(of:)))
        }
    }

    private static func hex(_ bits: UInt64) -> String {
        let digits = String(bits, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    private static func dateTime(_ d: TOMLDateTime) -> String {
        let date = d.date.map { String(repeating: "0", count: 4 - String($0.year).count) + "\($0.year)-\(two($0.month))-\(two($0.day))" }
        let time = d.time.map { t -> String in
            let micro = String(t.nanosecond / 1_000)
            return "\(two(t.hour)):\(two(t.minute)):\(two(t.second)).\(String(repeating: "0", count: 6 - micro.count))\(micro)"
        }
        switch (date, time, d.offsetMinutes) {
        case let (date?, time?, offset?):
            return "odt:\(date)T\(time)\(offset < 0 ? "-" : "+")\(two(abs(offset) / 60)):\(two(abs(offset) % 60))"
        case let (date?, time?, nil): return "ldt:\(date)T\(time)"
        case let (date?, nil, _): return "ld:\(date)"
        case let (nil, time?, _): return "lt:\(time)"
        case (nil, nil, _): return "?"
        }
    }
}
