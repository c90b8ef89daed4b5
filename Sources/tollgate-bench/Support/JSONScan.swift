/// Reads one top-level string member out of a JSON object without decoding the rest.
///
/// The load generators pull `id` and `digest` out of thousands of responses and events a
/// second; a full `JSONDecoder` pass would spend the CPU the server under test needs on this
/// 2-core machine. The scan follows strings (and their escapes) and nesting depth, so a key
/// inside a nested object or inside a string value is never taken for a top-level one.
enum JSONScan {
    /// The value of top-level member `key` when it is a string without escapes; nil otherwise.
    static func topLevelString(_ key: String, in bytes: UnsafeRawBufferPointer) -> String? {
        let wanted = Array(key.utf8)
        var depth = 0
        var i = 0
        var expectingKey = false
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "{"):
                depth += 1
                expectingKey = depth == 1
                i += 1
            case UInt8(ascii: "["):
                depth += 1
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                i += 1
            case UInt8(ascii: ","):
                expectingKey = depth == 1
                i += 1
            case UInt8(ascii: "\""):
                let start = i + 1
                guard let end = stringEnd(bytes, from: start) else { return nil }
                i = end + 1
                guard expectingKey else { continue }
                expectingKey = false
                guard end - start == wanted.count, (0..<wanted.count).allSatisfy({ bytes[start + $0] == wanted[$0] }) else { continue }
                while i < bytes.count, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: ":") { i += 1 }
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
                guard let valueEnd = stringEnd(bytes, from: i + 1) else { return nil }
                let value = UnsafeRawBufferPointer(rebasing: bytes[(i + 1)..<valueEnd])
                guard !value.contains(UInt8(ascii: "\\")) else { return nil }
                return String(decoding: value, as: UTF8.self)
            default:
                i += 1
            }
        }
        return nil
    }

    static func topLevelString(_ key: String, in text: String) -> String? {
        var text = text
        return text.withUTF8 { topLevelString(key, in: UnsafeRawBufferPointer($0)) }
    }

    /// The index of the quote closing a string whose content starts at `from`.
    private static func stringEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = from
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "\""): return i
            default: i += 1
            }
        }
        return nil
    }
}
