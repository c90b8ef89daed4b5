extension PlanJSONValue {
    /// The value as compact JSON: members sorted by name, so equal values give equal text;
    /// numbers as they were read; strings escaped as `JSONWriter` escapes them.
    var jsonText: String {
        var writer = JSONWriter(capacity: 4096)
        write(into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private func write(into out: inout JSONWriter) {
        switch self {
        case .null: out.raw("null")
        case .bool(let b): out.bool(b)
        case .number(let text): out.number(verbatim: text)
        case .string(let s): out.string(s)
        case .array(let items): out.array(items) { out, item in item.write(into: &out) }
        case .object(let members):
            out.object(members.keys.sorted()) { out, key in
                out.string(key)
                out.raw(":")
                members[key]?.write(into: &out)
            }
        }
    }
}
