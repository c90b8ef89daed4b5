import Foundation
import TollgateCore

/// One call of a `tollgate mcp` tool, its arguments checked: what to do, before any I/O.
///
/// Pure: the MCP server hands over the tool's name and its arguments as JSON bytes; every way
/// they can be wrong becomes an `ArgumentError` whose message tells the model what to fix.
public enum McpToolCall: Hashable, Sendable {
    /// Submit `request`, then wait up to `wait` seconds for a decision.
    case requestApproval(ActionRequest, wait: Int)
    case waitForDecision(id: String, wait: Int)
    case getAction(id: String)
    case cancelRequest(id: String)
    /// Claude Code's permission prompt for one tool use.
    case approvalPrompt(Prompt)

    /// The longest wait one call may ask for: below the 60 s after which MCP clients drop a call.
    public static let maxWaitSeconds = 55
    public static let defaultWaitSeconds = 45

    /// One tool use Claude Code asks permission for (`--permission-prompt-tool`).
    public struct Prompt: Hashable, Sendable {
        public var toolName: String
        /// The tool's input, as JSON bytes, to hand back unchanged as `updatedInput`.
        public var input: JSONArgument
        public var toolUseID: String?
        /// What the tool will do, read from its input as the Claude Code hook reads it.
        public var tool: ClaudeCodeHook.Tool

        /// The file an edit or write would change, for the diff.
        public var filePath: String? {
            switch tool {
            case .edit(let path, _), .write(let path, _): path
            case .bash, .other: nil
            }
        }

        /// The action to submit: kind `mcp.<tool_name>`, summary and command from the input;
        /// `onDisk` is the file an edit or write would change.
        public func request(onDisk: ClaudeCodeHook.FileOnDisk) -> ActionRequest {
            let context = toolUseID.map { [ContextEntry(key: "tool_use_id", value: $0)] } ?? []
            let base = ActionRequest(kind: ClaudeCodeHook.kind(for: toolName, prefix: "mcp."), summary: toolName, context: context)
            return ClaudeCodeHook.describe(tool, of: toolName, in: base, onDisk: onDisk)
        }

        /// The Idempotency-Key: the same tool use asks once, however often Claude Code prompts;
        /// nil without a tool_use_id, where two identical uses must not share an answer.
        public var idempotencyKey: String? {
            toolUseID.map { "mcp-prompt-" + SHA256Hex.hex(Array($0.utf8)) }
        }
    }

    /// Why the arguments cannot be used; the message is the whole tool error.
    public struct ArgumentError: Error, Hashable, Sendable {
        public let message: String
        init(_ message: String) { self.message = message }
    }

    // MARK: - Reading the arguments

    /// The call of `tool` with `arguments` (a JSON object, or empty for none).
    public static func parse(tool: String, arguments: Data) throws(ArgumentError) -> McpToolCall {
        guard let name = McpToolCatalog.Name(rawValue: tool) else {
            throw ArgumentError(
                "unknown tool \(ClaudeCodeHook.excerpt(tool, 60)); the tools are " + McpToolCatalog.Name.allCases.map(\.rawValue).joined(separator: ", "))
        }
        var args = try Arguments(tool: tool, arguments)
        let call: McpToolCall
        switch name {
        case .requestApproval:
            var request = ActionRequest(kind: try args.string("kind"), summary: try args.string("summary"))
            request.command = try args.optionalString("command")
            request.resource = try args.optionalString("resource")
            request.environment = try args.optionalString("environment")
            if let risk = try args.optionalString("risk") {
                guard let value = Risk(rawValue: risk) else { throw args.error("risk must be one of low, medium, high, critical") }
                request.risk = value
            }
            request.justification = try args.optionalString("justification")
            request.context = try args.context()
            if let diff = try args.optionalString("diff") { request.diffs = [ActionDiff(title: "diff", text: diff)] }
            request.onBehalfOf = try args.optionalString("on_behalf_of")
            // The server's limits, checked here so the model hears which argument to fix.
            if let problem = request.validate(maxTTL: Int.max) { throw args.error(problem.replacingOccurrences(of: "diffs[0]", with: "diff")) }
            call = .requestApproval(request, wait: try args.wait())
        case .waitForDecision:
            call = .waitForDecision(id: try args.id(), wait: try args.wait())
        case .getAction:
            call = .getAction(id: try args.id())
        case .cancelRequest:
            call = .cancelRequest(id: try args.id())
        case .approvalPrompt:
            let toolName = try args.string("tool_name")
            guard case .object(let fields) = args.take("input") ?? .null else { throw args.error("input must be an object: the tool's input") }
            let toolUseID = try args.optionalString("tool_use_id")
            let input = JSONArgument.object(fields)
            let object = (try? JSONSerialization.jsonObject(with: input.data)) as? [String: Any] ?? [:]
            let tool: ClaudeCodeHook.Tool
            do { tool = try ClaudeCodeHook.tool(toolName, object) } catch { throw args.error("input does not fit the tool: \(error.message)") }
            call = .approvalPrompt(Prompt(toolName: toolName, input: input, toolUseID: toolUseID, tool: tool))
        }
        try args.finish()
        return call
    }

