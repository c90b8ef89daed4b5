/// Renders a JSON plan in the style of `terraform plan`'s text, one `PlanLine` at a time.
///
/// Attributes are sorted by name and aligned; unchanged ones are counted, not shown; nested
/// objects and lists open on their own lines, so each changed value has a line of its own;
/// sensitive values (`before_sensitive` / `after_sensitive`) read `(sensitive value)` and
/// unknown ones (`after_unknown`) `(known after apply)`.
enum TerraformPlanRenderer {
    /// Lines and bytes a rendering stops at (the last line then says so): a plan of the
    /// largest body the server takes renders well within both, and deep nesting cannot make
    /// the text grow past them (indentation also stops growing at `maximumIndent` levels).
    static let maximumLines = 200_000
    static let maximumBytes = 32 << 20
    static let maximumIndent = 16

    static func render(_ document: TerraformPlanJSON) -> TerraformPlan {
        var out = Output()
        var resources: [PlanResource] = []
        for change in document.resources {
            // Past the limits a resource still counts in the summary; its heading is the last line.
            out.builder.resource = Int32(resources.count)
            resources.append(PlanResource(address: change.address, action: change.action, headingLine: out.builder.lineCount))
            if out.stopped { resources[resources.count - 1].headingLine = out.builder.lineCount - 1 } else { out.resource(change) }
        }
        out.builder.resource = PlanLineRecord.noResource
        if !document.outputs.isEmpty {
            out.line(.heading, "Changes to Outputs:")
            for change in document.outputs {
                out.member(change.address, before: change.before, after: change.after, masks: Masks(change), depth: 0, width: 0)
            }
            out.line(.context, "")
        }
        let summary = PlanSummary(resources)
        out.line(.heading, "Plan: " + summary.text + ".")
        return out.builder.plan(resources: resources)
    }

    /// What a line does, which gives its marker and kind.
    enum Op {
        case add, remove, change, replaceDestroyingFirst, replaceCreatingFirst, read, none

        var marker: String {
            switch self {
            case .add: "+"
            case .remove: "-"
            case .change: "~"
            case .replaceDestroyingFirst: "-/+"
            case .replaceCreatingFirst: "+/-"
            case .read: "<="
            case .none: ""
            }
        }

        var kind: PlanLine.Kind {
            switch self {
            case .add: .added
            case .remove: .removed
            case .change: .changed
            case .replaceDestroyingFirst, .replaceCreatingFirst: .replaced
            case .read: .read
            case .none: .context
            }
        }
    }

    /// The sensitivity and unknown masks beside a value, walked down with it.
    struct Masks {
        var beforeSensitive: PlanJSONValue?
        var afterSensitive: PlanJSONValue?
        var afterUnknown: PlanJSONValue?

        init(beforeSensitive: PlanJSONValue?, afterSensitive: PlanJSONValue?, afterUnknown: PlanJSONValue?) {
            self.beforeSensitive = beforeSensitive
            self.afterSensitive = afterSensitive
            self.afterUnknown = afterUnknown
        }

        init(_ change: TerraformPlanJSON.Change) {
            self.init(beforeSensitive: change.beforeSensitive, afterSensitive: change.afterSensitive, afterUnknown: change.afterUnknown)
        }

        /// The masks of member `key`: a `true` covers everything beneath it.
        func member(_ key: String) -> Masks {
            Masks(
                beforeSensitive: Self.child(beforeSensitive, key), afterSensitive: Self.child(afterSensitive, key), afterUnknown: Self.child(afterUnknown, key))
        }

        /// The masks of element `before` of the old list and element `after` of the new one.
        func element(before: Int?, after: Int?) -> Masks {
            Masks(
                beforeSensitive: Self.child(beforeSensitive, before), afterSensitive: Self.child(afterSensitive, after),
                afterUnknown: Self.child(afterUnknown, after))
        }

        private static func child(_ mask: PlanJSONValue?, _ key: String) -> PlanJSONValue? {
            mask?.isTrue == true ? mask : mask?[key]
        }

        private static func child(_ mask: PlanJSONValue?, _ index: Int?) -> PlanJSONValue? {
            if mask?.isTrue == true { return mask }
            guard let index, case .array(let items) = mask ?? .null, index < items.count else { return nil }
            return items[index]
        }
    }

