import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TollgateClient
import TollgateConsole
import TollgateCore
import TollgateServer

/// `tollgate demo`: everything at once, with nothing else running and nothing of the user's touched.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run an embedded server, simulated agents and the console, in a temporary folder.",
        discussion:
            "Agents submit realistic requests over loopback; approve or deny them and watch the agents react. Decisions go to a demo history file "
            + "in the temporary folder, never your real one. The server runs with a policy that shows each outcome: staging restarts approved "
            + "and production secret reads denied at submission, production IAM needing you (sre) and a simulated second approver (security), "
            + "data exports refused without a justification, and a catch-all. With --no-console, only the server and agents run, printing the "
            + "URL and an approver token for a second terminal."
    )

    @Flag(help: "Run only the server and agents; print the URL and an approver token.")
    var noConsole = false

    @Option(help: ArgumentHelp("Seconds between new simulated requests.", valueName: "seconds"))
    var interval: Double = 10

    @Option(help: ArgumentHelp("Console theme.", valueName: "name"))
    var theme: String?

    @Option(help: ArgumentHelp("Listen on this port of 127.0.0.1 (default: a free one).", valueName: "port"))
    var port: Int = 0

    func validate() throws {
        if interval < 0.5 { throw ValidationError("--interval: at least 0.5 seconds") }
        if !(0...65535).contains(port) { throw ValidationError("--port: expected 0 to 65535") }
    }

    func run() async throws {
        let folder = try DemoFolder()
        defer { folder.remove() }
        // Before the server's threads start, so they inherit the unblocked signal mask; the console
        // routes the signals to itself while it runs.
        guard let stop = StopBell() else { throw CommandFailure("demo: cannot create a pipe: out of file descriptors") }
        StopSignals.install(wakeFD: stop.writeFD)
        let level: Logger.Level = noConsole ? .warning : .critical  // the console owns the screen
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "tollgate.demo")

        // Tokens made on the fly: one per agent, you, and a simulated second approver, in the
        // groups the demo policy asks for.
        var tokens: [String: String] = [:]
        var entries: [TokenEntry] = []
        func add(_ id: String, _ roles: [Role], kind: RequesterKind = .agent) {
            let token = TokenFile.generateToken()
            tokens[id] = token
            entries.append(
                TokenEntry(
                    principal: Principal(id: id, roles: roles, groups: DemoPolicy.groups[id] ?? []), requesterKind: kind,
                    tokenSHA256: SHA256Hex.hex(Array(token.utf8))))
        }
        for agent in DemoScenarios.agents { add(agent, [.agent], kind: agent.contains("pipeline") ? .pipeline : .agent) }
        add("you@demo", [.approver], kind: .human)
        add("bob@demo", [.approver], kind: .human)

        var settings = ServerConfiguration(environment: ProcessInfo.processInfo.environment)
        settings.host = "127.0.0.1"
        settings.port = port
        settings.databasePath = folder.path + "/server.sqlite"
        settings.tokensPath = folder.path + "/tokens.toml"
        settings.ratePerSecond = 0
        do { settings.policy = try DemoPolicy.rules() } catch { throw CommandFailure("demo: the built-in policy does not read: \(error)") }
        let policyFile = folder.path + "/policy.toml"
        try OwnerOnlyFile.write(DemoPolicy.text, to: policyFile)
        let server = ApprovalServer(configuration: settings, registry: TokenRegistry(entries: entries), logger: logger)
        let parts = try await server.makeParts()
        let (addresses, addressSink) = AsyncStream<String>.makeStream()
        let app = server.makeApplication(parts.service) { addressSink.yield($0) }
        // No shutdown signals of its own: StopSignals is the one handler, and the demo stops the group.
        let group = ServiceGroup(configuration: .init(services: [.init(service: app), .init(service: parts.upkeep)], logger: logger))
        let serverTask = Task { () -> (any Error)? in
            // A server that cannot start (the port is taken) ends the address stream, so the demo says so instead of waiting;
            // one that stops later ends the wait for a stop signal.
            defer { addressSink.finish() }
            do { try await group.run() } catch {
                stop.ring()
                return error
            }
            return nil
        }
        var addressIterator = addresses.makeAsyncIterator()
        guard let url = await addressIterator.next() else {
            let why = await serverTask.value.map { ": \($0)" } ?? ""
            throw CommandFailure("demo: the embedded server did not start (is 127.0.0.1:\(port) free?)\(why)")
        }

        let approverTokenFile = folder.path + "/you.token"
        try OwnerOnlyFile.write((tokens["you@demo"] ?? "") + "\n", to: approverTokenFile)
        let agentLog = DemoLog(path: folder.path + "/agents.log", echo: noConsole)
        let agents = DemoAgents(
            serverURL: url, tokens: tokens, secondApproverToken: tokens["bob@demo"] ?? "",
            interval: interval, log: agentLog.write, report: agentLog.report)
        agents.start()

        if noConsole {
            print(
                """
                Tollgate demo server: \(url)
                Approver token (you@demo): \(tokens["you@demo"] ?? "")
                Token file: \(approverTokenFile)
                Policy: \(policyFile) (tollgate policy lint --config \(policyFile))
                In another terminal:  tollgate --server \(url) --token-file \(approverTokenFile) --db \(folder.path)/history.sqlite
                Ctrl-C stops the demo and deletes \(folder.path).
                """)
            fflush(nil)
            await StopWait.wait(for: stop)
        } else if StopSignals.requested == nil {
            let options = ConsoleOptions(
                servers: [ServerContext(name: "demo", endpoint: .init(baseURL: url, token: tokens["you@demo"] ?? ""))], offline: false,
                historyPath: folder.path + "/history.sqlite", themeName: theme, mouse: false, title: false,
                environment: ProcessInfo.processInfo.environment, notices: { sink in agentLog.forward(to: sink) })
            let status = await ConsoleThread.run(options)
            if status != 0 { Diagnostics.warn("console exited with status \(status)") }
            print("What the demo agents did:\n" + agentLog.contents())
        }
        agents.stop()
        await group.triggerGracefulShutdown()
        if let error = await serverTask.value { throw CommandFailure("demo: the embedded server stopped: \(error)") }
    }
}

