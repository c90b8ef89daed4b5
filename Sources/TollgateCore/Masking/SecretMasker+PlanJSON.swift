extension SecretMasker {
    /// A JSON plan's text with the secrets in its strings masked, still JSON.
    ///
    /// Masking the text itself can break it: a mask over a number under a secret's name
    /// (`"token": 12345678`) leaves bare text, one over the letter after a backslash leaves a
    /// broken escape, and two names masked alike make one member twice. So each string is
    /// masked on its own (escapes undone), a string or number under a secret's name
    /// (`"password": …`, as `secret-assignment` finds in text) is masked whole as a context
    /// value is, names that would collide once masked are told apart with ` (2)`, ` (3)`…, and
    /// the plan is written again. `TerraformPlanRedaction`'s markers hold no secret and are left
    /// as they are, so the console still tells a changed secret from an unchanged one. A text
    /// that is not JSON is masked as text; the server refuses it after masking anyway.
    func mask(planJSON text: String, count: inout Int) -> String {
        guard let root = try? PlanJSONValue.parse(text, maximumValues: TerraformPlanJSON.maximumValues) else {
            return mask(text, count: &count)
        }
        var names: [String: Name] = [:]
        return mask(root, names: &names, count: &count).jsonText
    }

    /// A member name masked, and whether it names a secret: worked out once per name, as a
    /// plan repeats its attribute names for every resource.
    private struct Name {
        var masked: String
        var secrets: Int
        var isSecretKey: Bool
    }

    private func mask(_ value: PlanJSONValue, names: inout [String: Name], count: inout Int) -> PlanJSONValue {
        switch value {
        case .string(let s): return .string(TerraformPlanRedaction.isMarker(s) ? s : mask(s, count: &count))
        case .array(let items): return .array(items.map { mask($0, names: &names, count: &count) })
        case .object(let members):
            var masked: [String: PlanJSONValue] = [:]
            for key in members.keys.sorted() {
                guard let member = members[key] else { continue }
                let known =
                    names[key]
                    ?? {
                        let (text, n) = mask(key); return Name(masked: text, secrets: n, isSecretKey: SecretNames.isSecretKey(key))
                    }()
                names[key] = known
                count += known.secrets
                let value = known.isSecretKey ? maskValue(ofSecretKey: member, names: &names, count: &count) : mask(member, names: &names, count: &count)
                let name = known.masked
                var unique = name
                var n = 1
                while masked[unique] != nil {
                    n += 1
                    unique = "\(name) (\(n))"
                }
                masked[unique] = value
            }
            return .object(masked)
        default: return value
        }
    }

    /// A member under a secret's name: a string or a number masked whole, anything else as any value.
    private func maskValue(ofSecretKey value: PlanJSONValue, names: inout [String: Name], count: inout Int) -> PlanJSONValue {
        let text: String
        switch value {
        case .string(let s) where !TerraformPlanRedaction.isMarker(s): text = s
        case .number(let n): text = n
        default: return mask(value, names: &names, count: &count)
        }
        let (masked, found) = maskValue(ofSecretKey: text)
        guard found > 0 else { return value }
        count += found
        return .string(masked)
    }
}
