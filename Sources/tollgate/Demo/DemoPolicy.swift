import TollgateCore

/// The demo server's policy: one rule for each outcome, so every kind of resolution shows up.
///
/// Close to docs/examples/server.toml, with two differences that keep the demo readable: no
/// risk floor on production IAM (a grant stays `high`, so it does not jump above everything in
/// the console), and requester patterns that name the demo's own agents.
enum DemoPolicy {
    static let text = """
        # Production IAM needs two people, one of them from security (bob@demo is; you@demo is in sre).
        [[policy]]
        id = "prod-iam"
        reason = "IAM changes in production need SRE and security"
        kinds = ["iam.*"]
        environments = ["production"]
        approvals = 2
        groups = { security = 1 }
        max_ttl_seconds = 1800
        justification = "required"

        # Restarts in staging are approved at submission.
        [[policy]]
        id = "staging-restarts"
        reason = "restarts in staging are routine"
        kinds = ["infra.restart"]
        environments = ["staging"]
        outcome = "approve"

        # Secret reads by the demo's agents in production are denied at submission.
        [[policy]]
        id = "no-prod-secret-reads"
        reason = "production secrets are never read by agents"
        kinds = ["secret.read"]
        environments = ["production"]
        requesters = ["*-bot@demo", "*-copilot@demo", "*-agent@demo", "*-pipeline@demo"]
        outcome = "deny"

        # Data exports need a justification: one without is refused at submission.
        [[policy]]
        id = "data-exports"
        reason = "exports leave the building; say why"
        kinds = ["data.export"]
        risk = "high"
        max_ttl_seconds = 900
        justification = "required"

        # Everything else: one approver.
        [[policy]]
        id = "everything-else"
        reason = "every action is looked at"

        """

    /// The rules, read as the server reads a configuration file.
    static func rules() throws(ConfigError) -> PolicySet {
        try PolicyFile.parse(text: text, file: "demo policy")
    }

    /// The groups of the demo's approvers: together they can meet `prod-iam`, neither alone.
    static let groups: [String: [String]] = ["you@demo": ["sre"], "bob@demo": ["security"]]
}
