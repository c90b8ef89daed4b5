import Foundation
import HummingbirdTesting
import TollgateCore
import XCTest

/// Checks that a response is the protocol error `code` with its HTTP status, and returns the error.
@discardableResult
func assertProtocolError(_ response: TestResponse, _ code: ErrorCode, file: StaticString = #filePath, line: UInt = #line) throws -> ProtocolError {
    XCTAssertEqual(response.status.code, code.httpStatus, "status, for body \(response.text.prefix(300))", file: file, line: line)
    XCTAssertEqual(response.headers[.contentType], "application/json", file: file, line: line)
    let error = try response.decode(ProtocolError.self)
    XCTAssertEqual(error.code, code, "error code; message: \(error.message)", file: file, line: line)
    XCTAssertFalse(error.message.isEmpty, "an error says what went wrong", file: file, line: line)
    return error
}

/// The same check for a response from the real binary.
@discardableResult
func assertProtocolError(_ response: HTTPResponse, _ code: ErrorCode, file: StaticString = #filePath, line: UInt = #line) throws -> ProtocolError {
    XCTAssertEqual(response.status, code.httpStatus, "status, for body \(response.text.prefix(300))", file: file, line: line)
    let error = try response.protocolError()
    XCTAssertEqual(error.code, code, "error code; message: \(error.message)", file: file, line: line)
    return error
}

/// Polls `condition` every 20 ms until it holds; fails (does not hang) after `timeout` seconds,
/// saying what was awaited and, when given, what `state` tells of where things stand.
func eventually(timeout: Double = 20, _ what: String, _ state: (() -> String)? = nil, _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while try !condition() {
        guard ContinuousClock.now < deadline else {
            throw HTTPClientError("\(what): still not true after \(timeout) s" + (state.map { "; \($0())" } ?? ""))
        }
        usleep(20_000)
    }
}
