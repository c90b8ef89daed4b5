import Foundation
import TollgateCore

/// Claude Code's `PreToolUse` hook, as data: its input read, the action it asks for, and the answer.
///
/// Pure: the command reads standard input and the file an edit would change, and passes the
/// bytes here; nothing in this file touches the disk or the network. The transcript path in the
/// input is ignored: it is never read or sent.
///
/// ```swift
/// let event = try ClaudeCodeHook.parse(stdinBytes)
/// let request = ClaudeCodeHook.request(for: event, onDisk: .contents(text))
/// print(ClaudeCodeHook.output(.allow, reason: "approved by alice"))
/// ```
public enum ClaudeCodeHook {
    /// The most standard input may hold: a `Write` of a large file fits, a runaway pipe does not.
    public static let maxInputBytes = 16 << 20
    /// The most of a file on disk that is read to diff against.
    public static let maxFileBytes = 4 << 20

    /// One tool use Claude Code is about to make.
    public struct Event: Hashable, Sendable {
        public var sessionID: String
        public var toolUseID: String?
        public var cwd: String?
        public var permissionMode: String?
        public var agentType: String?
        /// As Claude Code spells it: `Bash`, `Edit`, `mcp__github__create_issue`…
        public var toolName: String
        public var tool: Tool

        /// The file whose current contents the diff needs, when the tool writes one.
        public var filePath: String? {
            switch tool {
            case .edit(let path, _), .write(let path, _): path
            case .bash, .other: nil
            }
        }
    }

    /// What the tool will do, in the parts the action shows.
    public enum Tool: Hashable, Sendable {
        case bash(command: String)
        /// `Edit` (one replacement) and `MultiEdit` (several, applied in order).
        case edit(filePath: String, edits: [Replacement])
        case write(filePath: String, content: String)
        /// Any other tool: its input as compact JSON with sorted keys.
        case other(input: String)
    }

    /// One `old_string` → `new_string` of an edit.
    public struct Replacement: Hashable, Sendable {
        public var old: String
        public var new: String
        public var all: Bool

        public init(old: String, new: String, all: Bool) {
            self.old = old; self.new = new; self.all = all
        }
    }

    /// The file an edit would change, as the command found it.
    public enum FileOnDisk: Hashable, Sendable {
        case absent
        case contents(String)
        /// There but not diffable (too large, not UTF-8, unreadable): why, for the approver.
        case unreadable(String)
    }

    /// Why the input is not a tool use to ask about; the message is the deny reason's tail.
    public struct InputError: Error, Hashable, Sendable {
        public let message: String
        init(_ message: String) { self.message = message }
    }

    // MARK: - Reading the input

    /// The event in `data`, or why it is not a `PreToolUse` event this hook can ask about.
    public static func parse(_ data: [UInt8]) throws(InputError) -> Event {
        guard data.count <= maxInputBytes else { throw InputError("the input is over \(maxInputBytes) bytes") }
        let object: [String: Any]
        do {
            guard let top = try JSONSerialization.jsonObject(with: Data(data)) as? [String: Any] else {
                throw InputError("the input is not a JSON object")
            }
            object = top
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError("the input is not JSON")
        }
        guard let event = object["hook_event_name"] as? String else { throw InputError("hook_event_name is missing") }
        guard event == "PreToolUse" else { throw InputError("\(excerpt(event, 40)) is not a PreToolUse event") }
        guard let session = object["session_id"] as? String, !session.isEmpty else { throw InputError("session_id is missing") }
        guard let toolName = object["tool_name"] as? String, !toolName.isEmpty else { throw InputError("tool_name is missing") }
        guard let input = object["tool_input"] as? [String: Any] else { throw InputError("tool_input is not an object") }
        return Event(
            sessionID: session, toolUseID: nonEmpty(object["tool_use_id"]), cwd: nonEmpty(object["cwd"]),
            permissionMode: nonEmpty(object["permission_mode"]), agentType: nonEmpty(object["agent_type"]),
            toolName: toolName, tool: try tool(toolName, input))
    }

