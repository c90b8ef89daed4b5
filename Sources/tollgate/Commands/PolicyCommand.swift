import ArgumentParser
import Foundation
import TollgateCore

/// `tollgate policy`: the server's `[[policy]]` rules, tried without a server.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check the [[policy]] rules of a server configuration file, and which one a request meets.",
        discussion: "Only the [[policy]] tables are read; the file's other settings are the server's and are not checked here. See docs/policy.md.",
        subcommands: [Check.self, Lint.self]
    )

    /// `tollgate policy lint`: reads the rules and lists them, or says what is wrong.
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the [[policy]] rules of a configuration file and list them in order.",
            discussion:
                "Exit 0 when the rules are valid, 1 when they are not (file:line: key: what is wrong) or there are none, 2 when the file cannot be read."
        )

        @Option(help: ArgumentHelp("The server configuration file.", valueName: "file"))
        var config: String

        func run() throws {
            let text = try PolicyCommand.read(config)
            let policy: PolicySet
            do { policy = try PolicyFile.parse(text: text, file: config) } catch {
                throw CommandFailure(Printable.line(error.description), code: Exit.checkFailed)
            }
            if policy.rules.isEmpty {
                throw CommandFailure(Printable.line("\(config): no [[policy]] tables; every action would keep its requester's values"), code: Exit.checkFailed)
            }
            for rule in policy.rules {
                print(Printable.line("\(rule.id) (line \(rule.line)): \(PolicyCommand.matchers(rule)) -> \(PolicyCommand.requirements(rule))"))
            }
            print(Printable.line("\(config): \(policy.rules.count) rule\(policy.rules.count == 1 ? "" : "s"), valid"))
        }
    }

    /// `tollgate policy check`: which rule a request body meets, and what it would then require.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which rule a request body (as sent to POST /v1/actions) meets and what it would require.",
            discussion:
                "Reads the body from REQUEST, or standard input without one. Exit 0 once evaluated (whatever the outcome), 2 when the configuration "
                + "or the request is not valid. The server's [actions] limits are not applied here."
        )

        @Option(help: ArgumentHelp("The server configuration file.", valueName: "file"))
        var config: String

        @Option(help: ArgumentHelp("The submitting principal's id, which requesters patterns match.", valueName: "id"))
        var requester: String?

        @Argument(help: ArgumentHelp("A JSON request body; standard input without one.", valueName: "request"))
        var request: String?

        func run() throws {
            let text = try PolicyCommand.read(config)
            let policy: PolicySet
            do { policy = try PolicyFile.parse(text: text, file: config) } catch {
                throw CommandFailure(Printable.line(error.description))
            }
            if let requester, let problem = Identity.problem(in: requester) {
                throw CommandFailure(Printable.line("--requester: \(problem)"))
            }
            if requester == nil, policy.rules.contains(where: { $0.requesters != nil }) {
                Diagnostics.warn("no --requester: requesters patterns other than * match nothing")
            }
            let body = try readBody()
            let decoded: ActionRequest
            do {
                decoded = try body.withUnsafeBytes { try ActionRequest(json: $0) }
            } catch let error as DecodingError {
                throw CommandFailure(Printable.line("\(source): \(DecodingMessage.describe(error))"))
            } catch {
                throw CommandFailure("\(Printable.line(source)): the body is not valid JSON")
            }
            // The server matches what it stores, after masking, so `check` masks first too
            // (with the built-in rules: a configuration's own patterns belong to the server).
            let masked: ActionRequest
            do { masked = try SecretMasker().mask(decoded).0 } catch { throw CommandFailure("cannot build the secret masker: \(error)") }
            if let problem = masked.validate(maxTTL: Int(PolicyFile.maxTTLSeconds)) {
                throw CommandFailure(Printable.line("\(source): \(problem)"))
            }
            let evaluation = policy.evaluate(PolicySubmission(request: masked, requester: requester ?? ""))
            for line in PolicyCommand.report(evaluation, file: config) { print(Printable.line(line)) }
        }

        private var source: String { request ?? "standard input" }

        /// The body, at most the server's default body limit (8 MiB).
        private func readBody() throws -> Data {
            let limit = 8 * 1024 * 1024
            let data: Data
            if let request {
                guard let read = FileManager.default.contents(atPath: request) else { throw CommandFailure(Printable.line("\(request): cannot read the file")) }
                data = read
            } else {
                data = FileHandle.standardInput.readData(ofLength: limit + 1)
            }
            if data.count > limit { throw CommandFailure(Printable.line("\(source): larger than \(limit) bytes")) }
            return data
        }
    }

    // MARK: - Shared

    /// The configuration file's text, or a failure (exit 2) saying why it cannot be read.
    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure(Printable.line("\(path): cannot read the file")) }
        guard let text = String(data: data, encoding: .utf8) else { throw CommandFailure(Printable.line("\(path): not UTF-8 text")) }
        return text
    }

    /// `kinds iam.* · environments production`, or `matches everything`.
    static func matchers(_ rule: PolicyRule) -> String {
        let named: [(String, PolicyMatcher?)] = [
            ("kinds", rule.kinds), ("environments", rule.environments), ("resources", rule.resources), ("requesters", rule.requesters),
        ]
        let parts = named.compactMap { name, matcher in matcher.map { "\(name) " + $0.patterns.map(\.text).joined(separator: "|") } }
        return parts.isEmpty ? "matches everything" : parts.joined(separator: " · ")
    }

    /// `review; risk at least critical, 2 approvers incl. 1 from security, ttl at most 1800 s, justification required`.
    static func requirements(_ rule: PolicyRule) -> String {
        var parts: [String] = []
        if let risk = rule.risk { parts.append("risk at least \(risk.rawValue)") }
        if rule.outcome == .review { parts.append(approvers(rule.approvalsFloor, rule.groups)) }
        if let ttl = rule.maxTTLSeconds { parts.append("ttl at most \(ttl) s") }
        if rule.justificationRequired { parts.append("justification required") }
        return rule.outcome.rawValue + (parts.isEmpty ? "" : "; " + parts.joined(separator: ", "))
    }

    private static func approvers(_ count: Int, _ groups: [GroupMinimum]) -> String {
        "\(count) approver\(count == 1 ? "" : "s")" + (groups.isEmpty ? "" : " incl. " + groups.map { "\($0.count) from \($0.group)" }.joined(separator: ", "))
    }

    /// What `check` prints: the rule, then each requirement beside what was asked.
    static func report(_ e: PolicyEvaluation, file: String) -> [String] {
        let r = e.required, c = e.claimed
        var lines: [String]
        if let rule = e.rule {
            lines = ["rule:          \(rule.id) (\(file):\(rule.line))", "reason:        \(rule.reason)"]
        } else {
            lines = ["rule:          none matches; the requester's values stand (policy unspecified)"]
        }
        switch r.outcome {
        case .review: lines.append("outcome:       review (waits for approvers)")
        case .approve: lines.append("outcome:       approve (approved at submission)")
        case .deny: lines.append("outcome:       deny (denied at submission)")
        }
        lines.append("risk:          \(r.risk.rawValue) (asked: \(c.risk.rawValue))")
        if r.outcome == .review { lines.append("approvals:     \(approvers(r.approvals, r.groups)) (asked: \(c.approvals))") }
        let asked = c.ttlSeconds.map { "\($0)" } ?? "none"
        switch (r.maxTTLSeconds, c.ttlSeconds) {
        case (let ceiling?, let ttl?): lines.append("ttl:           \(min(ttl, ceiling)) s (asked: \(asked))")
        case (let ceiling?, nil): lines.append("ttl:           the server's default, at most \(ceiling) s (asked: none)")
        case (nil, let ttl?): lines.append("ttl:           \(ttl) s (asked: \(asked))")
        case (nil, nil): lines.append("ttl:           the server's default (asked: none)")
        }
        let given = c.hasJustification ? "given" : "none given"
        if e.lacksJustification {
            lines.append("justification: required, none given: the server refuses the request (422 justification_required)")
        } else {
            lines.append("justification: \(r.justificationRequired ? "required" : "optional"), \(given)")
        }
        return lines
    }
}
