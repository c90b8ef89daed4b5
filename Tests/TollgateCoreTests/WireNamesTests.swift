import Foundation
import XCTest

@_spi(Testing) @testable import TollgateCore

/// One definition per wire type (issue #18, item 6): the one-pass writer and the single-pass
/// readers spell member names themselves, so these tests hold the names they write and read to
/// each type's `CodingKeys`, every case and nothing else, at every level. Adding a field to a
/// type without teaching the writer or a reader fails here instead of silently dropping a path.
final class WireNamesTests: XCTestCase {
    private func names<K: CodingKey & CaseIterable>(_: K.Type) -> Set<String> { Set(K.allCases.map(\.stringValue)) }

    /// An action with every optional member set and one element in every array.
    private let action = Action(
        id: "act_1", status: .approved, createdAt: Timestamp(milliseconds: 1_000), expiresAt: Timestamp(milliseconds: 2_000),
        resolvedAt: Timestamp(milliseconds: 1_500), requester: Requester(id: "bot", kind: .pipeline, onBehalfOf: "ann", session: "s1"),
        kind: "deploy", summary: "ship it", command: "make ship", resource: "prod/web", environment: "prod", risk: .high,
        policy: Policy(id: "p1", reason: "because"), justification: "needed", context: [ContextEntry(key: "k", value: "v")],
        diffs: [ActionDiff(title: "t", format: "unified", text: "@@")],
        requiredApprovals: 2,
        rule: AppliedRule(
            id: "r1", reason: "rules", risk: .high, approvals: 2, groups: [GroupMinimum(group: "sre", count: 1)], maxTTLSeconds: 60,
            justificationRequired: true, outcome: .review),
        claimed: RequesterClaim(risk: .low, requiredApprovals: 1, ttlSeconds: 30, policy: Policy(id: "p0", reason: "asked")),
        decisions: [
            Decision(
                approver: "bob", verdict: .approve, reason: "ok", at: Timestamp(milliseconds: 1_400), digest: "sha256:d", groups: ["sre"],
                breakGlass: true)
        ],
        redactions: 3, digest: "sha256:a"
    )

    // MARK: The writer

    private func object(_ value: Any?, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(value as? [String: Any], "expected a JSON object, found \(String(describing: value))", file: file, line: line)
    }

    private func firstObject(_ value: Any?, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try object((value as? [Any])?.first, file: file, line: line)
    }

    private func assertWrittenNames(_ bytes: [UInt8], leaving omitted: Set<String> = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let top = try object(try JSONSerialization.jsonObject(with: Data(bytes)), file: file, line: line)
        XCTAssertEqual(Set(top.keys), names(Action.CodingKeys.self).subtracting(omitted), "Action", file: file, line: line)
        XCTAssertEqual(Set(try object(top["requester"]).keys), names(Requester.CodingKeys.self), "Requester", file: file, line: line)
        XCTAssertEqual(Set(try object(top["policy"]).keys), names(Policy.CodingKeys.self), "Policy", file: file, line: line)
        XCTAssertEqual(Set(try firstObject(top["context"]).keys), names(ContextEntry.CodingKeys.self), "ContextEntry", file: file, line: line)
        XCTAssertEqual(Set(try firstObject(top["diffs"]).keys), names(ActionDiff.CodingKeys.self), "ActionDiff", file: file, line: line)
        XCTAssertEqual(Set(try object(top["rule"]).keys), names(AppliedRule.CodingKeys.self), "AppliedRule", file: file, line: line)
        XCTAssertEqual(
            Set(try firstObject(try object(top["rule"])["groups"]).keys), names(GroupMinimum.CodingKeys.self), "GroupMinimum", file: file, line: line)
        XCTAssertEqual(Set(try object(top["claimed"]).keys), names(RequesterClaim.CodingKeys.self), "RequesterClaim", file: file, line: line)
        XCTAssertEqual(Set(try object(try object(top["claimed"])["policy"]).keys), names(Policy.CodingKeys.self), "claimed Policy", file: file, line: line)
        if !omitted.contains("decisions") {
            XCTAssertEqual(Set(try firstObject(top["decisions"]).keys), names(Decision.CodingKeys.self), "Decision", file: file, line: line)
        }
    }

    func testTheWriterWritesExactlyEachTypesCodingKeys() throws {
        try assertWrittenNames(action.encodedJSON)
    }

    /// The digest document is the stored form less exactly the members a decision changes.
    func testTheDigestDocumentLeavesOutExactlyWhatDecisionsChange() throws {
        var writer = JSONWriter()
        action.write(to: &writer, digestDocumentOnly: true)
        try assertWrittenNames(writer.bytes, leaving: ["decisions", "digest", "escalated_at", "redactions", "resolved_at", "status"])
    }

    // MARK: The readers

    /// Every other value a member could take that still decodes: the readers must notice each change.
    private static var alternatives: [Any] {
        ["changed", "2001-02-03T04:05:06Z", 7, false, NSNull()]
            + ActionStatus.allCases.map(\.rawValue) + Risk.allCases.map(\.rawValue)
            + RequesterKind.allCases.map(\.rawValue) + Verdict.allCases.map(\.rawValue)
            + PolicyOutcome.allCases.map(\.rawValue) + JustificationRule.allCases.map(\.rawValue)
    }

