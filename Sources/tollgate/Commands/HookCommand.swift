import ArgumentParser
import Foundation
import TollgateClient
import TollgateCore

/// `tollgate hook`: the commands agents call as hooks before they act.
struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Hooks that agents run before a tool use, to ask for approval.",
        subcommands: [ClaudeCodeHookCommand.self]
    )
}

/// `tollgate hook claude-code`: a Claude Code `PreToolUse` hook that asks Tollgate and answers allow, deny or ask.
///
/// Whatever happens, standard output carries exactly one hook answer and the exit status is 0,
/// so Claude Code always reads a decision; anything else goes to standard error.
struct ClaudeCodeHookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claude-code",
        abstract: "Claude Code PreToolUse hook: submit the tool use, wait, print the permission decision.",
        discussion: """
            Reads the hook's JSON on stdin and prints one {"hookSpecificOutput":…} object on stdout, exit 0, in \
            every case: allow when approved, deny when denied or cancelled (with who decided and why), the \
            --on-timeout answer when no one decided within --wait (the request is then cancelled), the \
            --on-error answer when the server cannot be asked, deny for input that is not a PreToolUse event. \
            The transcript is never read. Bash, Edit, MultiEdit and Write become kinds claude-code.bash, \
            claude-code.edit…; an edit carries the diff of the file on disk against what the tool would write.
            """
    )

    /// What to answer when no decision came.
    enum Fallback: String, ExpressibleByArgument, CaseIterable {
        case deny, ask
        var permission: ClaudeCodeHook.Permission { self == .deny ? .deny : .ask }
    }

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Seconds to wait for a decision; keep it below the hook's timeout.", valueName: "seconds"))
    var wait: Int = 55
    @Option(help: ArgumentHelp("The answer when no one decides within --wait: deny or ask.", valueName: "answer"))
    var onTimeout: Fallback = .deny
    @Option(help: ArgumentHelp("The answer when the server cannot be asked (down, bad token): deny or ask.", valueName: "answer"))
    var onError: Fallback = .deny

    func validate() throws {
        guard (0...3_600).contains(wait) else { throw ValidationError("--wait must be between 0 and 3600 seconds") }
    }

    func run() throws {
        let started = ContinuousClock.now
        let (permission, reason) = answer(deadline: started + .seconds(wait))
        FileHandle.standardOutput.write(Data(ClaudeCodeHook.output(permission, reason: reason).utf8))
    }

    /// The decision and its reason; never throws, so every path prints an answer.
    private func answer(deadline: ContinuousClock.Instant) -> (ClaudeCodeHook.Permission, String) {
        let event: ClaudeCodeHook.Event
        do { event = try ClaudeCodeHook.parse(readInput()) } catch {
            return (.deny, "Tollgate: not a tool use to ask about: \(error.message)")
        }
        let request = ClaudeCodeHook.request(for: event, onDisk: event.filePath.map { .read($0, cwd: event.cwd) } ?? .absent)
        let endpoint: ServerEndpoint
        do { endpoint = try connection.endpoint() } catch let failure as CommandFailure {
            return failed("no server to ask: \(failure.message)")
        } catch {
            return failed("no server to ask: \(error)")
        }
        let ask = AgentRound(endpoint: endpoint, deadline: deadline)
        let action: Action
        do { action = try ask.submit(request, key: ClaudeCodeHook.idempotencyKey(for: event) ?? UUID().uuidString) } catch {
            return failed("submitting the request: \(error)")
        }
        let final: Action
        do { final = try ask.waitForDecision(action) } catch {
            return failed("waiting for \(action.id): \(error)")
        }
        switch final.status {
        case .approved: return (.allow, ClaudeCodeHook.account(of: final))
        case .denied, .cancelled: return (.deny, ClaudeCodeHook.account(of: final))
        case .expired: return (onTimeout.permission, "Tollgate \(final.id) expired with no decision")
        case .pending:
            // A request left pending could be approved after the tool call was already refused: withdraw it.
            let cancelled = ask.cancel(final)
            if let resolved = cancelled, resolved.status == .approved || resolved.status == .denied {
                return (resolved.status == .approved ? .allow : .deny, ClaudeCodeHook.account(of: resolved))
            }
            let note = cancelled == nil ? "could not cancel it" : "cancelled it"
            return (onTimeout.permission, "Tollgate \(final.id): no decision within \(wait) s; \(note)")
        }
    }

    private func failed(_ what: String) -> (ClaudeCodeHook.Permission, String) {
        Diagnostics.warn("hook claude-code: \(what)")
        return (onError.permission, "Tollgate could not be asked: \(what)")
    }

    /// Standard input up to one byte past the limit, so an oversized input is refused, not cut.
    private func readInput() -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count <= ClaudeCodeHook.maxInputBytes {
            guard let chunk = try? FileHandle.standardInput.read(upToCount: 1 << 16), !chunk.isEmpty else { break }
            bytes += chunk
        }
        return bytes
    }
}