    /// The lines written so far, and the limits.
    struct Output {
        var builder = PlanLineBuilder()
        private(set) var stopped = false

        mutating func line(_ kind: PlanLine.Kind, _ text: String) {
            guard !stopped else { return }
            if builder.lineCount >= maximumLines - 1 || builder.byteCount + text.utf8.count > maximumBytes {
                stopped = true
                builder.append(
                    .heading, "… the rendering stops here (more than \(maximumLines) lines or \(maximumBytes >> 20) MiB); the plan's JSON holds the rest")
                return
            }
            builder.append(kind, text)
        }

        // MARK: Resources

        mutating func resource(_ change: TerraformPlanJSON.Change) {
            let deposed = change.deposed.map { " (deposed object \($0))" } ?? ""
            let op: Op
            let phrase: String
            switch change.action {
            case .create: (op, phrase) = (.add, "will be created")
            case .update: (op, phrase) = (.change, "will be updated in-place")
            case .destroy: (op, phrase) = (.remove, "will be destroyed")
            case .replace: (op, phrase) = (change.createsFirst ? .replaceCreatingFirst : .replaceDestroyingFirst, "must be replaced")
            case .read: (op, phrase) = (.read, "will be read during apply")
            case .forget: (op, phrase) = (.none, "will no longer be managed by Terraform")
            }
            line(.heading, "  # \(change.address)\(deposed) \(phrase)")
            let block = change.mode == "data" ? "data" : "resource"
            let names = [change.type, change.name].compactMap { $0 }.map(Self.quoted).joined(separator: " ")
            line(op.kind, Self.prefix(depth: 0, op) + "\(block) \(names.isEmpty ? Self.quoted(change.address) : names) {")
            let before = TerraformPlanRenderer.objectMembers(change.action == .create || change.action == .read ? .null : change.before)
            let after = TerraformPlanRenderer.objectMembers(change.action == .destroy || change.action == .forget ? .null : change.after)
            if change.action == .forget {
                line(.context, Self.indent(1) + "    # (\(before.count) attributes hidden)")
            } else {
                members(before: before, after: after, masks: Masks(change), depth: 1, replacing: change.replacing)
            }
            line(.context, Self.indent(1) + "}")
            line(.context, "")
        }

        /// The changes between two objects' members, sorted by name; unchanged ones counted.
        mutating func members(
            before: [String: PlanJSONValue], after: [String: PlanJSONValue], masks: Masks, depth: Int, replacing: Set<String> = []
        ) {
            let keys = Set(before.keys).union(after.keys).sorted()
            let width = keys.map { Self.key($0).count }.max() ?? 0
            var hidden = 0
            for key in keys {
                let changed = member(
                    key, before: before[key] ?? .null, after: after[key] ?? .null, masks: masks.member(key), depth: depth, width: width,
                    forcesReplacement: replacing.contains(key))
                if changed == false { hidden += 1 }
            }
            if hidden > 0 { line(.context, Self.indent(depth) + "    # (\(hidden) unchanged \(hidden == 1 ? "attribute" : "attributes") hidden)") }
        }