    /// Changes one member (a path into the object) at a time and requires the fast reader to see
    /// every change as `JSONDecoder` does; then adds names outside `CodingKeys` and requires
    /// both to treat them alike. Returns the paths it changed.
    @discardableResult
    private func assertReadsEveryName<T: Codable & Equatable>(
        _ value: T, _ fast: @escaping ([UInt8]) -> T?, file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String] {
        let encoder = JSONEncoder()
        let base = try JSONSerialization.jsonObject(with: encoder.encode(value))
        let decode = { (json: Any) -> T? in
            guard let data = try? JSONSerialization.data(withJSONObject: json) else { return nil }
            return try? JSONDecoder().decode(T.self, from: data)
        }
        let read = { (json: Any) -> T? in
            (try? JSONSerialization.data(withJSONObject: json)).flatMap { fast([UInt8]($0)) }
        }
        XCTAssertEqual(read(base), value, "the fast reader does not read the unchanged value", file: file, line: line)
        var changed: [String] = []
        for path in Self.leafPaths(base) {
            let original = decode(base)
            let variant = Self.alternatives.lazy.compactMap { alternative -> (Any, T)? in
                let json = Self.replacing(path, in: base, with: alternative)
                guard let decoded = decode(json), decoded != original else { return nil }
                return (json, decoded)
            }.first
            guard let (json, expected) = variant else {
                XCTFail("no other value of \(path.joined(separator: ".")) decodes differently", file: file, line: line)
                continue
            }
            XCTAssertEqual(read(json), expected, "the fast reader does not read \(path.joined(separator: "."))", file: file, line: line)
            changed.append(path.joined(separator: "."))
        }
        for path in Self.objectPaths(base) {
            for extra in ["unknown_member", "ID", "Id ", "id\u{0}"] {
                let json = Self.replacing(path + [extra], in: base, with: "x")
                XCTAssertEqual(read(json), decode(json), "\(path + [extra]) is read differently", file: file, line: line)
            }
        }
        return changed
    }

    func testTheActionReaderReadsEveryName() throws {
        let paths = try assertReadsEveryName(action) { bytes in bytes.withUnsafeBytes { Action.readJSON($0) } }
        for name in Action.CodingKeys.allCases.map(\.stringValue) {
            XCTAssertTrue(paths.contains { $0 == name || $0.hasPrefix(name + ".") }, "\(name) was never changed")
        }
        for (type, names) in [
            ("requester", names(Requester.CodingKeys.self)), ("policy", names(Policy.CodingKeys.self)),
            ("context.0", names(ContextEntry.CodingKeys.self)), ("diffs.0", names(ActionDiff.CodingKeys.self)),
            ("decisions.0", names(Decision.CodingKeys.self)), ("claimed", names(RequesterClaim.CodingKeys.self)),
            ("rule", names(AppliedRule.CodingKeys.self)), ("rule.groups.0", names(GroupMinimum.CodingKeys.self)),
        ] {
            let members = paths.filter { $0.hasPrefix(type + ".") }.map { $0.dropFirst(type.count + 1).prefix { $0 != "." } }
            XCTAssertEqual(Set(members.map(String.init)), names, type)
        }
    }

    func testTheRequestReadersReadEveryName() throws {
        let request = ActionRequest(
            kind: "deploy", summary: "ship", command: "make", resource: "r", environment: "e", risk: .critical,
            policy: Policy(id: "p", reason: "q"), justification: "j", context: [ContextEntry(key: "k", value: "v")],
            diffs: [ActionDiff(title: "t", format: "unified", text: "x")], requiredApprovals: 2, ttlSeconds: 60,
            onBehalfOf: "ann", session: "s"
        )
        let paths = try assertReadsEveryName(request) { bytes in bytes.withUnsafeBytes { ActionRequest.readJSON($0) } }
        XCTAssertEqual(Set(paths.map { String($0.prefix { $0 != "." }) }), names(ActionRequest.CodingKeys.self))
        let decision = DecisionRequest(verdict: .deny, reason: "no", digest: "sha256:x", breakGlass: true)
        let decisionPaths = try assertReadsEveryName(decision) { bytes in bytes.withUnsafeBytes { DecisionRequest.readJSON($0) } }
        XCTAssertEqual(Set(decisionPaths), names(DecisionRequest.CodingKeys.self))
    }

    // MARK: JSON paths

    private static func leafPaths(_ json: Any, _ prefix: [String] = []) -> [[String]] {
        if let object = json as? [String: Any] { return object.keys.sorted().flatMap { leafPaths(object[$0] as Any, prefix + [$0]) } }
        if let array = json as? [Any] { return array.indices.flatMap { leafPaths(array[$0], prefix + [String($0)]) } }
        return [prefix]
    }

    private static func objectPaths(_ json: Any, _ prefix: [String] = []) -> [[String]] {
        if let object = json as? [String: Any] { return [prefix] + object.keys.sorted().flatMap { objectPaths(object[$0] as Any, prefix + [$0]) } }
        if let array = json as? [Any] { return array.indices.flatMap { objectPaths(array[$0], prefix + [String($0)]) } }
        return []
    }

    private static func replacing(_ path: [String], in json: Any, with value: Any) -> Any {
        guard let first = path.first else { return value }
        if var object = json as? [String: Any] {
            object[first] = replacing(Array(path.dropFirst()), in: object[first] as Any, with: value)
            return object
        }
        if var array = json as? [Any], let index = Int(first), array.indices.contains(index) {
            array[index] = replacing(Array(path.dropFirst()), in: array[index], with: value)
            return array
        }
        return json
    }
}
