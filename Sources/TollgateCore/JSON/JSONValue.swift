/// A JSON document as a plain value, used where the exact bytes matter (digests, audit records).
///
/// Only integers are supported as numbers: nothing Tollgate digests carries fractions, and
/// leaving floats out keeps the canonical form free of number-formatting questions.
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// `.string(s)` for a value, `.null` for nil.
    public static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
}

// MARK: - Canonical form

extension JSONValue {
    /// The RFC 8785 (JCS) canonical serialisation: keys sorted by UTF-16 code units, no
    /// insignificant white space, strings escaped minimally (`\"`, `\\`, `\b \f \n \r \t`,
    /// other controls as lowercase `\u00XX`). For the integers and ASCII keys Tollgate uses
    /// this equals Python's `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
    public var canonicalBytes: [UInt8] {
        var writer = JSONWriter(capacity: 256)
        write(into: &writer)
        return writer.bytes
    }

    public var canonicalString: String { String(decoding: canonicalBytes, as: UTF8.self) }

    private func write(into out: inout JSONWriter) {
        switch self {
        case .null: out.raw("null")
        case .bool(let b): if b { out.raw("true") } else { out.raw("false") }
        case .int(let i): out.int(i)
        case .string(let s): out.string(s)
        case .array(let items): out.array(items) { out, item in item.write(into: &out) }
        case .object(let members):
            let keys = members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            out.object(keys) { out, key in
                out.string(key)
                out.raw(":")
                members[key]!.write(into: &out)  // key comes from members.keys
            }
        }
    }
}

// MARK: - Parsing into JSONValue

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? c.decode([String: JSONValue].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "unsupported JSON value (fractional numbers are not used here)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The member `key` of an object, nil otherwise.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var intValue: Int64? { if case .int(let i) = self { return i } else { return nil } }
}
