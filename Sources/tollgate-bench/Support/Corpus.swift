import TollgateCore

// MARK: - A deterministic random source

/// The corpus's draws from the shared generator: every run measures the same bytes.
extension SplitMix64 {
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// True with probability `percent`/100.
    mutating func chance(_ percent: Int) -> Bool { Int(next() % 100) < percent }

    mutating func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[Int(next() & 15)] })
    }
}

// MARK: - Realistic actions

/// The requests agents make in production, varied and deterministic: the same seed and index
/// always give the same action, so recorded inputs are regenerated rather than committed.
///
/// An action encodes to about 1.5 KB of JSON (summary, command, resource, justification, five to
/// seven context pairs, a Terraform-style diff on one in four), like the feed an on-call watches.
struct Corpus {
    /// 2026-11-22T04:00:00Z: a fixed epoch, so timestamps are the same in every run.
    static let epochMilliseconds: Int64 = 1_795_320_000_000

    let seed: UInt64

    init(seed: UInt64 = 0x7011_6A7E) { self.seed = seed }

    /// The request fields of action `index`.
    func request(_ index: Int) -> ActionRequest {
        var rng = SplitMix64(seed: seed ^ (UInt64(index) &* 0x2545_F491_4F6C_DD1D))
        let table = rng.pick(Self.tables)
        let database = rng.pick(Self.databases)
        let environment = rng.pick(Self.environments)
        let ticket = "OPS-\(rng.int(1000...9999))"
        let kind = rng.pick(Self.kinds)
        let rows = rng.int(1_000...2_000_000)
        let summary: String
        let command: String
        let resource: String
        switch kind {
        case "data.export":
            summary = "Export \(rows) rows of \(table) from \(database) to s3://analytics-exports/\(table)/\(rng.hex(8)).parquet"
            command =
                "pg_dump --data-only --table=public.\(table) --format=custom --compress=9 postgres://\(database).internal:5432/app | aws s3 cp - s3://analytics-exports/\(table)/"
            resource = "postgres://\(database)/\(table)"
        case "iam.grant":
            let role = rng.pick(Self.roles)
            summary = "Grant \(role) on \(table) to svc-\(rng.pick(Self.services)) for 4 hours (\(ticket))"
            command =
                "gcloud projects add-iam-policy-binding acme-\(environment) --member=serviceAccount:svc@acme.iam.gserviceaccount.com --role=roles/\(role) --condition=expiry-4h"
            resource = "iam://acme-\(environment)/\(role)"
        case "infra.apply":
            summary = "terraform apply in \(environment): resize \(database) and rotate \(table) replica (\(ticket))"
            command = "terraform -chdir=stacks/\(environment)/\(database) apply -auto-approve -lock-timeout=120s plan-\(rng.hex(12)).tfplan"
            resource = "terraform://stacks/\(environment)/\(database)"
        case "db.query":
            summary = "Run a one-off UPDATE on \(table) in \(database): backfill \(rows) rows for \(ticket)"
            command =
                "psql postgres://\(database).internal/app -c \"UPDATE \(table) SET region = 'eu-west-1' WHERE region IS NULL AND created_at < now() - interval '30 days'\""
            resource = "postgres://\(database)/\(table)"
        case "k8s.exec":
            let service = rng.pick(Self.services)
            summary = "kubectl exec into \(service) in \(environment) to inspect \(table) cache (\(ticket))"
            command =
                "kubectl --context \(environment)-eu1 -n \(service) exec -it deploy/\(service) -- /bin/sh -c 'redis-cli --scan --pattern \(table):* | head -100'"
            resource = "k8s://\(environment)-eu1/\(service)"
        default:
            summary = "Refund \(rows % 5000) invoices from \(table) for customer cus_\(rng.hex(10)) (\(ticket))"
            command = "stripe refunds create --charge ch_\(rng.hex(24)) --reason requested_by_customer --metadata ticket=\(ticket)"
            resource = "stripe://acme/\(table)"
        }
        var context = [
            ContextEntry(key: "ticket", value: "https://tracker.example.com/browse/\(ticket)"),
            ContextEntry(key: "pipeline", value: "https://ci.example.com/acme/\(rng.pick(Self.services))/pipelines/\(rng.int(100_000...999_999))"),
            ContextEntry(key: "git_sha", value: rng.hex(40)),
            ContextEntry(key: "region", value: rng.pick(["eu-west-1", "us-east-1", "ap-southeast-2"])),
            ContextEntry(key: "estimated_rows", value: "\(rows)"),
        ]
        for extra in 0..<rng.int(0...2) {
            context.append(
                ContextEntry(key: "note_\(extra)", value: "Checked with \(rng.pick(Self.people)) in #\(rng.pick(Self.services))-oncall before asking"))
        }
        var diffs: [ActionDiff] = []
        if rng.chance(25) {
            let old = rng.int(2...8), new = old * 2
            diffs.append(
                ActionDiff(
                    title: "stacks/\(environment)/\(database)/main.tf",
                    text: """
                        --- a/stacks/\(environment)/\(database)/main.tf
                        +++ b/stacks/\(environment)/\(database)/main.tf
                        @@ -12,9 +12,9 @@ resource "aws_db_instance" "\(database)" {
                           engine               = "postgres"
                           engine_version       = "16.4"
                        -  instance_class       = "db.r6g.\(old)xlarge"
                        +  instance_class       = "db.r6g.\(new)xlarge"
                           allocated_storage    = 2000
                           storage_type         = "gp3"
                           multi_az             = true
                           deletion_protection  = true
                           apply_immediately    = false

                        """))
        }
        return ActionRequest(
            kind: kind, summary: summary, command: command, resource: resource, environment: environment,
            risk: rng.pick([.low, .medium, .medium, .high, .high, .critical]),
            policy: Policy(id: "\(environment)-\(kind.replacingDots)", reason: "\(kind) in \(environment) needs a human approver (\(rng.pick(Self.policies)))"),
            justification: "\(rng.pick(Self.justifications)) Requested for \(ticket); rollback plan in the ticket.",
            context: context, diffs: diffs, requiredApprovals: 1, ttlSeconds: 3_600,
            onBehalfOf: rng.chance(50) ? "\(rng.pick(Self.people))@example.com" : nil,
            session: "run-\(rng.hex(12))")
    }

