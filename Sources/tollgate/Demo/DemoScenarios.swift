import TollgateCore

/// The simulated agents' requests: a realistic, varied stream for `tollgate demo`.
///
/// Each scenario is what a real agent or pipeline would submit; some carry secrets on
/// purpose, to show the server masking them before anything is stored or shown. Under
/// `DemoPolicy` some are resolved at submission (the staging restart approved, the production
/// secret read denied), one is refused for lack of a justification, and the IAM changes ask
/// for one approval but need two, one from security.
struct DemoScenario: Sendable {
    /// The principal that submits it (a token is made for each).
    var agent: String
    var request: ActionRequest
    /// What the agent prints once approved (after "executed").
    var effect: String
}

enum DemoScenarios {
    static let agents = ["etl-agent@demo", "deploy-bot@demo", "ci-pipeline@demo", "ops-copilot@demo", DemoCodingAgent.agent]

    static func all() -> [DemoScenario] {
        [
            DemoScenario(
                agent: "etl-agent@demo",
                request: ActionRequest(
                    kind: "data.export", summary: "Export 48,210 customer rows with contact details to the analytics share",
                    command: "pg_dump --table=customers --columns=email,phone,street,postcode,country | aws s3 cp - s3://analytics-share/q4/customers.csv",
                    resource: "postgres://prod-db/customers", environment: "production", risk: .high,
                    policy: Policy(id: "pii-export", reason: "exports of personal data leave the production boundary"),
                    justification: "Quarterly churn model needs contact-level features; the analytics share is encrypted and access-logged.",
                    context: [
                        .init(key: "rows", value: "48,210"), .init(key: "columns", value: "email, phone, street, postcode, country"),
                        .init(key: "destination", value: "s3://analytics-share/q4/customers.csv"), .init(key: "retention", value: "30 days"),
                        .init(key: "ticket", value: "DATA-1142"),
                    ],
                    onBehalfOf: "maria.lopez@demo", session: "etl-run-7731"), effect: "48,210 rows copied to s3://analytics-share/q4/customers.csv"),
            DemoScenario(
                agent: "ops-copilot@demo",
                request: ActionRequest(
                    kind: "iam.grant", summary: "Grant s3:PutObject on the backups bucket to the reporting role",
                    command: "aws iam put-role-policy --role-name reporting --policy-name backups-write --policy-document file://policy.json",
                    resource: "arn:aws:iam::123456789012:role/reporting", environment: "production", risk: .high,
                    policy: Policy(id: "iam-change", reason: "IAM policy changes in production need a human"),
                    justification: "Nightly report exports fail with AccessDenied since the bucket moved.",
                    context: [.init(key: "account", value: "123456789012"), .init(key: "role", value: "reporting"), .init(key: "incident", value: "INC-2231")],
                    diffs: [
                        ActionDiff(
                            title: "policy.json",
                            text: """
                                --- a/policy.json
                                +++ b/policy.json
                                @@ -3,11 +3,16 @@
                                   "Statement": [
                                     {
                                       "Effect": "Allow",
                                       "Action": ["s3:GetObject", "s3:ListBucket"],
                                       "Resource": [
                                         "arn:aws:s3:::reports",
                                         "arn:aws:s3:::reports/*"
                                       ]
                                +    },
                                +    {
                                +      "Effect": "Allow",
                                +      "Action": ["s3:PutObject"],
                                +      "Resource": ["arn:aws:s3:::backups/*"]
                                     }
                                   ]
                                 }
                                """)
                    ], onBehalfOf: "sam.chen@demo"), effect: "inline policy backups-write attached to role reporting"),
            DemoScenario(
                agent: "ci-pipeline@demo",
                request: ActionRequest(
                    kind: "infra.apply", summary: "terraform apply: resize the API autoscaling group, open port 8443, rebuild the bastion",
                    command: "terraform apply -auto-approve plan.out", resource: "terraform://infra/prod/api", environment: "production", risk: .high,
                    policy: Policy(id: "terraform-prod", reason: "applies to production state need approval"),
                    justification: "Release 2024.11 needs more capacity and the new admin port; the bastion moves to the patched AMI.",
                    context: [
                        .init(key: "pipeline", value: "deploy-prod #4418"), .init(key: "commit", value: "9f1c2ab"),
                    ],
                    diffs: [
                        // What `tollgate request --plan-file` sends: the plan's own text, which the
                        // console summarises (the replacement in the alert role) and marks (the open CIDR).
                        ActionDiff(
                            title: "plan.txt", format: DiffFormat.terraformPlan,
                            text: """
                                Terraform will perform the following actions:

                                  # aws_autoscaling_group.api will be updated in-place
                                  ~ resource "aws_autoscaling_group" "api" {
                                        id               = "api-prod"
                                      ~ max_size         = 6 -> 10
                                      ~ min_size         = 3 -> 4
                                        name             = "api-prod"
                                        # (21 unchanged attributes hidden)
                                    }

                                  # aws_instance.bastion must be replaced
                                -/+ resource "aws_instance" "bastion" {
                                      ~ ami           = "ami-0a1b2c3d4e5f60718" -> "ami-0f9e8d7c6b5a49382" # forces replacement
                                      ~ id            = "i-0abc123def4567890" -> (known after apply)
                                      ~ private_ip    = "10.0.3.17" -> (known after apply)
                                        tags          = {
                                            "Name" = "bastion-prod"
                                        }
                                        # (14 unchanged attributes hidden)
                                    }

                                  # aws_security_group_rule.admin will be created
                                  + resource "aws_security_group_rule" "admin" {
                                      + cidr_blocks       = [
                                          + "0.0.0.0/0",
                                        ]
                                      + from_port         = 8443
                                      + id                = (known after apply)
                                      + protocol          = "tcp"
                                      + security_group_id = "sg-0123456789abcdef0"
                                      + to_port           = 8443
                                      + type              = "ingress"
                                    }

                                Plan: 2 to add, 1 to change, 1 to destroy.
                                """)
                    ], session: "pipeline-4418"), effect: "Apply complete! Resources: 2 added, 1 changed, 1 destroyed."),
            DemoScenario(
                agent: "deploy-bot@demo",
                request: ActionRequest(
                    kind: "k8s.deploy", summary: "Roll out payments-api 2.14.0 to prod (6 replicas)",
                    command: "kubectl -n payments apply -f deploy/payments-api.yaml", resource: "k8s://prod-eu/payments/deployment/payments-api",
                    environment: "production", risk: .medium, policy: Policy(id: "prod-deploy", reason: "production rollouts outside the change window"),
                    justification: "Fixes the refund rounding bug (PAY-877); canary was clean for 2 h.",
                    context: [
                        .init(key: "cluster", value: "prod-eu"), .init(key: "namespace", value: "payments"), .init(key: "canary", value: "2h, 0 errors"),
                    ],
                    diffs: [
                        ActionDiff(
                            title: "deploy/payments-api.yaml",
                            text: """
                                --- a/deploy/payments-api.yaml
                                +++ b/deploy/payments-api.yaml
                                @@ -8,9 +8,9 @@ spec:
                                -  replicas: 4
                                +  replicas: 6
                                   template:
                                     spec:
                                       containers:
                                         - name: payments-api
                                -          image: registry.demo/payments-api:2.13.2
                                +          image: registry.demo/payments-api:2.14.0
                                           resources:
                                             limits:
                                               memory: 512Mi
                                """)
                    ]), effect: "deployment.apps/payments-api configured; rollout complete (6/6)"),
            DemoScenario(
                agent: "ci-pipeline@demo",
                request: ActionRequest(
                    kind: "db.migrate", summary: "Run migration 0142: add NOT NULL column orders.currency",
                    command: "migrate -database postgres://deploy:Sup3rS3cret!@prod-db:5432/shop up 1",
                    resource: "postgres://prod-db/shop", environment: "production", risk: .high,
                    policy: Policy(id: "schema-change", reason: "schema changes on tables over 1M rows"),
                    justification: "Multi-currency checkout; backfill runs in the same transaction.",
                    context: [.init(key: "table rows", value: "31,882,104"), .init(key: "lock", value: "ACCESS EXCLUSIVE for backfill (~40 s)")],
                    diffs: [
                        ActionDiff(
                            title: "0142_orders_currency.sql",
                            text: """
                                --- /dev/null
                                +++ b/migrations/0142_orders_currency.sql
                                @@ -0,0 +1,6 @@
                                +BEGIN;
                                +ALTER TABLE orders ADD COLUMN currency char(3);
                                +UPDATE orders SET currency = 'EUR' WHERE currency IS NULL;
                                +ALTER TABLE orders ALTER COLUMN currency SET NOT NULL;
                                +CREATE INDEX CONCURRENTLY orders_currency_idx ON orders (currency);
                                +COMMIT;
                                """)
                    ]), effect: "migration 0142 applied in 38.2 s"),
            DemoScenario(
                agent: "ops-copilot@demo",
                request: ActionRequest(
                    kind: "secret.read", summary: "Read the Stripe live API key to debug failing webhooks",
                    command: "vault kv get -field=api_key secret/prod/payments/stripe",
                    resource: "vault://secret/prod/payments/stripe", environment: "production", risk: .high,
                    policy: Policy(id: "secret-read", reason: "reading production secrets"),
                    justification: "Webhook signature checks fail since 09:12; need to compare key versions.",
                    context: [
                        .init(key: "previous value seen in logs", value: "AKIAIOSFODNN7EXAMPLE"),
                        .init(key: "note", value: "curl -H 'Authorization: Bearer sk_live_51Hdemo0123456789abcdef' https://api.stripe.com/v1/events"),
                    ],
                    onBehalfOf: "sam.chen@demo"), effect: "secret read (value not shown)"),
            DemoScenario(
                agent: "ops-copilot@demo",
                request: ActionRequest(
                    kind: "iam.escalate", summary: "Temporary cluster-admin for ops-copilot to drain a failing node",
                    command: "kubectl create clusterrolebinding copilot-admin --clusterrole=cluster-admin --serviceaccount=ops:copilot",
                    resource: "k8s://prod-eu/clusterrolebinding/copilot-admin", environment: "production", risk: .critical,
                    policy: Policy(id: "privilege-escalation", reason: "cluster-admin grants need two approvers"),
                    justification: "Node ip-10-2-3-4 is NotReady and evictions are blocked by a PDB; needs admin for 30 minutes.",
                    context: [
                        .init(key: "duration", value: "30 minutes"), .init(key: "node", value: "ip-10-2-3-4.eu-west-1.compute.internal"),
                        .init(key: "pager", value: "PD-99120"),
                    ],
                    requiredApprovals: 2, onBehalfOf: "on-call@demo"), effect: "clusterrolebinding copilot-admin created (expires in 30 min)"),
            DemoScenario(
                agent: "deploy-bot@demo",
                request: ActionRequest(
                    kind: "infra.restart", summary: "Restart the staging log shipper",
                    command: "systemctl restart vector", resource: "host://staging-logs-1", environment: "staging", risk: .low,
                    policy: Policy(id: "restart", reason: "service restarts need a nod")), effect: "vector restarted"),
            DemoScenario(
                agent: "etl-agent@demo",
                request: ActionRequest(
                    kind: "db.query", summary: "Run an ad-hoc UPDATE on 1,204 subscriptions to fix billing dates",
                    command:
                        "psql postgres://etl:hunter2@prod-db/billing -c \"UPDATE subscriptions SET renews_at = renews_at + interval '1 day' WHERE "
                        + "plan = 'annual' AND renews_at::date = '2026-02-29'\"",
                    resource: "postgres://prod-db/billing", environment: "production", risk: .medium,
                    policy: Policy(id: "prod-write", reason: "manual writes to production databases"),
                    justification: "Leap-day renewals were scheduled on a non-existent date.",
                    context: [
                        .init(key: "rows affected (dry run)", value: "1,204"),
                        .init(key: "aws_secret_access_key", value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                    ]),
                effect: "UPDATE 1204"),
            // The rule data-exports requires a justification: this one is refused at submission.
            DemoScenario(
                agent: "etl-agent@demo",
                request: ActionRequest(
                    kind: "data.export", summary: "Export the newsletter list to the marketing tool",
                    command: "psql -c \"COPY (SELECT email FROM subscribers) TO STDOUT\" | mailtool import --list weekly",
                    resource: "postgres://prod-db/subscribers", environment: "production", risk: .medium), effect: "12,408 addresses imported"),
            DemoScenario(
                agent: "deploy-bot@demo",
                request: ActionRequest(
                    kind: "cache.flush", summary: "Flush the staging CDN cache (will expire if nobody looks)",
                    command: "cdnctl purge --all --zone staging", resource: "cdn://staging", environment: "staging", risk: .low, ttlSeconds: 45),
                effect: "staging CDN purged"),
        ] + DemoCodingAgent.scenarios()
    }
}
