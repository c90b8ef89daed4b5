import Foundation
import TollgateCore
import XCTest

/// No error quotes what was sent: each secret of the corpus, put in every place of a request
/// that can make it fail (an enum value, a wrong type, a repeated key or key name, a member
/// name, a nested object, broken JSON, a query parameter, the path, a header), never comes back
/// in a response nor reaches the server's log.
final class ErrorEchoTests: XCTestCase {
    func testNoErrorQuotesASecretSentInAnyPlace() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let alice = try sandbox.client(server, as: "alice")
        let pending = try agent.submit(Fixtures.request(summary: "the action decisions are sent to"))

        var responses: [UInt8] = []
        var refused = 0
        func record(_ response: HTTPResponse, _ what: String) {
            responses += response.body
            XCTAssertLessThan(response.status, 500, "\(what): \(response.text)")
            if response.status >= 400 { refused += 1 }
        }
        for (index, entry) in SecretCorpusTests.corpus.enumerated() {
            let text = Self.quoted(entry.text)
            let name = Self.quoted(entry.secret)  // as a member name, where masking would not look
            let submissions = [
                #"{"kind":"data.export","summary":"s","risk":\#(text)}"#,
                #"{"kind":\#(text),"summary":"s"}"#,
                #"{"kind":"data.export","summary":"s","required_approvals":\#(text)}"#,
                #"{"kind":"data.export","summary":"s","ttl_seconds":\#(text)}"#,
                #"{"kind":"data.export","summary":"s","context":{\#(name):\#(text)}}"#,
                #"{"kind":"data.export","summary":"s","context":[{"key":\#(text),"value":7}]}"#,
                #"{"kind":"data.export","summary":"s","context":[{\#(name):\#(text)}]}"#,
                #"{"kind":"data.export","summary":"s","risk":\#(text),"risk":\#(text)}"#,
                #"{"kind":"data.export","summary":"s",\#(name):1,\#(name):2}"#,
                #"{"kind":"data.export","summary":"s","policy":{"id":"p","reason":"r",\#(name):{\#(name):1,\#(name):2}}}"#,
                #"{"kind":"data.export","summary":"s","policy":{"id":"","reason":\#(text)}}"#,
                #"{"kind":"data.export","summary":"s","diffs":[{"title":\#(text),"text":"x","format":\#(text)}]}"#,
                #"{"kind":"data.export","summary":"s","on_behalf_of":"\#(String(repeating: "x", count: 4_100))\#(entry.secret)"}"#,
                #"{"kind":"data.export","summary":\#(text),"risk":"low","#,
                #"{"kind":"data.export","summary":"s","session":\#(text)"#,
                text,
                "[" + text + "]",
                #"{"kind":"data.export","summary":"s","required_approvals":1\#(entry.secret)}"#,
                #"{"kind":"data.export","summary":"s",\#(name):1}"#,  // accepted: unknown members are ignored
            ]
            for (n, body) in submissions.enumerated() {
                record(try agent.send("POST", "/v1/actions", body: Array(body.utf8)), "submission \(n) of secret \(index)")
            }
            let decisions = [
                #"{"verdict":\#(text),"digest":"\#(pending.digest)"}"#,
                #"{"verdict":"approve","digest":\#(text)}"#,
                #"{"verdict":"approve","verdict":\#(text),"digest":"\#(pending.digest)"}"#,
                #"{"verdict":"approve","digest":"\#(pending.digest)",\#(name):1,\#(name):1}"#,
                #"{"verdict":"deny","reason":"\#(String(repeating: "r", count: 4_100))\#(entry.secret)","digest":"\#(pending.digest)"}"#,
                #"{"verdict":"approve","reason":\#(text),"digest":\#(text),"#,
            ]
            for (n, body) in decisions.enumerated() {
                record(try alice.send("POST", "/v1/actions/\(pending.id)/decisions", body: Array(body.utf8)), "decision \(n) of secret \(index)")
            }
            let secret = try XCTUnwrap(entry.secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            for path in [
                "/v1/actions?status=\(secret)", "/v1/actions?since=\(secret)", "/v1/actions?limit=\(secret)", "/v1/actions?cursor=\(secret)",
                "/v1/actions/\(pending.id)?wait=\(secret)", "/v1/audit?after=\(secret)", "/v1/audit?limit=\(secret)",
                "/v1/actions/\(secret)", "/v1/actions/\(secret)?wait=1", "/v1/\(secret)",
            ] {
                record(try alice.get(path), path)
            }
            let decision = Fixtures.json(DecisionRequest(verdict: .deny, reason: "no", digest: pending.digest))
            record(try alice.send("POST", "/v1/actions/\(secret)/decisions", body: decision), "decision on an unknown id")
            record(try agent.send("POST", "/v1/actions/\(secret)/cancel"), "cancel of an unknown id")
            // Headers: an Idempotency-Key reused with another body, one that is malformed, a bad token.
            let key = String(entry.secret.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7F }.prefix(200).map(Character.init))
            let first = Fixtures.json(Fixtures.request(summary: "keyed \(index)"))
            record(try agent.send("POST", "/v1/actions", body: first, headers: [("Idempotency-Key", key)]), "first use of a key")
            record(
                try agent.send("POST", "/v1/actions", body: Fixtures.json(Fixtures.request(summary: "other \(index)")), headers: [("Idempotency-Key", key)]),
                "key reused")
            record(try agent.send("POST", "/v1/actions", body: first, headers: [("Idempotency-Key", "x " + key)]), "malformed key")
            record(try APIClient(port: server.port, token: key).get("/v1/whoami"), "a secret as the token")
        }
        XCTAssertGreaterThan(refused, SecretCorpusTests.corpus.count * 30, "the requests were refused, so their errors were seen")
        try server.stop()

        var leaks: [String] = []
        for (place, bytes) in [("the responses", responses), ("the server's log", Array(sandbox.allServerLogs.utf8))] {
            XCTAssertFalse(bytes.isEmpty, "\(place) was captured")
            for entry in SecretCorpusTests.corpus {
                let encoded = entry.secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? entry.secret
                for form in Set([entry.secret, encoded, String(entry.secret.prefix(12))]) where bytes.firstRange(of: Array(form.utf8)) != nil {
                    leaks.append("\(entry.secret.prefix(12))… (as \(form.prefix(12))…) in \(place)")
                }
            }
        }
        XCTAssertEqual(leaks, [], "secrets echoed")
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data(), as: UTF8.self)
    }
}
