import TollgateCore

/// The 50-rule policy the policy rows measure, as `[[policy]]` TOML for `tollgate serve` and as
/// the `PolicySet` the same text parses to.
///
/// It is written to be the expensive case for the corpus (`Corpus`): 45 narrow rules of the
/// kind a real organisation writes (break-glass, production IAM, PII exports, team deploys and
/// data access, bots that may only read), none of which matches a corpus submission, though
/// half have a first matcher that some corpus kinds pass (`iam.*`, `data.export`, `db.query`),
/// so later matchers run too; then four broader rules that catch about a third of the corpus; then a
/// catch-all that takes the rest (about two thirds). So every submission is tried against at
/// least 46 rules, and most against all 50. Patterns use `*` and `?` at the start, the middle
/// and the end, and the rules carry group minimums, ceilings and outcomes as real ones do.
enum BenchPolicy {
    /// How many rules `text` holds.
    static let ruleCount = 50

    /// Teams with a deploy rule and a data-access rule each; none is a prefix of a corpus
    /// service, database or table, so their resource patterns never match the corpus.
    private static let teams = ["payments", "fraud", "growth", "mobile", "web", "mlops", "observability", "storage", "messaging", "edge", "partners"]

    /// The configuration text: the rules, in order.
    static let text: String = {
        var out = ""
        func rule(_ id: String, _ reason: String, _ lines: [String]) {
            out += "[[policy]]\nid = \"\(id)\"\nreason = \"\(reason)\"\n" + lines.map { $0 + "\n" }.joined() + "\n"
        }
        // Narrow rules first, as the recommended set-up has them.
        rule(
            "break-glass", "on-call may act at once during an incident", ["kinds = [\"incident.*\"]", "requesters = [\"oncall-*@*\"]", "outcome = \"approve\""])
        rule(
            "prod-iam-admin", "admin roles in production need security and SRE",
            [
                "kinds = [\"iam.*\"]", "environments = [\"prod\", \"prod-*\", \"prd-??\"]", "resources = [\"iam://*/owner\", \"iam://*/*admin\"]",
                "risk = \"critical\"", "approvals = 2", "groups = { security = 1, sre = 1 }", "max_ttl_seconds = 1800", "justification = \"required\"",
            ])
        rule(
            "prod-iam", "IAM in the live estate needs security",
            ["kinds = [\"iam.grant\", \"iam.revoke\"]", "environments = [\"live\"]", "approvals = 2", "groups = { security = 1 }"])
        rule(
            "staging-restarts", "restarts in staging are routine",
            ["kinds = [\"infra.restart\", \"k8s.rollout-restart\"]", "environments = [\"staging\", \"qa-?\"]", "outcome = \"approve\""])
        rule(
            "no-prod-secret-reads", "production secrets are never read by agents",
            ["kinds = [\"secret.read\", \"secret.list\"]", "environments = [\"production\"]", "requesters = [\"agent:*\", \"*-bot\"]", "outcome = \"deny\""])
        rule(
            "pii-exports", "exports of personal data need the privacy team",
            [
                "kinds = [\"data.export\"]", "resources = [\"postgres://*/pii_*\", \"s3://*-pii/*\", \"bigquery://*/pii.*\"]", "risk = \"critical\"",
                "groups = { privacy = 1 }", "justification = \"required\"",
            ])
        rule(
            "warehouse-exports-eu", "EU warehouse exports need data governance",
            [
                "kinds = [\"data.export\"]", "environments = [\"eu-*\", \"production-eu\"]", "resources = [\"postgres://warehouse/*\"]",
                "groups = { data-governance = 1 }",
            ])
        rule(
            "db-schema", "schema changes need a DBA",
            ["kinds = [\"db.migrate\", \"db.schema.*\"]", "environments = [\"production\"]", "approvals = 2", "groups = { dba = 1 }"])
        rule("db-drop", "dropping data is never done by an agent", ["kinds = [\"db.drop*\", \"db.truncate\"]", "outcome = \"deny\""])
        rule(
            "ledger-writes", "the ledger is written by finance-approved jobs only",
            [
                "kinds = [\"db.query\"]", "resources = [\"postgres://ledger-db/ledger_*\", \"postgres://ledger-db/journal?\"]", "risk = \"critical\"",
                "approvals = 2",
                "groups = { finance = 1, dba = 1 }", "justification = \"required\"",
            ])
        rule(
            "enterprise-refunds", "enterprise refunds need two from finance",
            ["kinds = [\"billing.refund\"]", "resources = [\"stripe://acme-enterprise/*\", \"stripe://*/charges-??\"]", "groups = { finance = 2 }"])
        rule(
            "billing-test-mode", "test-mode billing is harmless",
            ["kinds = [\"billing.*\"]", "environments = [\"stripe-test\", \"test?\"]", "outcome = \"approve\""])
        rule(
            "infra-network", "network and DNS stacks need SRE and network",
            [
                "kinds = [\"infra.destroy\", \"infra.apply\"]", "resources = [\"terraform://stacks/*/network*\", \"terraform://stacks/*/dns\"]",
                "risk = \"critical\"",
                "approvals = 2", "groups = { sre = 1, network = 1 }",
            ])
        rule(
            "infra-shared", "shared infrastructure needs the platform team",
            ["kinds = [\"infra.apply\"]", "environments = [\"shared\", \"global\", \"mgmt\"]", "groups = { platform = 1 }"])
        rule(
            "k8s-exec-payments", "shells in payment workloads need SRE and security",
            [
                "kinds = [\"k8s.exec\", \"k8s.port-forward\"]", "environments = [\"production\"]",
                "resources = [\"k8s://*/payments\", \"k8s://*/payments-*\", \"k8s://*/vault*\"]", "groups = { sre = 1, security = 1 }",
                "justification = \"required\"",
            ])
        rule(
            "k8s-delete", "deleting workloads needs two people",
            ["kinds = [\"k8s.delete\", \"k8s.scale-to-zero\"]", "environments = [\"production\", \"staging\"]", "approvals = 2"])
        rule("dns-changes", "DNS changes need the network team", ["kinds = [\"dns.*\"]", "groups = { network = 1 }"])
        rule(
            "cert-rotation", "certificate rotation outside production is routine",
            ["kinds = [\"tls.rotate\", \"cert.*\"]", "environments = [\"staging\", \"sandbox\"]", "outcome = \"approve\""])
        rule(
            "flags-sandbox", "feature flags in sandboxes are routine",
            ["kinds = [\"flags.*\"]", "environments = [\"sandbox\", \"dev-*\"]", "outcome = \"approve\""])
        rule("flags-prod", "production flags expire within the hour", ["kinds = [\"flags.*\"]", "environments = [\"production\"]", "max_ttl_seconds = 3600"])
        rule(
            "ci-readonly", "CI bots may read without asking",
            ["kinds = [\"*.read\", \"*.list\", \"*.describe\"]", "requesters = [\"ci-*@*\", \"*-bot@bench.example.com\"]", "outcome = \"approve\""])
        rule(
            "contractors", "contractors' requests need two approvers and a reason",
            ["requesters = [\"contractor-*@*\", \"ext-???@*\"]", "risk = \"high\"", "approvals = 2", "justification = \"required\""])
        rule(
            "night-batch", "batch jobs in production get two hours",
            ["kinds = [\"data.*\", \"db.query\"]", "environments = [\"production\"]", "requesters = [\"batch-??@*\", \"cron@*\"]", "max_ttl_seconds = 7200"])
        // Two rules per team: its deploys, and access to its own data.
        for team in teams {
            rule(
                "\(team)-deploys", "\(team) deploys need someone from \(team)",
                [
                    "kinds = [\"deploy.*\", \"k8s.rollout*\"]", "environments = [\"production\"]", "resources = [\"k8s://*/\(team)\", \"k8s://*/\(team)-*\"]",
                    "requesters = [\"\(team)-ci@*\", \"\(team)-bot?@*\"]", "groups = { \(team) = 1 }",
                ])
            rule(
                "\(team)-data", "\(team) data needs its owners and a DBA",
                [
                    "kinds = [\"db.query\", \"data.export\"]", "resources = [\"postgres://\(team)-db/*\", \"postgres://*/\(team)_*\"]", "risk = \"high\"",
                    "groups = { \(team) = 1, dba = 1 }",
                ])
        }
        // The broad rules the corpus does reach, then the catch-all.
        rule(
            "prod-refunds", "production refunds need finance",
            ["kinds = [\"billing.refund\"]", "environments = [\"production\"]", "resources = [\"stripe://acme/*\"]", "groups = { finance = 1 }"])
        rule("staging-exec", "shells in staging are short-lived", ["kinds = [\"k8s.exec\"]", "environments = [\"stag?ng\", \"qa\"]", "max_ttl_seconds = 900"])
        rule(
            "prod-data-writes", "production data needs a justification",
            [
                "kinds = [\"db.query\", \"data.*\"]", "environments = [\"production\"]", "resources = [\"postgres://*-db/*\"]", "risk = \"high\"",
                "justification = \"required\"",
            ])
        rule(
            "sandbox-agents", "newer agents in the sandbox get ten minutes",
            ["environments = [\"sandbox\"]", "requesters = [\"agent-1?@bench.example.com\"]", "max_ttl_seconds = 600"])
        rule("catch-all", "everything else has one reviewer and at least medium risk", ["risk = \"medium\"", "approvals = 1"])
        return out
    }()

    /// `text` parsed as the server parses it, or why it does not parse (or holds another count).
    static func set() -> Result<PolicySet, ConfigError> {
        do {
            let set = try PolicyFile.parse(text: text, file: "bench-policy.toml")
            guard set.rules.count == ruleCount else {
                return .failure(ConfigError(file: "bench-policy.toml", line: 0, key: "policy", message: "holds \(set.rules.count) rules, not \(ruleCount)"))
            }
            return .success(set)
        } catch {
            return .failure(error)
        }
    }

    /// The principal id the bench server gives agent `index` (`BenchPrincipals.tokensFile`).
    static func agentID(_ index: Int) -> String { "agent-\(index)@bench.example.com" }
}