/// A private temporary folder for one demo run, removed at the end.
struct DemoFolder {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/tollgate-demo.XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw ValidationError("cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The agents' lines: kept in a file for the end of the demo, echoed on stdout without a console.
final class DemoLog: Sendable {
    private let path: String
    private let echo: Bool
    /// Guards the file appends, and holds where lines are forwarded.
    private let lock = Mutex<(@Sendable (String) -> Void)?>(nil)

    init(path: String, echo: Bool) {
        self.path = path
        self.echo = echo
        if !FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) {
            Diagnostics.warn("demo: cannot keep the agents' log in \(path); their lines are not repeated at the end")
        }
    }

    /// Also shows each line there from now on (the console's toasts).
    func forward(to sink: @escaping @Sendable (String) -> Void) {
        lock.withLock { $0 = sink }
    }

    /// Records an outcome the user should see at once: also shown in the console.
    func report(_ line: String) { write(line, show: true) }

    /// Records a line in the log (and on stdout without a console).
    func write(_ line: String) { write(line, show: false) }

    private func write(_ line: String, show: Bool) {
        let text = "\(Timestamp.now().description.dropFirst(11).prefix(8))  \(line)\n"
        lock.withLock { sink in
            if show { sink?(line) }
            if let handle = FileHandle(forWritingAtPath: path) {
                handle.seekToEndOfFile()
                handle.write(Data(text.utf8))
                try? handle.close()
            }
            if echo { FileHandle.standardOutput.write(Data(text.utf8)) }
        }
    }

    func contents() -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}

/// Runs the console on a thread of its own: ncurses blocks, and must not hold a Swift concurrency thread.
enum ConsoleThread {
    static func run(_ options: ConsoleOptions) async -> Int32 {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: ConsoleApp.run(options)) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// Waits on a stop bell without holding a Swift concurrency thread: the read blocks.
enum StopWait {
    static func wait(for bell: StopBell) async {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                bell.wait()
                continuation.resume()
            }
        }
    }
}
