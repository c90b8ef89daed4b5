import Foundation
import TollgateCore
import XCTest

/// docs/agents.md's recipes, taken from the page and run as its reader would run them: the
/// JSON parsed and its commands run, the shell by the shell it names, against a real server.
///
/// Only what cannot exist here is replaced: the server's address and the token (the page's
/// placeholders), and `terraform` and `systemctl`, which are stand-ins on `PATH` that record
/// how they were called.
final class AgentRecipesTests: XCTestCase {
    // MARK: - The page

    /// docs/agents.md's text.
    private static func page() throws -> String {
        try String(contentsOf: TollgateBinary.packageRoot().appendingPathComponent("docs/agents.md"), encoding: .utf8)
    }

    /// The one fenced block of `language` that contains `marker`.
    private static func block(_ language: String, containing marker: String) throws -> String {
        var found: [String] = []
        var current: [Substring]?
        for line in try page().split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```\(language)" {
                current = []
            } else if current != nil, line == "```" {
                let text = (current ?? []).joined(separator: "\n") + "\n"
                if text.contains(marker) { found.append(text) }
                current = nil
            } else {
                current?.append(line)
            }
        }
        guard found.count == 1, let text = found.first else {
            throw HTTPClientError("docs/agents.md has \(found.count) \(language) blocks containing \(marker.debugDescription)")
        }
        return text
    }

    private static func json(_ language: String, containing marker: String) throws -> [String: Any] {
        let text = try block(language, containing: marker)
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw HTTPClientError("the \(marker) block is not a JSON object")
        }
        return object
    }

    // MARK: - A reader's machine

    /// A sandbox, its server, and the environment the reader's commands run in: `tollgate` and
    /// the stand-ins on `PATH`, a home of its own, and no `TOLLGATE_*` from the test's own.
    private struct Machine {
        var sandbox: Sandbox
        var server: ServerProcess
        var stubs: URL
        var environment: [String: String]

        var url: String { "http://127.0.0.1:\(server.port)" }

        init(_ test: XCTestCase, config: String = Sandbox.quietConfig) throws {
            sandbox = try Sandbox(test, config: config)
            server = try sandbox.startServer()
            stubs = sandbox.directory.appendingPathComponent("stubs")
            let home = sandbox.directory.appendingPathComponent("home")
            for folder in [stubs, home] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
            environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TOLLGATE_") }
            let binaries = try TollgateBinary.url().deletingLastPathComponent().path
            environment["PATH"] = "\(binaries):\(stubs.path):" + (environment["PATH"] ?? "/usr/bin:/bin")
            environment["HOME"] = home.path
            environment["XDG_CONFIG_HOME"] = home.appendingPathComponent(".config").path
        }

        /// Writes the page's client `config.toml` for `principal`, the server's address in place of the placeholder.
        func configure(as principal: String) throws {
            let recipe = try AgentRecipesTests.block("toml", containing: "token_file")
            XCTAssertTrue(recipe.contains(#"server = "https://tollgate.internal""#), recipe)
            let folder = URL(fileURLWithPath: environment["XDG_CONFIG_HOME"] ?? "").appendingPathComponent("tollgate")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try TestFiles.create(
                folder.appendingPathComponent("config.toml").path,
                Data(recipe.replacingOccurrences(of: "https://tollgate.internal", with: url).utf8))
            let token = folder.appendingPathComponent("agent.token").path
            try? FileManager.default.removeItem(atPath: token)
            try TestFiles.create(token, Data((try sandbox.token(principal) + "\n").utf8), ownerOnly: true)
        }

        /// A stand-in for `name` on `PATH`: a shell script.
        func stub(_ name: String, _ script: String) throws {
            let path = stubs.appendingPathComponent(name).path
            try TestFiles.create(path, Data(("#!/bin/sh\n" + script).utf8))
            XCTAssertEqual(chmod(path, 0o755), 0)
        }

        /// Starts `script` with `shell` (its arguments before the script's path) in the background.
        func start(_ shell: [String], _ script: String, in directory: URL? = nil, extra: [String: String] = [:]) throws -> Spawned {
            let folder = directory ?? sandbox.directory
            let path = folder.appendingPathComponent("\(UUID().uuidString).sh").path
            try TestFiles.create(path, Data(script.utf8))
            let cd = ["/bin/sh", "-c", #"cd "$1" && shift && exec "$@""#, "sh", folder.path]
            return try Spawned(
                Array(cd.dropFirst()) + shell + [path], in: sandbox.directory, environment: environment.merging(extra) { $1 },
                executable: URL(fileURLWithPath: cd[0]))
        }

        func client(_ principal: String) throws -> APIClient { try sandbox.client(server, as: principal) }
    }

    // MARK: - Tokens and the client configuration

    func testTheTokenRecipeMakesAnOwnerOnlyFileAndTheConfigurationFindsIt() throws {
        let machine = try Machine(self)
        let line = try Self.block("sh", containing: "token add").trimmingCharacters(in: .newlines)
        // The page runs it as the tollgate user on the server, on the server's tokens file.
        let here =
            line
            .replacingOccurrences(of: "runuser -u tollgate -- ", with: "")
            .replacingOccurrences(of: "/etc/tollgate/tokens.toml", with: machine.sandbox.tokensPath)
        XCTAssertNotEqual(here, line, "the recipe names the tollgate user and the tokens file")
        let run = try machine.start(["/bin/sh"], here + "\n")
        XCTAssertEqual(try run.wait(), 0, run.stderr)

        let tokenFile = machine.sandbox.directory.appendingPathComponent("claude-laptop-ana.token").path
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int, 0o600, "owner-only")
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        // The running server takes the new principal from the changed file.
        try eventually("the server knows the new token") { try APIClient(port: machine.server.port, token: token).get("/v1/whoami").status == 200 }

        try machine.configure(as: "agent-1")
        let folder = URL(fileURLWithPath: machine.environment["XDG_CONFIG_HOME"] ?? "").appendingPathComponent("tollgate")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("agent.token"))
        try FileManager.default.copyItem(atPath: tokenFile, toPath: folder.appendingPathComponent("agent.token").path)
        let asked = try machine.start(["/bin/sh"], "tollgate request --kind docs.check --summary 'from the configuration'\n")
        XCTAssertEqual(try asked.wait(), 0, asked.stderr)
        let id = asked.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try machine.client("alice").action(id).requester.id, "claude-laptop-ana")
    }

    // MARK: - Claude Code hook

    func testTheClaudeCodeSettingsRunTheHookAndThePolicyApprovesRoutineEdits() throws {
        let policy = try Self.block("toml", containing: "[[policy]]")
        let machine = try Machine(self, config: Sandbox.quietConfig + "\n" + policy)
        try machine.configure(as: "agent-1")

        let settings = try Self.json("json", containing: "PreToolUse")
        let entries = (settings["hooks"] as? [String: Any])?["PreToolUse"] as? [[String: Any]]
        let entry = try XCTUnwrap(entries?.first, "hooks.PreToolUse[0]")
        let hook = try XCTUnwrap((entry["hooks"] as? [[String: Any]])?.first, "hooks.PreToolUse[0].hooks[0]")
        XCTAssertEqual(hook["type"] as? String, "command")
        let command = try XCTUnwrap(hook["command"] as? String)
        let timeout = try XCTUnwrap(hook["timeout"] as? Int)
        let words = command.split(separator: " ")
        let wait = try XCTUnwrap(words.firstIndex(of: "--wait").flatMap { Int(words[$0 + 1]) }, command)
        XCTAssertLessThan(wait, timeout, "the hook answers before Claude Code gives up on it")

        // Claude Code matches tool names against the whole pattern.
        let matcher = try NSRegularExpression(pattern: "^(?:\(try XCTUnwrap(entry["matcher"] as? String)))$")
        func matches(_ tool: String) -> Bool { matcher.firstMatch(in: tool, range: NSRange(tool.startIndex..., in: tool)) != nil }
        for tool in ["Bash", "Edit", "MultiEdit", "Write"] { XCTAssertTrue(matches(tool), tool) }
        for tool in ["Read", "Grep", "WebFetch"] { XCTAssertFalse(matches(tool), tool) }

        // An edit: approved by the routine-edits rule at once, and the answer reads as the page says.
        let file = machine.sandbox.directory.appendingPathComponent("retry.py").path
        try "RETRIES = 3\n".write(toFile: file, atomically: true, encoding: .utf8)
        let edit = try runHook(machine, command, tool: "Edit", ["file_path": file, "old_string": "RETRIES = 3", "new_string": "RETRIES = 5"])
        XCTAssertEqual(try edit.wait(), 0, edit.stderr)
        let editAnswer = try Self.hookAnswer(edit.stdout)
        XCTAssertEqual(editAnswer.decision, "allow")
        let id = try XCTUnwrap(editAnswer.reason.split(separator: " ").dropFirst().first.map(String.init))
        let collapsed = try Self.page().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(
            collapsed.contains("`\(editAnswer.reason.replacingOccurrences(of: id, with: "act_…"))`"), "the page quotes the answer: \(editAnswer.reason)")

        // A shell command: the shell rule raises the risk, and a person decides.
        let bash = try runHook(machine, command, tool: "Bash", ["command": "git push --force origin main"], toolUse: "toolu_bash")
        let alice = try machine.client("alice")
        let pending = try alice.awaitPending("the hook's Bash use is pending")
        XCTAssertEqual(pending.kind, "claude-code.bash")
        XCTAssertEqual(pending.risk, .high, "the shell rule's risk floor")
        XCTAssertEqual(pending.rule?.id, "shell")
        XCTAssertEqual(try alice.decide(pending, .deny, reason: "not on main").status, 200)
        XCTAssertEqual(try bash.wait(), 0, bash.stderr)
        XCTAssertEqual(try Self.hookAnswer(bash.stdout).decision, "deny")
        XCTAssertEqual(try Self.hookAnswer(bash.stdout).reason, "Tollgate \(pending.id) denied by alice: not on main")
    }

    /// Runs the settings' hook command as Claude Code does: through a shell, the event on standard input.
    private func runHook(_ machine: Machine, _ command: String, tool: String, _ input: [String: String], toolUse: String = "toolu_edit") throws
        -> Spawned
    {
        let event: [String: Any] = [
            "session_id": "sess-docs", "transcript_path": "/home/ana/.claude/projects/t.jsonl", "cwd": machine.sandbox.directory.path,
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": input, "tool_use_id": toolUse,
        ]
        let path = machine.sandbox.directory.appendingPathComponent("\(toolUse).json").path
        try TestFiles.create(path, try JSONSerialization.data(withJSONObject: event))
        return try machine.start(["/bin/sh"], "\(command) < \(path)\n")
    }

    private static func hookAnswer(_ stdout: String) throws -> (decision: String, reason: String) {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        let output = try XCTUnwrap(object?["hookSpecificOutput"] as? [String: String], stdout)
        return (output["permissionDecision"] ?? "", output["permissionDecisionReason"] ?? "")
    }

    // MARK: - MCP

    /// What an MCP client does with the page's configuration: start the named server's command
    /// with its arguments and environment, list the tools, ask, and wait.
    private static let mcpClient = """
        import asyncio, json, sys
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client

        async def main(path, name):
            server = json.load(open(path))["mcpServers"][name]
            params = StdioServerParameters(command=server["command"], args=server.get("args", []), env=server.get("env"))
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    tools = await session.list_tools()
                    asked = await session.call_tool("request_approval", {"kind": "db.rotate", "summary": "rotate the staging password", "wait_seconds": 0})
                    waited = await session.call_tool("wait_for_decision", {"id": asked.structuredContent["id"], "wait_seconds": 55})
                    print(json.dumps({"tools": sorted(t.name for t in tools.tools), "asked": asked.structuredContent,
                                      "waited": waited.structuredContent, "errors": [asked.isError, waited.isError]}))

        asyncio.run(main(sys.argv[1], sys.argv[2]))
        """

    func testTheMCPConfigurationStartsTollgateMcpForTheOfficialClient() throws {
        let machine = try Machine(self)
        let python = try TollgateBinary.packageRoot().appendingPathComponent(".build/mcp-venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw HTTPClientError("no MCP client venv at \(python.path): make test creates it (make .build/mcp-venv/bin/python)")
        }
        var config = try Self.json("json", containing: "mcpServers")
        let servers = try XCTUnwrap(config["mcpServers"] as? [String: Any])
        XCTAssertEqual(Array(servers.keys), ["tollgate"])
        var server = try XCTUnwrap(servers["tollgate"] as? [String: Any])
        XCTAssertEqual(server["command"] as? String, "tollgate")
        XCTAssertEqual(server["args"] as? [String], ["mcp"])
        var env = try XCTUnwrap(server["env"] as? [String: String])
        XCTAssertEqual(env["TOLLGATE_SERVER"], "https://tollgate.internal")
        XCTAssertNotNil(env["TOLLGATE_TOKEN_FILE"])
        env["TOLLGATE_SERVER"] = machine.url
        env["TOLLGATE_TOKEN_FILE"] = try machine.sandbox.tokenFile("agent-1")
        server["env"] = env
        config["mcpServers"] = ["tollgate": server]
        let configPath = machine.sandbox.directory.appendingPathComponent("mcp.json").path
        try TestFiles.create(configPath, try JSONSerialization.data(withJSONObject: config))
        let scriptPath = machine.sandbox.directory.appendingPathComponent("client.py").path
        try TestFiles.create(scriptPath, Data(Self.mcpClient.utf8))

        let client = try Spawned([scriptPath, configPath, "tollgate"], in: machine.sandbox.directory, environment: machine.environment, executable: python)
        let alice = try machine.client("alice")
        let pending = try alice.awaitPending("the MCP client's request is pending")
        XCTAssertEqual(pending.requester.id, "agent-1")
        XCTAssertEqual(pending.kind, "db.rotate")
        XCTAssertEqual(try alice.decide(pending, .approve, reason: "go ahead").status, 200)
        XCTAssertEqual(try client.wait(), 0, client.stderr)

        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(client.stdout.utf8)) as? [String: Any], client.stdout)
        let tools = try XCTUnwrap(answer["tools"] as? [String])
        XCTAssertEqual(answer["errors"] as? [Bool], [false, false])
        XCTAssertEqual((answer["asked"] as? [String: Any])?["status"] as? String, "pending")
        XCTAssertEqual((answer["waited"] as? [String: Any])?["status"] as? String, "approved")
        XCTAssertEqual((answer["waited"] as? [String: Any])?["id"] as? String, pending.id)

        // The page's table lists exactly the tools the server offers, and the permission-prompt
        // line names one of them under the configuration's server name.
        let page = try Self.page()
        let listed = page.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 3)..<end])
        }
        XCTAssertEqual(listed.sorted(), tools)
        let prompt = try Self.block("sh", containing: "--permission-prompt-tool")
        let tool = try XCTUnwrap(prompt.split(separator: " ").drop { $0 != "--permission-prompt-tool" }.dropFirst().first)
        XCTAssertEqual(tool.split(separator: "__", omittingEmptySubsequences: false).map(String.init), ["mcp", "tollgate", "approval_prompt"])
        XCTAssertTrue(tools.contains("approval_prompt"))
    }

    // MARK: - CI

    /// The GitHub Actions step: its `env:` and its `run: |` script, read from the page's YAML.
    private static func ciStep() throws -> (env: [(String, String)], script: String) {
        let lines = try block("yaml", containing: "terraform apply").split(separator: "\n", omittingEmptySubsequences: false)
        func indent(_ line: Substring) -> Int { line.prefix { $0 == " " }.count }
        guard let envLine = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "env:" }),
            let runLine = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "run: |" }), envLine < runLine
        else { throw HTTPClientError("the CI step has no env: before run: |") }
        var env: [(String, String)] = []
        for line in lines[(envLine + 1)..<runLine] where !line.allSatisfy(\.isWhitespace) {
            guard indent(line) > indent(lines[envLine]), let colon = line.firstIndex(of: ":") else { throw HTTPClientError("env line: \(line)") }
            env.append((line[..<colon].trimmingCharacters(in: .whitespaces), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let body = lines[(runLine + 1)...].filter { !$0.allSatisfy(\.isWhitespace) }
        guard let first = body.first, body.allSatisfy({ indent($0) >= indent(first) }), indent(first) > indent(lines[runLine]) else {
            throw HTTPClientError("the run: block is not indented under run:")
        }
        return (env, body.map { String($0.dropFirst(indent(first))) }.joined(separator: "\n") + "\n")
    }

    /// A plan as `terraform show -no-color` prints it.
    private static let plan = """
        Terraform will perform the following actions:

          # aws_security_group_rule.ssh will be updated in-place
          ~ resource "aws_security_group_rule" "ssh" {
              ~ cidr_blocks = [
                  - "10.0.0.0/8",
                  + "0.0.0.0/0",
                ]
                id          = "sgrule-2301"
            }

        Plan: 0 to add, 1 to change, 0 to destroy.

        """

    func testTheCIStepAppliesThePlanOnlyOnceApprovedAndNeverSeesTheToken() throws {
        let machine = try Machine(self)
        let (env, script) = try Self.ciStep()
        let record = machine.sandbox.directory.appendingPathComponent("terraform-calls")
        try FileManager.default.createDirectory(at: record, withIntermediateDirectories: true)
        try TestFiles.create(record.appendingPathComponent("plan.txt").path, Data(Self.plan.utf8))
        try machine.stub(
            "terraform",
            """
            calls=\(record.path)
            case "$1 $2 $3" in
            "show -no-color plan.tfplan") cat "$calls/plan.txt" ;;
            "apply -input=false plan.tfplan") env > "$calls/apply.env"; echo "$@" >> "$calls/applied" ;;
            *) echo "terraform stand-in: unexpected $*" >&2; exit 9 ;;
            esac

            """)

        let token = try machine.sandbox.token("agent-1")
        var variables: [String: String] = [:]
        for (key, value) in env {
            switch value {
            case "https://tollgate.internal": variables[key] = machine.url
            case "${{ secrets.TOLLGATE_TOKEN }}": variables[key] = token
            default: XCTFail("an env value the test does not know how to provide: \(key): \(value)")
            }
        }
        XCTAssertEqual(variables.count, 2, "the server and the token")
        let github = [
            "GITHUB_REPOSITORY": "acme/infra", "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_RUN_ID": "4242",
            "GITHUB_SERVER_URL": "https://github.com",
        ]
        let alice = try machine.client("alice")

        for (verdict, status) in [(Verdict.approve, Int32(0)), (.deny, 3)] {
            let job = machine.sandbox.directory.appendingPathComponent("job-\(verdict.rawValue)")
            let runnerTemp = job.appendingPathComponent("runner-temp")
            try FileManager.default.createDirectory(at: runnerTemp, withIntermediateDirectories: true)
            try TestFiles.create(job.appendingPathComponent("plan.tfplan").path, Data("PK\u{3}\u{4}saved plan".utf8))
            // GitHub runs a step's script with bash -e -o pipefail.
            let run = try machine.start(
                ["/bin/bash", "--noprofile", "--norc", "-eo", "pipefail"], script, in: job,
                extra: variables.merging(github) { $1 }.merging(["RUNNER_TEMP": runnerTemp.path]) { $1 })
            let pending = try alice.awaitPending("the CI step's request is pending")
            XCTAssertEqual(pending.kind, "terraform.apply")
            XCTAssertEqual(pending.summary, "terraform apply in acme/infra at 0123456789ab")
            XCTAssertEqual(pending.command, "terraform apply -input=false plan.tfplan")
            XCTAssertEqual(pending.diffs, [ActionDiff(title: "plan.txt", format: "terraform-plan", text: Self.plan)], "the approver reads the plan itself")
            XCTAssertTrue(pending.context.contains(ContextEntry(key: "run", value: "https://github.com/acme/infra/actions/runs/4242")))
            let appliedSoFar = (try? String(contentsOf: record.appendingPathComponent("applied"), encoding: .utf8)) ?? ""
            XCTAssertEqual(appliedSoFar.split(separator: "\n").count, verdict == .approve ? 0 : 1, "nothing applied before the decision")
            let tokenFile = runnerTemp.appendingPathComponent("tollgate.token").path
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int, 0o600)

            XCTAssertEqual(try alice.decide(pending, verdict, reason: verdict == .deny ? "not before the freeze ends" : "").status, 200)
            XCTAssertEqual(try run.wait(), status, run.stderr)
            XCTAssertFalse(run.stdout.contains(token) || run.stderr.contains(token), "the token is in no log")
        }
        let applied = try String(contentsOf: record.appendingPathComponent("applied"), encoding: .utf8)
        XCTAssertEqual(applied, "apply -input=false plan.tfplan\n", "applied once: after the approval, not after the denial")
        let applyEnvironment = try String(contentsOf: record.appendingPathComponent("apply.env"), encoding: .utf8)
        XCTAssertFalse(applyEnvironment.contains(token), "terraform does not inherit the token")
    }

    // MARK: - Shell function

    func testTheShellFunctionRunsTheCommandOnlyOnceAColleagueApproves() throws {
        let machine = try Machine(self)
        try machine.configure(as: "dual")
        let function = try Self.block("sh", containing: "gate() {")
        let usage = try Self.block("sh", containing: "gate \"")
        let calls = machine.sandbox.directory.appendingPathComponent("systemctl-calls").path
        try machine.stub("systemctl", "echo \"$@\" >> \(calls)\n")
        // In ~/.bashrc: an interactive bash reads it before the person types the usage line.
        try TestFiles.create(machine.sandbox.directory.appendingPathComponent("home/.bashrc").path, Data(function.utf8))
        let bash = ["/bin/bash", "--norc", "-c", #"source "$HOME/.bashrc" && source "$0""#]

        let approved = try machine.start(bash, usage)
        let alice = try machine.client("alice")
        let pending = try alice.awaitPending("the gated command is pending")
        XCTAssertEqual(pending.requester.id, "dual")
        XCTAssertEqual(pending.kind, "shell.manual")
        XCTAssertEqual(pending.summary, "systemctl reload nginx")
        XCTAssertEqual(pending.justification, "nginx still serves the old certificate")
        XCTAssertEqual(pending.context.map(\.key), ["host", "cwd"])
        _ = try assertProtocolError(try machine.client("dual").decide(pending, .approve), .selfApproval)
        XCTAssertEqual(try alice.decide(pending, .approve).status, 200)
        XCTAssertEqual(try approved.wait(), 0, approved.stderr)
        XCTAssertEqual(try String(contentsOfFile: calls, encoding: .utf8), "reload nginx\n")

        let denied = try machine.start(bash, usage)
        XCTAssertEqual(try alice.decide(try alice.awaitPending("the second is pending"), .deny, reason: "wait for the cert").status, 200)
        XCTAssertEqual(try denied.wait(), 3)
        XCTAssertTrue(denied.stderr.contains("wait for the cert"), denied.stderr)
        XCTAssertEqual(try String(contentsOfFile: calls, encoding: .utf8), "reload nginx\n", "not run again")

        let misused = try machine.start(bash, "gate \"no command\"\n")
        XCTAssertEqual(try misused.wait(), 2)
        XCTAssertTrue(misused.stderr.hasPrefix("usage: gate REASON COMMAND"), misused.stderr)
    }
}
