import TollgateCore
import XCTest

extension XCTestCase {
    /// The value of `v` in the document `v = <value>`.
    func tomlValue(_ value: String, file: StaticString = #filePath, line: UInt = #line) throws -> TOMLValue.Kind {
        try tomlDocument("v = " + value, file: file, line: line)["v"].map(\.kind) ?? { throw TOMLTestFailure("no v") }()
    }

    /// The root table of `text`, failing the test with the error when it does not parse.
    func tomlDocument(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> TOMLTable {
        do {
            return try TOMLDocument(parsing: text).root
        } catch {
            XCTFail("\(text.debugDescription): \(error)", file: file, line: line)
            throw error
        }
    }

    /// `text` is refused with exactly `expected` (`line L, column C: message`).
    func assertTOMLError(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let document = try TOMLDocument(parsing: text)
            XCTFail("\(text.debugDescription) parsed as \(document.root), expected \(expected)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.description, expected, text.debugDescription, file: file, line: line)
        }
    }
}

struct TOMLTestFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
