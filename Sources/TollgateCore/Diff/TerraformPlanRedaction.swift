/// A JSON plan rewritten so that what approvers receive holds what the console shows and no
/// sensitive value.
///
/// `terraform show -json` writes sensitive values in clear, beside masks that only say which
/// they are (`before_sensitive`, `after_sensitive`: `true`, or objects and arrays mirroring the
/// value), and writes every input variable's value, the prior state and the configuration too.
/// The console renders `resource_changes` and `output_changes` only, so that is what is kept:
///
/// - at the top, `format_version`, `terraform_version`, `applyable`, `complete`, `errored`,
///   `timestamp`, `resource_changes` and `output_changes`; everything else is dropped, whatever
///   terraform adds later too (`variables`, `prior_state`, `planned_values`, `configuration`,
///   `resource_drift`, `relevant_attributes`, `checks`, `deferred_changes`…);
/// - in each resource change, what names it (`address`, `previous_address`, `module_address`,
///   `mode`, `type`, `name`, `index`, `deposed`, `provider_name`, `action_reason`) and of its
///   `change` the `actions`, `before`, `after`, `after_unknown`, both sensitivity masks and
///   `replace_paths` (not `generated_config`, `importing`…); an output change keeps the same
///   members of its change.
///
/// Every value a mask marks, at any depth, becomes a marker: `(sensitive value)`, then
/// `(sensitive value 2)`… for another value of the same attribute, so an attribute whose secret
/// changed still differs between `before` and `after` (and one whose secret did not still
/// matches), and the console, which reads the masks, shows `(sensitive value)` exactly as before.
/// A value equal to the marked one on the other side of the change is that secret too and is
/// marked with it; `null` stays `null`. A mask of another shape than its value (terraform never
/// writes one) that holds a `true` marks the whole value rather than guessing. Parts of an
/// unexpected shape are kept as they are, so `TerraformPlanJSON` refuses the result exactly as it
/// would have refused the original.
public enum TerraformPlanRedaction {
    /// The marker of the first sensitive value of an attribute.
    public static let marker = "(sensitive value)"

    /// The approver-safe text of the JSON plan `text`: compact JSON, members sorted by name.
    /// Throws when `text` is not JSON within `TerraformPlanJSON`'s limits.
    public static func redact(_ text: String) throws(TerraformPlanError) -> String {
        redact(try PlanJSONValue.parse(text, maximumValues: TerraformPlanJSON.maximumValues)).jsonText
    }

    /// Whether `text` is a marker this rewriting writes (it holds nothing of a value).
    static func isMarker(_ text: String) -> Bool {
        guard text.hasPrefix("(sensitive value"), text.hasSuffix(")") else { return false }
        let number = text.utf8.dropFirst(marker.utf8.count - 1).dropLast()
        return number.isEmpty || (number.first == UInt8(ascii: " ") && number.count > 1 && number.dropFirst().allSatisfy { $0 &- 0x30 < 10 })
    }

    private static let planMembers: Set<String> = [
        "format_version", "terraform_version", "applyable", "complete", "errored", "timestamp",
    ]
    private static let resourceMembers: Set<String> = [
        "address", "previous_address", "module_address", "mode", "type", "name", "index", "deposed", "provider_name", "action_reason",
    ]
    private static let changeMembers: Set<String> = ["actions", "after_unknown", "before_sensitive", "after_sensitive", "replace_paths"]

    /// The approver-safe plan of `root`.
    static func redact(_ root: PlanJSONValue) -> PlanJSONValue {
        guard case .object(let members) = root else { return root }
        var kept = members.filter { planMembers.contains($0.key) }
        switch members["resource_changes"] {
        case .array(let items)?:
            kept["resource_changes"] = .array(items.map(resourceChange))
        case let other?:
            kept["resource_changes"] = other
        case nil:
            // A plan that changes nothing has planned_values alone, which is dropped; an empty
            // list keeps it a plan.
            if members["planned_values"] != nil { kept["resource_changes"] = .array([]) }
        }
        switch members["output_changes"] {
        case .object(let outputs)?: kept["output_changes"] = .object(outputs.mapValues { change($0, ofResource: false) })
        case let other?: kept["output_changes"] = other
        case nil: break
        }
        return .object(kept)
    }

    private static func resourceChange(_ entry: PlanJSONValue) -> PlanJSONValue {
        guard case .object(let members) = entry else { return entry }
        var kept = members.filter { resourceMembers.contains($0.key) }
        kept["change"] = members["change"].map { change($0, ofResource: true) }
        return .object(kept)
    }

    /// A change's kept members, its values redacted: one attribute's markers number apart
    /// from another's, so the markers tell nothing about which attributes share a secret.
    ///
    /// A resource's values stay objects even when a mask marks one whole: the console lists a
    /// resource's attributes by name, each then marked.
    private static func change(_ change: PlanJSONValue, ofResource: Bool) -> PlanJSONValue {
        guard case .object(let members) = change else { return change }
        var kept = members.filter { changeMembers.contains($0.key) }
        var masks = (members["before_sensitive"], members["after_sensitive"])
        if ofResource {
            masks = (attributeMasks(masks.0, members["before"]), attributeMasks(masks.1, members["after"]))
        }
        var values = Values()
        let (before, after) = values.pair(members["before"], members["after"], masks: masks, scopePerMember: true)
        kept["before"] = before
        kept["after"] = after
        return .object(kept)
    }

