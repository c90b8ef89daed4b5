/// The `format` values an `ActionDiff` may carry, and how each is shown.
public enum DiffFormat {
    /// A unified diff (`git diff`, `diff -u`): parsed by `UnifiedDiff`.
    public static let unified = "unified"
    /// The text of `terraform plan` or `terraform show`, colours and all: parsed by `TerraformPlan(text:)`.
    public static let terraformPlan = "terraform-plan"
    /// The output of `terraform show -json PLANFILE`: parsed by `TerraformPlan(json:)`.
    public static let terraformPlanJSON = "terraform-plan-json"

    /// Every format the server accepts, in the order docs list them.
    public static let all = [unified, terraformPlan, terraformPlanJSON]

    /// What is wrong with `diff` for the server, naming the member (`format: …`, `text: …`); nil
    /// when it may be stored. A JSON plan is read in full, so one the console could not show
    /// (not JSON, not a plan, too deep or too large) is refused at submission.
    public static func problem(with diff: ActionDiff) -> String? {
        guard all.contains(diff.format) else { return "format: expected " + DecodingExplanation.choices(all) }
        guard diff.format == terraformPlanJSON else { return nil }
        do {
            _ = try TerraformPlanJSON(diff.text)
            return nil
        } catch {
            return planProblem(error)
        }
    }

    /// `diff` as the server keeps it: a JSON plan rewritten so that it carries no sensitive
    /// value, no input variable and no state (`TerraformPlanRedaction`), any other diff as it is.
    /// Throws what is wrong, naming the member, when a JSON plan is not JSON.
    public static func approverSafe(_ diff: ActionDiff) throws(DiffProblem) -> ActionDiff {
        guard diff.format == terraformPlanJSON else { return diff }
        do {
            return ActionDiff(title: diff.title, format: diff.format, text: try TerraformPlanRedaction.redact(diff.text))
        } catch {
            throw DiffProblem(message: planProblem(error))
        }
    }

    /// What is wrong with a diff, as `problem(with:)` words it.
    public struct DiffProblem: Error, Sendable {
        public var message: String
    }

    private static func planProblem(_ error: TerraformPlanError) -> String {
        "text: not a Terraform JSON plan: \(error.message)"
    }
}
