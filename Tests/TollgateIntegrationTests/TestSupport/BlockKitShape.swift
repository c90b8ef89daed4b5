import Foundation
import TollgateCore

/// A strict check of a Slack incoming-webhook message against the Block Kit rules Slack
/// enforces (it answers `invalid_blocks` and drops the message otherwise), limited to what a
/// Tollgate message may contain: `text` and `blocks`, and only header, section and context
/// blocks of text objects.
///
/// Lengths are counted in UTF-16 code units, the largest count of a text's "characters" Slack
/// could mean, so a message that passes here fits however Slack counts. Anything Tollgate does
/// not send (another key, block type or text object field) is a problem, so a change to the
/// payload is checked against the documentation before this accepts it.
///
/// ```swift
/// XCTAssertEqual(BlockKitShape.problems(in: body), [])
/// ```
enum BlockKitShape {
    /// Slack's limits (Block Kit reference: blocks, text objects, `chat.postMessage`).
    static let maximumBlocks = 50
    static let maximumMessageText = 40_000
    static let maximumHeaderText = 150
    static let maximumTextObject = 3_000
    static let maximumFields = 10
    static let maximumFieldText = 2_000
    static let maximumContextElements = 10

    /// One text object as found in a message: where, its type, and its text.
    struct TextObject: Equatable {
        var path: String
        var type: String
        var text: String
    }

    /// What is wrong with `body` as a Slack message, each as `path: problem`; empty when nothing is.
    static func problems(in body: [UInt8]) -> [String] {
        var check = Check()
        check.message(body)
        return check.problems
    }

    /// The text objects of `body`, in order (empty when it is not a message at all).
    static func textObjects(in body: [UInt8]) -> [TextObject] {
        var check = Check()
        check.message(body)
        return check.texts
    }

    /// The top-level `text` of `body`: the notification's fallback, which Slack reads as mrkdwn.
    static func fallbackText(in body: [UInt8]) -> String? {
        (try? JSONDecoder().decode(JSONValue.self, fromUntrusted: Data(body)))?["text"]?.stringValue
    }

    /// One walk over a message, collecting problems and text objects.
    private struct Check {
        var problems: [String] = []
        var texts: [TextObject] = []

        mutating func message(_ body: [UInt8]) {
            // Refuses a member name given twice, which Slack's parser and ours might read apart.
            guard let value = try? JSONDecoder().decode(JSONValue.self, fromUntrusted: Data(body)) else {
                return problems.append("the body is not JSON (or repeats a member name)")
            }
            guard case .object(let top) = value else { return problems.append("the body is not a JSON object") }
            keys(top, allowed: ["text", "blocks"], at: "message")
            if let text = string(top["text"], at: "text") { length(text, 1...BlockKitShape.maximumMessageText, at: "text") }
            guard case .array(let blocks)? = top["blocks"] else { return problems.append("blocks: missing or not an array") }
            if !(1...BlockKitShape.maximumBlocks).contains(blocks.count) { problems.append("blocks: \(blocks.count) blocks, expected 1 to 50") }
            for (index, block) in blocks.enumerated() { self.block(block, at: "blocks[\(index)]") }
        }

        private mutating func block(_ value: JSONValue, at path: String) {
            guard case .object(let block) = value else { return problems.append("\(path): not an object") }
            switch block["type"]?.stringValue {
            case "header":
                keys(block, allowed: ["type", "text"], at: path)
                textObject(block["text"], types: ["plain_text"], limit: BlockKitShape.maximumHeaderText, at: "\(path).text")
            case "section":
                keys(block, allowed: ["type", "text", "fields"], at: path)
                guard block["text"] != nil || block["fields"] != nil else { return problems.append("\(path): a section needs text or fields") }
                if let text = block["text"] {
                    textObject(text, types: ["plain_text", "mrkdwn"], limit: BlockKitShape.maximumTextObject, at: "\(path).text")
                }
                if let fields = block["fields"] {
                    list(fields, maximum: BlockKitShape.maximumFields, at: "\(path).fields") { check, field, at in
                        check.textObject(field, types: ["plain_text", "mrkdwn"], limit: BlockKitShape.maximumFieldText, at: at)
                    }
                }
            case "context":
                keys(block, allowed: ["type", "elements"], at: path)
                list(block["elements"], maximum: BlockKitShape.maximumContextElements, at: "\(path).elements") { check, element, at in
                    check.textObject(element, types: ["plain_text", "mrkdwn"], limit: BlockKitShape.maximumTextObject, at: at)
                }
            case let type:
                problems.append("\(path): block type \((type ?? "(none)").debugDescription) is not header, section or context")
            }
        }

        /// `value` as an array of 1 to `maximum` items, each checked by `item`.
        private mutating func list(
            _ value: JSONValue?, maximum: Int, at path: String, _ item: (inout Check, JSONValue, String) -> Void
        ) {
            guard case .array(let items)? = value else { return problems.append("\(path): missing or not an array") }
            if !(1...maximum).contains(items.count) { problems.append("\(path): \(items.count) items, expected 1 to \(maximum)") }
            for (index, element) in items.enumerated() { item(&self, element, "\(path)[\(index)]") }
        }

        /// A text object: exactly `type` and `text`, and `emoji` (a bool) on plain text only.
        private mutating func textObject(_ value: JSONValue?, types: Set<String>, limit: Int, at path: String) {
            guard case .object(let object)? = value else { return problems.append("\(path): missing or not a text object") }
            let type = object["type"]?.stringValue ?? ""
            if !types.contains(type) { problems.append("\(path).type: \(type.debugDescription), expected one of \(types.sorted())") }
            keys(object, allowed: type == "plain_text" ? ["type", "text", "emoji"] : ["type", "text"], at: path)
            switch object["emoji"] {
            case nil, .bool?: break
            default: problems.append("\(path).emoji: not a bool")
            }
            guard let text = string(object["text"], at: "\(path).text") else { return }
            length(text, 1...limit, at: "\(path).text")
            if text.allSatisfy(\.isWhitespace) { problems.append("\(path).text: nothing but white space") }
            texts.append(TextObject(path: path, type: type, text: text))
        }

        private mutating func keys(_ object: [String: JSONValue], allowed: Set<String>, at path: String) {
            for key in object.keys.sorted() where !allowed.contains(key) { problems.append("\(path): unknown key \(key.debugDescription)") }
        }

        private mutating func string(_ value: JSONValue?, at path: String) -> String? {
            guard let text = value?.stringValue else {
                problems.append("\(path): missing or not a string")
                return nil
            }
            return text
        }

        private mutating func length(_ text: String, _ range: ClosedRange<Int>, at path: String) {
            let count = text.utf16.count
            if !range.contains(count) { problems.append("\(path): \(count) UTF-16 code units, expected \(range.lowerBound) to \(range.upperBound)") }
        }
    }
}
