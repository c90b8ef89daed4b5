import Foundation
import TollgateCore

/// JSON in and out of request and response bodies, with errors as one-line `ClientError`s.
enum JSONBody {
    static func encode<T: Encodable>(_ value: T) throws(ClientError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(value))
        } catch {
            throw .decoding("could not encode the request: \(error)")
        }
    }

    /// Decodes `bytes`; `what` names the call in the error (`GET /v1/whoami`).
    static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>, what: String) throws(ClientError) -> T {
        do {
            return try JSONDecoder().decode(type, fromUntrusted: Data(bytes))
        } catch let error as DecodingError {
            throw .decoding("\(what): \(oneLine(error))")
        } catch {
            throw .decoding("\(what): \(ClientError.excerpt(String(describing: error)))")
        }
    }

    /// Where in the document decoding failed and why, without the noise of `DecodingError`'s own text.
    static func oneLine(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let text = keys.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return text.isEmpty ? "the document" : String(text.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .dataCorrupted(let context):
            // The underlying error says which byte broke the JSON; the context only that it broke.
            let detail = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            return "\(path(context.codingPath)): \(ClientError.excerpt(detail, limit: 160))"
        @unknown default:
            return ClientError.excerpt(String(describing: error), limit: 160)
        }
    }
}
