/// The parts of `terraform show -json` output a plan's rendering needs, checked on the way in.
///
/// A plan is an object with a string `format_version` and `resource_changes` or
/// `planned_values` (a state from `terraform show -json` has neither). Each of
/// `resource_changes` needs a string `address` and a `change` whose `actions` is a non-empty
/// array of terraform's action names; anything else there is refused, naming the entry, rather
/// than summarised wrongly.
struct TerraformPlanJSON {
    /// More values than a plan of the largest body the server accepts (8 MiB) holds in practice;
    /// each costs a few dozen bytes of memory while the plan is read.
    static let maximumValues = 1_000_000

    /// One entry of `resource_changes` or `output_changes`.
    struct Change {
        var address: String
        var action: PlanAction
        /// `-/+` (destroy first, terraform's default) or `+/-` (`create_before_destroy`).
        var createsFirst: Bool
        var mode: String?
        var type: String?
        var name: String?
        var deposed: String?
        var before: PlanJSONValue
        var after: PlanJSONValue
        var afterUnknown: PlanJSONValue
        var beforeSensitive: PlanJSONValue
        var afterSensitive: PlanJSONValue
        /// Top-level attribute names whose change forces the replacement.
        var replacing: Set<String>
    }

    var resources: [Change] = []
    var outputs: [Change] = []

    init(_ text: String) throws(TerraformPlanError) {
        let root = try PlanJSONValue.parse(text, maximumValues: Self.maximumValues)
        guard case .object = root else { throw TerraformPlanError("not a plan: expected a JSON object, found \(root.typeName)") }
        guard case .string = root["format_version"] else {
            throw TerraformPlanError("not a plan: format_version: expected a string (terraform show -json writes one)")
        }
        guard root["resource_changes"] != nil || root["planned_values"] != nil else {
            throw TerraformPlanError("not a plan: no resource_changes or planned_values (terraform show -json of a state?)")
        }
        switch root["resource_changes"] ?? .null {
        case .null: break
        case .array(let items):
            for (i, item) in items.enumerated() {
                let path = "resource_changes[\(i)]"
                guard case .string(let address) = item["address"] ?? .null else { throw TerraformPlanError("\(path).address: expected a string") }
                if let change = try Self.change(item["change"], at: path + ".change", address: address) {
                    var change = change
                    change.mode = Self.string(item["mode"])
                    change.type = Self.string(item["type"])
                    change.name = Self.string(item["name"])
                    change.deposed = Self.string(item["deposed"])
                    resources.append(change)
                }
            }
        default:
            throw TerraformPlanError("resource_changes: expected an array")
        }
        switch root["output_changes"] ?? .null {
        case .null: break
        case .object(let members):
            for name in members.keys.sorted() {
                // Output names are identifiers; anything else is not quoted back.
                let path = name.utf8.allSatisfy(Self.isNameByte) ? "output_changes.\(name)" : "output_changes"
                if let change = try Self.change(members[name], at: path, address: name) { outputs.append(change) }
            }
        default:
            throw TerraformPlanError("output_changes: expected an object")
        }
    }

    /// Terraform's action names (`no-op` and `forget` included).
    private static let actionNames: Set<String> = ["no-op", "create", "read", "update", "delete", "forget"]

    /// The change at `path`, nil for a no-op.
    private static func change(_ value: PlanJSONValue?, at path: String, address: String) throws(TerraformPlanError) -> Change? {
        guard case .object = value ?? .null, let value else { throw TerraformPlanError("\(path): expected an object") }
        guard case .array(let items) = value["actions"] ?? .null, !items.isEmpty else {
            throw TerraformPlanError("\(path).actions: expected a non-empty array of action names")
        }
        var names: [String] = []
        for item in items {
            guard case .string(let name) = item, actionNames.contains(name) else {
                throw TerraformPlanError("\(path).actions: expected no-op, create, read, update, delete or forget")
            }
            names.append(name)
        }
        guard let action = action(names) else { return nil }
        var replacing: Set<String> = []
        if case .array(let paths) = value["replace_paths"] ?? .null {
            for case .array(let steps) in paths { if case .string(let first) = steps.first { replacing.insert(first) } }
        }
        return Change(
            address: address, action: action, createsFirst: names.first == "create",
            before: value["before"] ?? .null, after: value["after"] ?? .null, afterUnknown: value["after_unknown"] ?? .null,
            beforeSensitive: value["before_sensitive"] ?? .null, afterSensitive: value["after_sensitive"] ?? .null,
            replacing: replacing)
    }

    /// What a list of action names does; a delete outweighs everything but a create beside it,
    /// so no combination hides a destruction.
    static func action(_ names: [String]) -> PlanAction? {
        let set = Set(names)
        if set.contains("delete") { return set.contains("create") ? .replace : .destroy }
        if set.contains("create") { return .create }
        if set.contains("update") { return .update }
        if set.contains("read") { return .read }
        if set.contains("forget") { return .forget }
        return nil
    }

    /// A byte of an identifier terraform accepts as an output name.
    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    private static func string(_ value: PlanJSONValue?) -> String? {
        if case .string(let s) = value ?? .null { return s }
        return nil
    }
}