    /// The tool `name` will run with `input`, in the parts the action shows; why not, when the
    /// input lacks what the tool needs. Shared with `McpToolCall`'s permission prompt.
    static func tool(_ name: String, _ input: [String: Any]) throws(InputError) -> Tool {
        func string(_ key: String) throws(InputError) -> String {
            guard let value = input[key] as? String else { throw InputError("\(name): tool_input.\(key) is not a string") }
            return value
        }
        func path() throws(InputError) -> String {
            let value = try string("file_path")
            guard !value.isEmpty else { throw InputError("\(name): tool_input.file_path is empty") }
            return value
        }
        switch name {
        case "Bash":
            return .bash(command: try string("command"))
        case "Edit":
            let replaceAll = input["replace_all"] as? Bool ?? false
            return .edit(filePath: try path(), edits: [Replacement(old: try string("old_string"), new: try string("new_string"), all: replaceAll)])
        case "MultiEdit":
            guard let list = input["edits"] as? [[String: Any]], !list.isEmpty else { throw InputError("MultiEdit: tool_input.edits is not a list of edits") }
            var edits: [Replacement] = []
            for (index, edit) in list.enumerated() {
                guard let old = edit["old_string"] as? String, let new = edit["new_string"] as? String else {
                    throw InputError("MultiEdit: edits[\(index)] lacks old_string or new_string")
                }
                edits.append(Replacement(old: old, new: new, all: edit["replace_all"] as? Bool ?? false))
            }
            return .edit(filePath: try path(), edits: edits)
        case "Write":
            return .write(filePath: try path(), content: try string("content"))
        default:
            let bytes = (try? JSONSerialization.data(withJSONObject: input, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            return .other(input: String(decoding: bytes, as: UTF8.self))
        }
    }

    private static func nonEmpty(_ value: Any?) -> String? {
        guard let s = value as? String, !s.isEmpty else { return nil }
        return s
    }

    // MARK: - The action

    /// The kind for `toolName`: `prefix` and the name lowercased, every character outside
    /// a-z 0-9 _ - (dots included, so the name stays one segment) made `_`, cut to fit 64 bytes.
    public static func kind(for toolName: String, prefix: String = "claude-code.") -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_-")
        var segment = String(toolName.lowercased().map { allowed.contains($0) ? $0 : "_" })
        if segment.isEmpty { segment = "unknown" }
        return prefix + segment.prefix(ActionRequest.Limits.kindLength - prefix.count)
    }

    /// The Idempotency-Key for the event: the same tool use asks once, however often the hook runs.
    ///
    /// A hash, so any session and tool-use ids fit the key's alphabet and length; nil without a
    /// tool_use_id, where two identical commands of one session must not share an answer.
    public static func idempotencyKey(for event: Event) -> String? {
        guard let toolUse = event.toolUseID else { return nil }
        return "claude-code-" + SHA256Hex.hex(Array(event.sessionID.utf8) + [0] + Array(toolUse.utf8))
    }

    /// The action to submit for `event`; `onDisk` is the file an edit or write would change.
    public static func request(for event: Event, onDisk: FileOnDisk = .absent) -> ActionRequest {
        var context: [ContextEntry] = []
        for (key, value) in [
            ("cwd", event.cwd), ("session_id", event.sessionID), ("permission_mode", event.permissionMode),
            ("tool_use_id", event.toolUseID), ("agent_type", event.agentType),
        ] {
            if let value { context.append(ContextEntry(key: key, value: value)) }
        }
        let request = ActionRequest(kind: kind(for: event.toolName), summary: event.toolName, context: context, session: event.sessionID)
        return describe(event.tool, of: event.toolName, in: request, onDisk: onDisk)
    }

    /// `request` with what `tool` (named `toolName`) will do: command, resource, diff and summary.
    static func describe(_ tool: Tool, of toolName: String, in request: ActionRequest, onDisk: FileOnDisk) -> ActionRequest {
        var request = request
        switch tool {
        case .bash(let command):
            let firstLine = command.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            request.command = command
            request.summary = firstLine.trimmingCharacters(in: .whitespaces).isEmpty ? "Bash: an empty command" : firstLine
        case .edit(let path, let edits):
            request.resource = path
            request.summary = toolName + " " + path + (edits.count > 1 ? " (\(edits.count) edits)" : "")
            attachDiff(to: &request, path: path, onDisk: onDisk) { old throws(InputError) in try apply(edits, to: old) }
        case .write(let path, let content):
            request.resource = path
            request.summary = toolName + " " + path + (onDisk == .absent ? " (new file)" : "")
            attachDiff(to: &request, path: path, onDisk: onDisk) { _ throws(InputError) in content }
        case .other(let input):
            request.command = input
            request.summary = toolName + " " + input
        }
        request.summary = clipped(request.summary, ActionRequest.Limits.summaryLength)
        return request
    }

    /// Adds the diff of the file on disk against `proposed(onDisk)`, or a context entry saying why there is none.
    private static func attachDiff(
        to request: inout ActionRequest, path: String, onDisk: FileOnDisk, _ proposed: (String?) throws(InputError) -> String
    ) {
        let old: String?
        switch onDisk {
        case .absent: old = nil
        case .contents(let text): old = text
        case .unreadable(let why):
            request.context.append(ContextEntry(key: "diff", value: "not shown: the file on disk \(why)"))
            return
        }
        let new: String
        do { new = try proposed(old) } catch {
            request.context.append(ContextEntry(key: "diff", value: "not shown: \(error.message)"))
            return
        }
        switch UnifiedDiffWriter.diff(old: old ?? "", new: new, oldPath: old == nil ? nil : path, newPath: path) {
        case .diff(let text): request.diffs.append(ActionDiff(title: path, text: text))
        case .identical: request.context.append(ContextEntry(key: "diff", value: "none: the file would not change"))
        case .tooLarge(let why): request.context.append(ContextEntry(key: "diff", value: "diff too large: \(why)"))
        }
    }

    /// The text after `edits`, in order, as the Edit tool makes them: each `old` must occur
    /// (exactly once unless `all`); an empty `old` creates a file that does not exist yet.
    static func apply(_ edits: [Replacement], to old: String?) throws(InputError) -> String {
        var text = Array((old ?? "").utf8)
        for (index, edit) in edits.enumerated() {
            let which = edits.count > 1 ? "edit \(index + 1): " : ""
            if edit.old.isEmpty {
                guard text.isEmpty else { throw InputError("\(which)old_string is empty but the file is not") }
                text = Array(edit.new.utf8)
                continue
            }
            let needle = Array(edit.old.utf8)
            let found = occurrences(of: needle, in: text)
            guard !found.isEmpty else { throw InputError("\(which)old_string is not in the file, so the tool would fail") }
            guard edit.all || found.count == 1 else { throw InputError("\(which)old_string occurs \(found.count) times, so the tool would fail") }
            var out: [UInt8] = []
            var position = 0
            for start in found {
                out += text[position..<start]
                out += edit.new.utf8
                position = start + needle.count
            }
            out += text[position...]
            text = out
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Starts of the non-overlapping occurrences of `needle` in `haystack`, left to right.
    private static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard !needle.isEmpty, needle.count <= haystack.count else { return [] }
        var found: [Int] = []
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) {
                found.append(i)
                i += needle.count
            } else {
                i += 1
            }
        }
        return found
    }

