/// Finds a member name given twice in one object, at any depth of a JSON document.
///
/// `JSONDecoder` keeps the first value of a repeated name where most parsers keep the last, so
/// a body with `"risk": "low", "risk": "critical"` would mean one thing to Tollgate and another
/// to a proxy or a policy engine before it. Such documents are refused instead
/// (`JSONDecoder.decode(_:fromUntrusted:)`). Names are compared as `String`s, as `JSONDecoder`
/// compares them, so `"a"` and `"\u0061"` are one name.
enum JSONKeyCheck {
    /// What a check of a document found.
    enum Outcome: Equatable {
        case unique
        /// A name given twice: the path to its object, and the name.
        case duplicate(path: [JSONPathKey], name: String)
        /// The document is not JSON as the reader reads it (with `JSONDecoder`'s trailing commas
        /// and depth): `JSONDecoder` is expected to refuse it too.
        case unreadable
    }

    /// `JSONDecoder`'s own nesting limit.
    static let maximumDepth = 512

    /// Checks the UTF-8 JSON document in `bytes` (without a byte order mark).
    static func check(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        do {
            var reader = try JSONReader(bytes)
            reader.depthLimit = maximumDepth
            reader.allowsTrailingCommas = true
            var path: [JSONPathKey] = []
            if let found = try reader.firstDuplicate(&path) { return found }
            try reader.finish()
            return .unique
        } catch {
            return .unreadable
        }
    }

    /// The error for a repeated `name` in the object at `path`: it quotes the name only when it
    /// is one the protocol defines (see `JSONPathKey`), since names are the sender's text too.
    static func error(path: [JSONPathKey], name: String) -> DecodingError {
        let shown =
            JSONPathKey.display(name).map { "key \"\($0)\" appears twice" }
            ?? "a key appears twice (not quoted: it is none of the protocol's member names)"
        return DecodingExplanation.error(shown + "; each key may appear only once in an object", at: path)
    }
}

extension JSONReader {
    /// Reads past the value that must come next, returning the first repeated name in it.
    fileprivate mutating func firstDuplicate(_ path: inout [JSONPathKey]) throws(GaveUp) -> JSONKeyCheck.Outcome? {
        skipWhitespace()
        guard let first = peek() else { throw GaveUp() }
        switch first {
        case UInt8(ascii: "{"):
            try beginObject()
            var names = Set<String>()
            while try nextItem(closing: UInt8(ascii: "}")) {
                let name = try string()
                try colon()
                guard names.insert(name).inserted else { return .duplicate(path: path, name: name) }
                path.append(JSONPathKey(name: name))
                if let found = try firstDuplicate(&path) { return found }
                path.removeLast()
            }
        case UInt8(ascii: "["):
            try beginArray()
            var position = 0
            while try nextElement() {
                path.append(JSONPathKey(index: position))
                if let found = try firstDuplicate(&path) { return found }
                path.removeLast()
                position += 1
            }
        default:
            try skipValue()
        }
        return nil
    }
}

/// One step of the path to a repeated name, as a `CodingKey` so messages print it as they
/// print any path.
///
/// A name is agent text and could be a secret (a lowercase hex token looks like any field name),
/// so it is shown only when it is one of the member names the protocol defines; any other
/// shows as `…`.
struct JSONPathKey: CodingKey, Equatable, Sendable {
    let stringValue: String
    let intValue: Int?

    init(name: String) {
        stringValue = Self.display(name) ?? "…"
        intValue = nil
    }

    init(index: Int) {
        stringValue = String(index)
        intValue = index
    }

    init?(stringValue: String) { self.init(name: stringValue) }
    init?(intValue: Int) { self.init(index: intValue) }

    /// `name` when it may be quoted, else nil.
    static func display(_ name: String) -> String? {
        protocolNames.contains(name) ? name : nil
    }

    /// Every member name of the protocol's bodies and actions.
    static let protocolNames: Set<String> = {
        func names<Key: CodingKey & CaseIterable>(_: Key.Type) -> [String] { Key.allCases.map(\.stringValue) }
        return Set(
            names(ActionRequest.CodingKeys.self) + names(DecisionRequest.CodingKeys.self) + names(Action.CodingKeys.self)
                + names(Requester.CodingKeys.self) + names(Policy.CodingKeys.self) + names(ContextEntry.CodingKeys.self)
                + names(ActionDiff.CodingKeys.self) + names(Decision.CodingKeys.self))
    }()
}
