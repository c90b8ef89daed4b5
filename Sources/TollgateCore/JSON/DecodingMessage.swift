/// Turns a DecodingError into one line naming the field, for `bad_request` messages and for
/// commands that read a request body as the server would (`tollgate policy check`).
///
/// It quotes nothing the client sent: request values may be secrets, and `DecodingError`'s own
/// descriptions quote them. Only the explanations Tollgate's decoders attach
/// (`DecodingExplanation`, which name what was expected) are passed on; the path is made of
/// the types' own member names and array indices.
public enum DecodingMessage {
    public static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            let p = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.hasPrefix(".") ? String(p.dropFirst()) : (p.isEmpty ? "body" : p)
        }
        switch error {
        case .keyNotFound(let key, let ctx): return "\(path(ctx.codingPath + [key])): missing (required)"
        case .typeMismatch(let type, let ctx): return "\(path(ctx.codingPath)): expected \(Self.name(type))"
        case .valueNotFound(let type, let ctx): return "\(path(ctx.codingPath)): expected \(Self.name(type)), found null"
        case .dataCorrupted(let ctx):
            if let explanation = ctx.underlyingError as? DecodingExplanation { return "\(path(ctx.codingPath)): \(explanation.text)" }
            if ctx.codingPath.isEmpty { return "the body is not valid JSON" }
            return "\(path(ctx.codingPath)): not a valid value here"
        @unknown default: return "the body could not be decoded"
        }
    }

    private static func name(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        default: type is [String: Any].Type || !(type is any Collection.Type) ? "an object" : "an array"
        }
    }
}