    /// The arguments object, taken apart one name at a time so that leftovers can be named.
    private struct Arguments {
        let tool: String
        var fields: [String: JSONArgument]

        init(tool: String, _ data: Data) throws(ArgumentError) {
            self.tool = tool
            if data.isEmpty {
                fields = [:]
                return
            }
            guard let value = try? JSONDecoder().decode(JSONArgument.self, from: data) else { throw ArgumentError("\(tool): the arguments are not JSON") }
            switch value {
            case .object(let members): fields = members
            case .null: fields = [:]
            default: throw ArgumentError("\(tool): the arguments must be a JSON object")
            }
        }

        func error(_ message: String) -> ArgumentError { ArgumentError("\(tool): \(message)") }

        mutating func take(_ name: String) -> JSONArgument? {
            guard let value = fields.removeValue(forKey: name), value != .null else { return nil }
            return value
        }

        mutating func string(_ name: String) throws(ArgumentError) -> String {
            guard let value = try optionalString(name) else { throw error("\(name) is required (a string)") }
            return value
        }

        mutating func optionalString(_ name: String) throws(ArgumentError) -> String? {
            guard let value = take(name) else { return nil }
            guard case .string(let text) = value else { throw error("\(name) must be a string") }
            return text
        }

        mutating func id() throws(ArgumentError) -> String {
            let id = try string("id")
            guard !id.isEmpty, id.utf8.count <= 200 else { throw error("id must be the id a request_approval result gave, e.g. act_…") }
            return id
        }

        mutating func wait() throws(ArgumentError) -> Int {
            guard let value = take("wait_seconds") else { return McpToolCall.defaultWaitSeconds }
            guard case .integer(let seconds) = value, (0...Int64(McpToolCall.maxWaitSeconds)).contains(seconds) else {
                throw error("wait_seconds must be a whole number from 0 to \(McpToolCall.maxWaitSeconds)")
            }
            return Int(seconds)
        }

        mutating func context() throws(ArgumentError) -> [ContextEntry] {
            guard let value = take("context") else { return [] }
            guard case .object(let members) = value else { throw error("context must be an object of string values") }
            var entries: [ContextEntry] = []
            for key in members.keys.sorted() {
                guard case .string(let text) = members[key] else { throw error("context.\(ClaudeCodeHook.excerpt(key, 60)) must be a string") }
                entries.append(ContextEntry(key: key, value: text))
            }
            return entries
        }

        /// Refuses names the tool does not take: a misspelt argument must not be silently dropped.
        func finish() throws(ArgumentError) {
            guard fields.isEmpty else {
                throw error("unknown argument " + fields.keys.sorted().map { ClaudeCodeHook.excerpt($0, 60) }.joined(separator: ", "))
            }
        }
    }
}

/// A JSON value as an MCP client sent it, numbers kept apart as integers and fractions, so that
/// arguments are checked by their real types and a tool's input goes back exactly as it came.
public indirect enum JSONArgument: Hashable, Sendable, Codable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONArgument])
    case object([String: JSONArgument])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Booleans first: the decoder refuses 1 as a Bool, so true never reads as 1 or back.
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONArgument].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONArgument].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The value as JSON text, keys sorted.
    public var data: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }
}
