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
}
