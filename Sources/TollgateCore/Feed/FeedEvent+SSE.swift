import Foundation

// MARK: - Decoding feed events

extension FeedEvent {
    /// Decodes one server-sent event of `GET /v1/feed` (protocol.md, "The feed").
    ///
    /// `action` carries an `Action` as JSON, with the event id as its sequence number when that id
    /// is a decimal number; `sync` carries `SyncData`; `reset` carries nothing meaningful; any other
    /// type is `.unknown`, which consumers ignore. Data that does not decode throws a
    /// `MalformedFeedEvent` whose reason is one line of at most 200 characters, without raw control
    /// characters, since it quotes server-sent text and ends up in logs and on screen.
    ///
    /// Actions are read by `Action(json:)`, which gives what `JSONDecoder` gives in a single pass;
    /// `decoder` decodes `sync` data.
    public static func decode(
        _ event: SSEEvent, decoder: JSONDecoder = JSONDecoder()
    ) throws(MalformedFeedEvent) -> FeedEvent {
        switch event.type {
        case "action":
            let action = try decodeData(of: event) { try Action(json: $0) }
            return .action(action, seq: sequenceNumber(event.lastEventID))
        case "sync":
            let sync = try decodeData(of: event) { try decoder.decode(SyncData.self, fromUntrusted: Data($0.utf8)) }
            return .sync(seq: sync.seq, pending: sync.pending)
        case "reset":
            return .reset
        default:
            return .unknown(type: event.type)
        }
    }

    /// `decode(event.data)`, its failure turned into a `MalformedFeedEvent`.
    private static func decodeData<T>(
        of event: SSEEvent, _ decode: (String) throws -> T
    ) throws(MalformedFeedEvent) -> T {
        do {
            return try decode(event.data)
        } catch {
            throw MalformedFeedEvent(
                type: FeedText.oneLine(event.type),
                id: FeedText.oneLine(event.lastEventID),
                reason: FeedText.oneLine(FeedText.reason(for: error, data: event.data))
            )
        }
    }

    /// The event id as a sequence number: ASCII digits only (no sign), within `Int64`.
    private static func sequenceNumber(_ id: String) -> Int64? {
        guard !id.isEmpty, id.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(id)
    }
}

// MARK: - Reasons

/// Turns decoding failures and server-sent text into short, single-line, inert reasons.
private enum FeedText {
    static let limit = 200

    /// What went wrong and where, e.g. `missing field "requester.id"`.
    static func reason(for error: any Error, data: String) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \"\(path(context.codingPath + [key]))\""
        case .valueNotFound(_, let context):
            return "at \(location(context.codingPath)): \(context.debugDescription)"
        case .typeMismatch(_, let context):
            return "at \(location(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                // The decoder says no more than this, so the start of the data shows what came instead.
                guard !data.isEmpty else { return "data is empty, expected JSON" }
                return "data is not valid JSON: \(String(data.prefix(40)).debugDescription)"
            }
            return "at \(location(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }

    private static func location(_ codingPath: [any CodingKey]) -> String {
        codingPath.isEmpty ? "top level" : "\"\(path(codingPath))\""
    }

    /// `decisions[0].at`
    private static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                if !out.isEmpty { out += "." }
                out += key.stringValue
            }
        }
        return out
    }

    /// `text` with control, line-breaking and bidirectional-override characters escaped as
    /// `\u{…}`, cut to `limit` characters (the last one an ellipsis when cut).
    static func oneLine(_ text: String) -> String {
        var out = ""
        var scanned = 0
        var cut = false
        // Scanning stops early so that a megabyte of text costs no more than a short one.
        for scalar in text.unicodeScalars {
            guard scanned < 4 * limit else {
                cut = true
                break
            }
            scanned += 1
            if isInert(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        guard cut || out.count > limit else { return out }
        return String(out.prefix(limit - 1)) + "…"
    }

    private static func isInert(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029:
            return false
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
            return false
        default:
            return true
        }
    }
}
