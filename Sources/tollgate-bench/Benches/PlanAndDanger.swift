import TollgateCore

/// Danger marks and plans on 20,000-line inputs: what opening such a diff costs the console
/// (the marks and the plan are computed once per diff, then read per frame in O(1)).
enum DangerMarksCost {
    static let lines = 20_000

    static func run(_ context: BenchContext) {
        let runs = context.size(30, quick: 5)
        let diff = UnifiedDiff(sampleDiff(lines: lines))
        let defaults = DangerMatcher()
        var marked = 0
        let plain = measure(runs) { marked = defaults.marks(in: diff).count }
        let p99 = plain.percentile(99) ?? .infinity
        context.report.add(
            ResultRow(
                what: "danger marks, 20,000-line diff",
                how:
                    "DangerMatcher().marks(in:) over a unified diff of \(diff.lineCount) lines (half added: IAM JSON, Kubernetes YAML, HCL, SQL, shell; \(marked) marked); \(runs) runs, thread CPU",
                figure: "CPU: p50 \(Format.ms(plain.median)), p99 \(Format.ms(p99))", target: "p99 < 20 ms", verdict: p99 < 20 ? .meets : .misses))
        let extra = (0..<5).compactMap { try? DangerPattern(label: "extra \($0)", pattern: "(?i)prod-db-\($0)\\b") }
        let configured = DangerMatcher(extra: extra)
        let withExtra = measure(runs) { marked = configured.marks(in: diff).count }
        context.report.add(
            ResultRow(
                what: "danger marks, 20,000-line diff, 5 [[danger]] patterns",
                how: "as above with 5 patterns from config.toml, which have no literal prefilter and run on every added line",
                figure: "CPU: p50 \(Format.ms(withExtra.median)), p99 \(Format.ms(withExtra.percentile(99)))", target: "(context)",
                verdict: .reported))
    }

    /// Thread CPU milliseconds of `runs` calls of `work`.
    static func measure(_ runs: Int, _ work: () -> Void) -> Samples {
        var cpu = Samples()
        for _ in 0..<runs {
            let start = BenchClock.threadCPU()
            work()
            cpu.add(Double(BenchClock.threadCPU() - start) / 1e6)
        }
        return cpu
    }

    /// A unified diff of about `lines` lines in hunks of 20, the kinds of files agents change.
    static func sampleDiff(lines: Int) -> String {
        let added = [
            #"        "Action": ["s3:GetObject", "s3:PutObject"],"#, "  replicas: 3", #"  cidr_blocks = ["10.0.0.0/16"]"#,
            "ALTER TABLE users ADD COLUMN last_seen timestamptz;", "rm -r build/ && make release", "        privileged: false",
            #"  name = "web-${var.env}""#, "git push --force-with-lease origin feature", "chmod 755 /usr/local/bin/tool",
            #"        "Resource": "arn:aws:s3:::reports/*""#,
        ]
        let risky = [#"  cidr_blocks = ["0.0.0.0/0"]"#, #"        "Action": "*","#, "DROP TABLE sessions;", "rm -rf /var/lib/app/cache"]
        var text = "diff --git a/infra/main.tf b/infra/main.tf\n--- a/infra/main.tf\n+++ b/infra/main.tf\n"
        var line = 1
        var n = 0
        while n < lines {
            text += "@@ -\(line),10 +\(line),10 @@\n"
            for i in 0..<10 {
                text += "-" + added[(i + n) % added.count].replacingOccurrences(of: "3", with: "2") + "\n"
                text += "+" + (line % 500 == 1 && i == 0 ? risky[(line / 500) % risky.count] : added[(i + n) % added.count]) + "\n"
            }
            line += 10
            n += 21
        }
        return text
    }
}

/// Plans of 20,000 lines: reading terraform's text, and reading and rendering `show -json`.
enum PlanCost {
    static func run(_ context: BenchContext) {
        let runs = context.size(30, quick: 5)
        let text = sampleText(resources: 1_000)
        var plan = TerraformPlan(text: "")
        let textCPU = DangerMarksCost.measure(runs) { plan = TerraformPlan(text: text) }
        let p99 = textCPU.percentile(99) ?? .infinity
        context.report.add(
            ResultRow(
                what: "plan, 20,000-line text",
                how: "TerraformPlan(text:) over \(plan.lineCount) coloured lines, \(plan.resources.count) resources; \(runs) runs, thread CPU",
                figure: "CPU: p50 \(Format.ms(textCPU.median)), p99 \(Format.ms(p99))", target: "p99 < 20 ms", verdict: p99 < 20 ? .meets : .misses))
        let json = sampleJSON(resources: 1_000)
        let jsonCPU = DangerMarksCost.measure(runs) { plan = (try? TerraformPlan(json: json)) ?? plan }
        context.report.add(
            ResultRow(
                what: "plan, terraform show -json",
                how:
                    "TerraformPlan(json:) over \(Format.megabytes(json.utf8.count)) of JSON, \(plan.resources.count) resources rendered into \(plan.lineCount) lines (the server reads the same JSON at submission); \(runs) runs, thread CPU",
                figure: "CPU: p50 \(Format.ms(jsonCPU.median)), p99 \(Format.ms(jsonCPU.percentile(99)))", target: "(context)",
                verdict: .reported))
    }

    static func sampleText(resources: Int) -> String {
        let esc = "\u{1B}"
        var text = "Terraform will perform the following actions:\n\n"
        for i in 0..<resources {
            text += "\(esc)[1m  # aws_security_group.sg\(i)\(esc)[0m will be updated in-place\n"
            text += "  \(esc)[33m~\(esc)[0m\(esc)[0m resource \"aws_security_group\" \"sg\(i)\" {\n"
            for a in 0..<14 {
                text += "      \(esc)[33m~\(esc)[0m\(esc)[0m attr_\(a) = \"value-\(i)-\(a)\" \(esc)[33m->\(esc)[0m\(esc)[0m \"value-\(i)-\(a + 1)\"\n"
            }
            text += "        # (3 unchanged attributes hidden)\n    }\n\n"
        }
        return text + "Plan: 0 to add, \(resources) to change, 0 to destroy.\n"
    }

    static func sampleJSON(resources: Int) -> String {
        var items: [String] = []
        for i in 0..<resources {
            let before = (0..<14).map { "\"attr_\($0)\": \"value-\(i)-\($0)\"" }.joined(separator: ", ")
            let after = (0..<14).map { "\"attr_\($0)\": \"value-\(i)-\($0 + 1)\"" }.joined(separator: ", ")
            items.append(
                """
                {"address": "aws_security_group.sg\(i)", "mode": "managed", "type": "aws_security_group", "name": "sg\(i)",
                 "change": {"actions": ["update"], "before": {\(before), "tags": {"Env": "prod"}}, "after": {\(after), "tags": {"Env": "prod"}},
                            "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}}
                """)
        }
        return "{\"format_version\": \"1.2\", \"planned_values\": {}, \"resource_changes\": [" + items.joined(separator: ",\n") + "]}"
    }
}