        /// One member's change: true when it changed, false when it did not, nil when it is
        /// null on both sides (false and nil write nothing).
        @discardableResult
        mutating func member(
            _ key: String, before: PlanJSONValue, after: PlanJSONValue, masks: Masks, depth: Int, width: Int, forcesReplacement: Bool = false
        ) -> Bool? {
            let label = Self.key(key).padding(width)
            let unknown = masks.afterUnknown?.isTrue == true
            let forces = forcesReplacement ? " # forces replacement" : ""
            if before.isNull, after.isNull, !unknown { return nil }
            if before.isNull {
                value(after, label: label, op: .add, depth: depth, sensitive: masks.afterSensitive, unknown: masks.afterUnknown, suffix: forces)
                return true
            }
            if after.isNull, !unknown {
                value(before, label: label, op: .remove, depth: depth, sensitive: masks.beforeSensitive, unknown: nil, suffix: " -> null" + forces)
                return true
            }
            if before == after, !Self.hasTrue(masks.afterUnknown) { return false }
            let head = Self.prefix(depth: depth, .change) + label + " = "
            if masks.beforeSensitive?.isTrue == true || masks.afterSensitive?.isTrue == true {
                line(.changed, head + "(sensitive value)" + forces)
            } else if unknown {
                line(.changed, head + Self.inline(before, sensitive: masks.beforeSensitive) + " -> (known after apply)" + forces)
            } else if case .object(let old) = before, case .object(let new) = after {
                line(.changed, head + "{" + forces)
                members(before: old, after: new, masks: masks, depth: depth + 1)
                line(.context, Self.indent(depth + 1) + "}")
            } else if case .array(let old) = before, case .array(let new) = after {
                line(.changed, head + "[" + forces)
                elements(before: old, after: new, masks: masks, depth: depth + 1)
                line(.context, Self.indent(depth + 1) + "]")
            } else if case .string(let old) = before, case .string(let new) = after, old.contains("\n") || new.contains("\n") {
                line(.changed, head + "<<-EOT" + forces)
                heredocChange(old, new, depth: depth)
                line(.context, Self.indent(depth + 1) + "EOT")
            } else {
                line(.changed, head + Self.inline(before, sensitive: nil) + " -> " + Self.inline(after, sensitive: nil) + forces)
            }
            return true
        }

        /// The changes between two lists: the common head and tail counted, the middle removed then added.
        mutating func elements(before: [PlanJSONValue], after: [PlanJSONValue], masks: Masks, depth: Int) {
            let (head, tail) = Self.commonEnds(before, after)
            for i in head..<(before.count - tail) {
                value(
                    before[i], label: nil, op: .remove, depth: depth, sensitive: masks.element(before: i, after: nil).beforeSensitive,
                    unknown: nil, suffix: ",")
            }
            for i in head..<(after.count - tail) {
                let m = masks.element(before: nil, after: i)
                value(after[i], label: nil, op: .add, depth: depth, sensitive: m.afterSensitive, unknown: m.afterUnknown, suffix: ",")
            }
            let hidden = head + tail
            if hidden > 0 { line(.context, Self.indent(depth) + "    # (\(hidden) unchanged \(hidden == 1 ? "element" : "elements") hidden)") }
        }

        /// A changed multi-line string: common first and last lines as context, the rest removed then added.
        mutating func heredocChange(_ old: String, _ new: String, depth: Int) {
            let before = Self.lines(old)
            let after = Self.lines(new)
            let (head, tail) = Self.commonEnds(before, after)
            let pad = Self.indent(depth + 1) + "    "
            for text in before[..<head] { line(.context, pad + "  " + text) }
            for text in before[head..<(before.count - tail)] { line(.removed, pad + "- " + text) }
            for text in after[head..<(after.count - tail)] { line(.added, pad + "+ " + text) }
            for text in after[(after.count - tail)...] { line(.context, pad + "  " + text) }
        }

        /// A whole value, created or destroyed: `label = value` (or the value alone in a list),
        /// nested values opening on their own lines with the same marker.
        mutating func value(
            _ value: PlanJSONValue, label: String?, op: Op, depth: Int, sensitive: PlanJSONValue?, unknown: PlanJSONValue?, suffix: String
        ) {
            let head = Self.prefix(depth: depth, op) + (label.map { $0 + " = " } ?? "")
            if sensitive?.isTrue == true { return line(op.kind, head + "(sensitive value)" + suffix) }
            if unknown?.isTrue == true { return line(op.kind, head + "(known after apply)" + suffix) }
            switch value {
            case .object(let members) where !members.isEmpty:
                line(op.kind, head + "{")
                let keys = members.keys.sorted().filter { !(members[$0]?.isNull ?? true) || unknown?[$0]?.isTrue == true }
                let width = keys.map { Self.key($0).count }.max() ?? 0
                let masks = Masks(beforeSensitive: sensitive, afterSensitive: sensitive, afterUnknown: unknown)
                for key in keys {
                    let m = masks.member(key)
                    self.value(
                        members[key] ?? .null, label: Self.key(key).padding(width), op: op, depth: depth + 1, sensitive: m.afterSensitive,
                        unknown: m.afterUnknown, suffix: "")
                }
                line(.context, Self.indent(depth + 1) + "}" + suffix)
            case .array(let items) where !items.isEmpty:
                line(op.kind, head + "[")
                let masks = Masks(beforeSensitive: sensitive, afterSensitive: sensitive, afterUnknown: unknown)
                for (i, item) in items.enumerated() {
                    let m = masks.element(before: nil, after: i)
                    self.value(item, label: nil, op: op, depth: depth + 1, sensitive: m.afterSensitive, unknown: m.afterUnknown, suffix: ",")
                }
                line(.context, Self.indent(depth + 1) + "]" + suffix)
            case .string(let text) where text.contains("\n"):
                line(op.kind, head + "<<-EOT")
                let pad = Self.indent(depth + 1) + "    "
                for text in Self.lines(text) { line(op.kind, pad + text) }
                line(op.kind, Self.indent(depth + 1) + "EOT" + suffix)
            default:
                line(op.kind, head + Self.inline(value, sensitive: nil) + suffix)
            }
        }