    /// Action `index` as a server would store it: pending, or resolved with decisions when
    /// `resolved` (the history cache's mix).
    func action(_ index: Int, resolved: Bool = false) -> Action {
        let r = request(index)
        var rng = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
        // One action every 250 ms on average, so a million span about three days.
        let created = Timestamp(milliseconds: Self.epochMilliseconds + Int64(index) * 250 + Int64(rng.int(0...200)))
        var action = Action(
            id: Self.actionID(index), createdAt: created, expiresAt: created.adding(seconds: Double(r.ttlSeconds ?? 3_600)),
            requester: Requester(
                id: "\(rng.pick(Self.services))-agent@agents.example.com", kind: rng.chance(70) ? .agent : .pipeline,
                onBehalfOf: r.onBehalfOf, session: r.session),
            kind: r.kind, summary: r.summary, command: r.command, resource: r.resource, environment: r.environment,
            risk: r.risk, policy: r.policy ?? Policy(id: "unspecified", reason: ""), justification: r.justification,
            context: r.context, diffs: r.diffs, requiredApprovals: r.requiredApprovals,
            redactions: rng.chance(10) ? 1 : 0, digest: "sha256:" + rng.hex(64))
        guard resolved else { return action }
        let approver = "\(rng.pick(Self.people))@example.com"
        let at = created.adding(seconds: Double(rng.int(5...1_800)))
        switch rng.int(0...9) {
        case 0...5:
            action.status = .approved
            action.decisions = [
                Decision(
                    approver: approver, verdict: .approve, reason: rng.chance(30) ? "Looks right, matches \(approver)'s plan" : "", at: at,
                    digest: action.digest)
            ]
            action.resolvedAt = at
        case 6...7:
            action.status = .denied
            action.decisions = [
                Decision(approver: approver, verdict: .deny, reason: "Not during the freeze; \(rng.pick(Self.justifications))", at: at, digest: action.digest)
            ]
            action.resolvedAt = at
        case 8:
            action.status = .expired
            action.resolvedAt = action.expiresAt
        default:
            action.status = .cancelled
            action.resolvedAt = at
        }
        return action
    }

    /// `act_` and 26 base32 characters, unique per index.
    static func actionID(_ index: Int) -> String {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        var value = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 ^ 0x5DEE_CE66D
        var chars = [Character](repeating: "0", count: 26)
        for i in (0..<13).reversed() {
            chars[i] = alphabet[Int(value & 31)]
            value >>= 5
        }
        var counter = UInt64(index)
        for i in (13..<26).reversed() {
            chars[i] = alphabet[Int(counter & 31)]
            counter >>= 5
        }
        return "act_" + String(chars)
    }

    // MARK: - Vocabulary

    static let kinds = ["data.export", "iam.grant", "infra.apply", "db.query", "k8s.exec", "billing.refund"]
    static let tables = ["customers", "orders", "invoices", "payments", "sessions", "audit_log", "users", "subscriptions", "shipments", "inventory"]
    static let databases = ["prod-db", "billing-db", "events-db", "ledger-db", "warehouse"]
    static let environments = ["production", "production", "staging", "sandbox"]
    static let services = ["checkout", "billing", "search", "identity", "notifications", "ingest", "reporting"]
    static let roles = ["bigquery.dataViewer", "cloudsql.admin", "storage.objectAdmin", "secretmanager.secretAccessor"]
    static let people = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
    static let policies = ["SOC 2 CC6.1", "change freeze rules", "data protection addendum", "two-person rule"]
    static let justifications = [
        "The nightly job failed and finance needs the numbers before the 09:00 review.",
        "Customer escalation: the account is locked and support cannot proceed without this.",
        "Capacity alarm fired twice this week; this is the planned fix from the postmortem.",
        "Quarterly audit sample requested by compliance, scoped to the fields they listed.",
    ]
}

extension String {
    /// `data.export` → `data-export`, for policy ids.
    fileprivate var replacingDots: String { String(map { $0 == "." ? "-" : $0 }) }
}
