/// A JSON value of a Terraform plan: numbers kept as written (terraform prints them so), object
/// members by name (the rendering sorts them, as terraform does).
indirect enum PlanJSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([PlanJSONValue])
    case object([String: PlanJSONValue])

    /// The member `key` of an object; nil for a missing member or a value that is no object.
    subscript(key: String) -> PlanJSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var isNull: Bool { self == .null }
    var isTrue: Bool { self == .bool(true) }

    /// JSON's name for the value's type, for messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    // MARK: - Parsing

    /// Parses `text`, refusing more than `maximumValues` values, nesting deeper than
    /// `JSONReader.maximumDepth`, and a member name twice in one object (which reader would win
    /// is unclear, so neither is shown).
    static func parse(_ text: String, maximumValues: Int) throws(TerraformPlanError) -> PlanJSONValue {
        var copy = text
        copy.makeContiguousUTF8()
        let result: Result<PlanJSONValue, TerraformPlanError>? = copy.utf8.withContiguousStorageIfAvailable { bytes in
            var parser = Parser(bytes: UnsafeRawBufferPointer(bytes), maximumValues: maximumValues)
            return parser.document()
        }
        guard let result else { throw TerraformPlanError("not JSON: the text could not be read") }
        return try result.get()
    }

    /// A recursive reader over `JSONReader`, counting values and depth so it can say why it stopped.
    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        let maximumValues: Int
        var values = 0
        var depth = 0
        /// Why reading stopped, when the reader itself did not give up.
        var problem: String?

        init(bytes: UnsafeRawBufferPointer, maximumValues: Int) {
            self.bytes = bytes
            self.maximumValues = maximumValues
        }

        mutating func document() -> Result<PlanJSONValue, TerraformPlanError> {
            guard var reader = try? JSONReader(bytes) else { return .failure(TerraformPlanError("not JSON: the text is empty")) }
            do {
                let value = try read(&reader)
                try reader.finish()
                return .success(value)
            } catch {
                let (line, column) = Self.position(of: reader.offset, in: bytes)
                let why = problem ?? "not JSON"
                return .failure(TerraformPlanError("\(why) (line \(line), column \(column))"))
            }
        }

        private mutating func read(_ r: inout JSONReader) throws(JSONReader.GaveUp) -> PlanJSONValue {
            values += 1
            if values > maximumValues {
                problem = "more than \(maximumValues) JSON values"
                throw JSONReader.GaveUp()
            }
            r.skipWhitespace()
            switch r.peek() {
            case UInt8(ascii: "{"):
                try enter()
                try r.beginObject()
                var members: [String: PlanJSONValue] = [:]
                while try r.nextItem(closing: UInt8(ascii: "}")) {
                    let name = try r.string()
                    try r.colon()
                    if members.updateValue(try read(&r), forKey: name) != nil {
                        problem = "a member name appears twice in one object"
                        throw JSONReader.GaveUp()
                    }
                }
                depth -= 1
                return .object(members)
            case UInt8(ascii: "["):
                try enter()
                try r.beginArray()
                var items: [PlanJSONValue] = []
                while try r.nextElement() { items.append(try read(&r)) }
                depth -= 1
                return .array(items)
            case UInt8(ascii: "\""):
                return .string(try r.string())
            case UInt8(ascii: "t"), UInt8(ascii: "f"):
                return .bool(try r.bool())
            case UInt8(ascii: "n"):
                guard r.skipNull() else { throw JSONReader.GaveUp() }
                return .null
            default:
                let start = r.offset
                try r.skipValue()
                return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<r.offset]), as: UTF8.self))
            }
        }

        private mutating func enter() throws(JSONReader.GaveUp) {
            depth += 1
            if depth > JSONReader.maximumDepth {
                problem = "nested deeper than \(JSONReader.maximumDepth) levels"
                throw JSONReader.GaveUp()
            }
        }

        /// The 1-based line and column (in bytes) of `offset`.
        static func position(of offset: Int, in bytes: UnsafeRawBufferPointer) -> (Int, Int) {
            var line = 1
            var lineStart = 0
            for i in 0..<min(offset, bytes.count) where bytes[i] == DiffByte.lf {
                line += 1
                lineStart = i + 1
            }
            return (line, offset - lineStart + 1)
        }
    }
}