        // MARK: Text

        /// `count` levels of indentation (at most `maximumIndent`), four spaces each.
        static func indent(_ depth: Int) -> String {
            String(repeating: " ", count: 4 * min(depth, maximumIndent))
        }

        /// The start of a line at `depth`: indentation, the marker right-aligned in three columns, a space.
        static func prefix(depth: Int, _ op: Op) -> String {
            let marker = op.marker
            return (depth == 0 ? "" : indent(depth)) + String(repeating: " ", count: 3 - marker.count) + marker + " "
        }

        /// An attribute name bare when it is an identifier, quoted otherwise (map keys).
        static func key(_ name: String) -> String {
            guard let first = name.utf8.first, !(first &- 0x30 < 10), first != UInt8(ascii: "-"),
                name.utf8.allSatisfy(TerraformPlanJSON.isNameByte)
            else { return quoted(name) }
            return name
        }

        /// `text` in double quotes, with quotes, backslashes and control characters escaped.
        static func quoted(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F {
                        let hex = String(scalar.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }

        /// A value on one line: `"a"`, `3`, `[1, 2]`, `{ a = 1 }`, sensitive parts masked.
        static func inline(_ value: PlanJSONValue, sensitive: PlanJSONValue?) -> String {
            if sensitive?.isTrue == true { return "(sensitive value)" }
            switch value {
            case .null: return "null"
            case .bool(let b): return b ? "true" : "false"
            case .number(let n): return n
            case .string(let s): return quoted(s)
            case .array(let items):
                let masks = Masks(beforeSensitive: sensitive, afterSensitive: sensitive, afterUnknown: nil)
                return "[" + items.enumerated().map { inline($1, sensitive: masks.element(before: nil, after: $0).afterSensitive) }.joined(separator: ", ")
                    + "]"
            case .object(let members):
                guard !members.isEmpty else { return "{}" }
                let masks = Masks(beforeSensitive: sensitive, afterSensitive: sensitive, afterUnknown: nil)
                let parts = members.keys.sorted().map { key($0) + " = " + inline(members[$0] ?? .null, sensitive: masks.member($0).afterSensitive) }
                return "{ " + parts.joined(separator: ", ") + " }"
            }
        }

        static func lines(_ text: String) -> [Substring] {
            var parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            if parts.last?.isEmpty == true { parts.removeLast() }
            return parts
        }

        /// How many items the two lists share at their start, and after that at their end.
        static func commonEnds<T: Equatable>(_ a: [T], _ b: [T]) -> (head: Int, tail: Int) {
            var head = 0
            while head < a.count, head < b.count, a[head] == b[head] { head += 1 }
            var tail = 0
            while tail < a.count - head, tail < b.count - head, a[a.count - 1 - tail] == b[b.count - 1 - tail] { tail += 1 }
            return (head, tail)
        }

        /// True when `mask` has a `true` anywhere (an unknown somewhere beneath).
        static func hasTrue(_ mask: PlanJSONValue?) -> Bool {
            switch mask ?? .null {
            case .bool(let b): b
            case .array(let items): items.contains { hasTrue($0) }
            case .object(let members): members.values.contains { hasTrue($0) }
            default: false
            }
        }
    }

    static func objectMembers(_ value: PlanJSONValue) -> [String: PlanJSONValue] {
        if case .object(let members) = value { return members }
        return [:]
    }
}

extension String {
    /// The string padded with spaces to `width` characters (never cut).
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