    /// `mask` with a whole-object mark spread over the object's members, one `true` each.
    private static func attributeMasks(_ mask: PlanJSONValue?, _ value: PlanJSONValue?) -> PlanJSONValue? {
        guard case .object(let members)? = value, marksWhole(mask, .object(members)) else { return mask }
        return .object(members.mapValues { _ in .bool(true) })
    }

    /// Whether `mask` marks `value` whole: `true`, or a mask of another shape holding a `true`.
    private static func marksWhole(_ mask: PlanJSONValue?, _ value: PlanJSONValue) -> Bool {
        switch (mask, value) {
        case (.bool(true)?, _): true
        case (.object?, .object), (.array?, .array): false
        default: TerraformPlanRenderer.Output.hasTrue(mask)
        }
    }

    /// Walks a change's `before` and `after` together with their masks, marking sensitive values.
    private struct Values {
        private var markers: [PlanJSONValue: String] = [:]

        /// `before` and `after` (nil when absent) with what their masks mark replaced.
        mutating func pair(
            _ before: PlanJSONValue?, _ after: PlanJSONValue?, masks: (PlanJSONValue?, PlanJSONValue?), scopePerMember: Bool = false
        ) -> (PlanJSONValue?, PlanJSONValue?) {
            let marked = (
                before.map { TerraformPlanRedaction.marksWhole(masks.0, $0) } ?? false,
                after.map { TerraformPlanRedaction.marksWhole(masks.1, $0) } ?? false
            )
            if marked.0 || marked.1 {
                let same = before == after
                return (
                    before.map { marked.0 || same ? marker(for: $0) : $0 }, after.map { marked.1 || same ? marker(for: $0) : $0 }
                )
            }
            switch (before, after) {
            case (.object(let old)?, .object(let new)?):
                let (b, a) = objects(old, new, masks: masks, scopePerMember: scopePerMember)
                return (.object(b), .object(a))
            case (.object(let old)?, nil):
                return (.object(objects(old, [:], masks: masks, scopePerMember: scopePerMember).0), nil)
            case (nil, .object(let new)?):
                return (nil, .object(objects([:], new, masks: masks, scopePerMember: scopePerMember).1))
            case (.array(let old)?, .array(let new)?):
                let (b, a) = arrays(old, new, masks: masks)
                return (.array(b), .array(a))
            case (.array(let old)?, nil):
                return (.array(arrays(old, [], masks: masks).0), nil)
            case (nil, .array(let new)?):
                return (nil, .array(arrays([], new, masks: masks).1))
            case (.object?, _), (.array?, _), (_, .object?), (_, .array?):
                // Different shapes on the two sides: each walked alone.
                return (pair(before, nil, masks: (masks.0, nil)).0, pair(nil, after, masks: (nil, masks.1)).1)
            default:
                return (before, after)
            }
        }

        private mutating func objects(
            _ before: [String: PlanJSONValue], _ after: [String: PlanJSONValue], masks: (PlanJSONValue?, PlanJSONValue?), scopePerMember: Bool
        ) -> ([String: PlanJSONValue], [String: PlanJSONValue]) {
            var (b, a) = (before, after)
            for key in Set(before.keys).union(after.keys) {
                if scopePerMember { markers = [:] }
                let (old, new) = pair(before[key], after[key], masks: (masks.0?[key], masks.1?[key]))
                b[key] = old
                a[key] = new
            }
            return (b, a)
        }

        private mutating func arrays(
            _ before: [PlanJSONValue], _ after: [PlanJSONValue], masks: (PlanJSONValue?, PlanJSONValue?)
        ) -> ([PlanJSONValue], [PlanJSONValue]) {
            var (b, a) = (before, after)
            for i in 0..<max(before.count, after.count) {
                let (old, new) = pair(
                    i < before.count ? before[i] : nil, i < after.count ? after[i] : nil,
                    masks: (Self.element(masks.0, i), Self.element(masks.1, i)))
                if let old { b[i] = old }
                if let new { a[i] = new }
            }
            return (b, a)
        }

        /// The marker of `value`: the same for equal values, another for each new one.
        private mutating func marker(for value: PlanJSONValue) -> PlanJSONValue {
            if value.isNull { return .null }
            if let known = markers[value] { return .string(known) }
            let made = markers.isEmpty ? TerraformPlanRedaction.marker : "(sensitive value \(markers.count + 1))"
            markers[value] = made
            return .string(made)
        }

        /// The mask of element `index`: nil past the mask's end (a shorter mask marks nothing more).
        private static func element(_ mask: PlanJSONValue?, _ index: Int) -> PlanJSONValue? {
            guard case .array(let items)? = mask, index < items.count else { return nil }
            return items[index]
        }
    }
}