    // MARK: - The answer

    /// What Claude Code is told to do with the tool use.
    public enum Permission: String, Hashable, Sendable {
        case allow, deny, ask
    }

    /// The one JSON object the hook prints, with its newline.
    public static func output(_ permission: Permission, reason: String) -> String {
        let body = JSONValue.object([
            "hookSpecificOutput": .object([
                "hookEventName": .string("PreToolUse"),
                "permissionDecision": .string(permission.rawValue),
                "permissionDecisionReason": .string(reason),
            ])
        ])
        return body.canonicalString + "\n"
    }

    /// Who decided the resolved `action` and why, in one line: `approved by alice: ok; bob`, or
    /// the rule (`policy:<id>`) and its reason for a resolution at submission.
    public static func account(of action: Action) -> String {
        let subject = "Tollgate \(action.id)"
        if let rule = action.resolvingRule {
            return "\(subject) \(action.status.rawValue) by \(rule.decider): \(excerpt(rule.reason, 300))"
        }
        let verdict: Verdict? =
            switch action.status {
            case .approved: .approve
            case .denied: .deny
            default: nil
            }
        guard let verdict else { return "\(subject) \(action.status.rawValue) without a decision" }
        let deciders = action.decisions.filter { $0.verdict == verdict }.map { d in
            excerpt(d.approver, 80) + (d.breakGlass ? " (break-glass)" : "") + (d.reason.isEmpty ? "" : ": " + excerpt(d.reason, 300))
        }
        return "\(subject) \(action.status.rawValue) by " + (deciders.isEmpty ? "the server" : deciders.joined(separator: "; "))
    }

    /// `text` on one line (line breaks and other controls made spaces), at most `limit` characters.
    static func excerpt(_ text: String, _ limit: Int) -> String {
        let flat = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
        return clipped(flat, limit)
    }

    private static func clipped(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : text.prefix(limit - 1) + "…"
    }
}
