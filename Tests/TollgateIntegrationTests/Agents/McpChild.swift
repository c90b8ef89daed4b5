import Foundation
import Glibc
import MCP
import Synchronization
import SystemPackage

/// `tollgate mcp` running as a child with its standard input and output on pipes, and an MCP
/// client of the Swift SDK connected to them, as an agent's host would run it.
final class McpChild {
    let process = Process()
    let client = MCP.Client(name: "tollgate-tests", version: "1")
    let stderrPath: String
    private let toChild = Pipe()
    private let fromChild = Pipe()
    /// Progress notifications received, in order.
    let progress = Received<ProgressNotification.Parameters>()

    init(_ sandbox: Sandbox, _ server: ServerProcess, options: [String] = [], connection: [String]? = nil) throws {
        stderrPath = sandbox.directory.appendingPathComponent("mcp-\(UUID().uuidString).err").path
        try TestFiles.create(stderrPath)
        process.executableURL = try TollgateBinary.url()
        process.arguments = try ["mcp"] + (connection ?? sandbox.connection(server, as: "agent-1")) + options
        process.standardInput = toChild
        process.standardOutput = fromChild
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
        // The SDK's transport may still be polling a descriptor after a test ends; were the pipes
        // closed, the next test's pipes could reuse their numbers and lose bytes to it.
        Self.keptOpen.withLock { $0 += [toChild, fromChild] }
    }

    private static let keptOpen = Mutex<[Pipe]>([])

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Connects the client (initialize and initialized) and returns the server's answer.
    func connect() async throws -> Initialize.Result {
        let transport = StdioTransport(
            input: FileDescriptor(rawValue: fromChild.fileHandleForReading.fileDescriptor),
            output: FileDescriptor(rawValue: toChild.fileHandleForWriting.fileDescriptor))
        let progress = self.progress
        await client.onNotification(ProgressNotification.self) { message in progress.append(message.params) }
        return try await client.connect(transport: transport)
    }

    /// Starts a `tools/call`; await `.value` for its result, or cancel it by `requestID`.
    func start(_ tool: String, _ arguments: [String: Value], progressToken: ProgressToken? = nil) async throws -> RequestContext<CallTool.Result> {
        try await client.send(CallTool.request(.init(name: tool, arguments: arguments, meta: progressToken.map { Metadata(progressToken: $0) })))
    }

    /// One `tools/call` to its end.
    func call(_ tool: String, _ arguments: [String: Value]) async throws -> CallTool.Result {
        try await start(tool, arguments).value
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Disconnects the client and closes the child's standard input, which ends the server;
    /// returns its exit status.
    func close() async throws -> Int32 {
        await client.disconnect()
        try toChild.fileHandleForWriting.close()
        guard ChildProcess.waitForExit(process, timeout: 30) else { throw HTTPClientError("tollgate mcp did not end after stdin closed") }
        return process.terminationStatus
    }
}

/// Values appended from one task and read from another.
final class Received<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []

    func append(_ item: T) { lock.withLock { items.append(item) } }
    var all: [T] { lock.withLock { items } }
}

extension CallTool.Result {
    /// The one text block.
    var text: String {
        guard content.count == 1, case .text(let text, _, _) = content[0] else { return "not one text block: \(content)" }
        return text
    }

    /// The text block read as a JSON object.
    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw HTTPClientError("not a JSON object: \(text)")
        }
        return object
    }
}

/// Polls `condition` every 20 ms without blocking a thread until it holds; throws after `timeout` seconds.
func eventuallyAsync(timeout: Double = 20, _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw HTTPClientError("\(what): still not true after \(timeout) s") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
