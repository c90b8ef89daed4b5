/// What a field expected, attached as the `underlyingError` of the `DecodingError`s Tollgate's
/// own decoders throw: text that quotes nothing of the input, so a server may send it back.
///
/// `DecodingError`'s own descriptions quote the value that failed (`Cannot initialize Verdict
/// from invalid String value password=…`), and request values may be secrets; a message built
/// for a response uses this text or names the field only.
public struct DecodingExplanation: Error, Sendable, CustomStringConvertible {
    /// `expected low, medium, high or critical`: what was wanted, never what was sent.
    public let text: String

    public init(_ text: String) { self.text = text }

    public var description: String { text }

    /// A `dataCorrupted` error at `codingPath` carrying `text` as its explanation.
    public static func error(_ text: String, at codingPath: [any CodingKey]) -> DecodingError {
        DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: text, underlyingError: DecodingExplanation(text)))
    }

    /// `a, b or c`: a list of choices in prose.
    public static func choices(_ names: [String]) -> String {
        names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
    }
}

/// A string enum on the wire: decoding an unknown value explains the choices, without
/// quoting the value (see `DecodingExplanation`).
public protocol WireEnum: RawRepresentable, CaseIterable, Decodable where RawValue == String {}

extension WireEnum {
    /// `expected low, medium, high or critical`.
    public static var expectedText: String { "expected " + DecodingExplanation.choices(allCases.map(\.rawValue)) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let value = Self(rawValue: try container.decode(String.self)) else {
            throw DecodingExplanation.error(Self.expectedText, at: decoder.codingPath)
        }
        self = value
    }
}
