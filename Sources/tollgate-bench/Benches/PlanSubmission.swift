import TollgateCore

/// What the server does to a `terraform show -json` plan at submission: rewrite it approver-safe,
/// mask secrets in its strings, and read it again to validate it.
enum PlanSubmissionCost {
    static func run(_ context: BenchContext) {
        let runs = context.size(10, quick: 2)
        guard let masker = try? SecretMasker() else { return }
        for resources in [1_000, 8_000] {
            let json = PlanCost.sampleJSON(resources: resources)
            let request = ActionRequest(
                kind: "infra.apply", summary: "apply", diffs: [ActionDiff(title: "plan.json", format: DiffFormat.terraformPlanJSON, text: json)])
            var problem: String?
            let cpu = DangerMarksCost.measure(runs) {
                guard let safe = try? request.approverSafe() else { return problem = "refused" }
                problem = masker.mask(safe).0.validate(maxTTL: 3600)
            }
            context.report.add(
                ResultRow(
                    what: "plan, JSON at submission (\(Format.megabytes(json.utf8.count)))",
                    how:
                        "ActionRequest.approverSafe() (sensitive values marked, the plan written again), SecretMasker.mask (each string masked), validate (read again) over \(resources) resources; \(runs) runs, thread CPU\(problem.map { "; REFUSED: \($0)" } ?? "")",
                    figure: "CPU: p50 \(Format.ms(cpu.median)), p99 \(Format.ms(cpu.percentile(99)))", target: "(context)", verdict: .reported))
        }
    }
}
