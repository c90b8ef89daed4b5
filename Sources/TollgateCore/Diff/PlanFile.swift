/// A plan file as `tollgate request --plan-file` sends it: its format told from its content.
public enum PlanFile {
    /// The diff for a plan file's bytes: `terraform-plan-json` when the first non-blank byte is
    /// `{` (and it reads as a JSON plan), `terraform-plan` otherwise.
    ///
    /// A JSON plan is sent approver-safe (`TerraformPlanRedaction`).
    ///
    /// Throws for a saved binary plan (`terraform plan -out` writes a zip archive), which the
    /// server could not show, and for a JSON plan the server would refuse, so the error names
    /// the file before anything is sent.
    public static func diff(_ bytes: some Collection<UInt8>, title: String) throws(TerraformPlanError) -> ActionDiff {
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw TerraformPlanError(
                "a saved binary plan; send its text: terraform show -no-color \(title) > plan.txt (or terraform show -json \(title) > plan.json)")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let isJSON = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
        guard isJSON else { return ActionDiff(title: title, format: DiffFormat.terraformPlan, text: text) }
        do {
            _ = try TerraformPlanJSON(text)
            // The server redacts too; redacting here keeps the plan's secrets off the wire as well.
            return ActionDiff(title: title, format: DiffFormat.terraformPlanJSON, text: try TerraformPlanRedaction.redact(text))
        } catch {
            throw TerraformPlanError("not a Terraform JSON plan: \(error.message)")
        }
    }
}
