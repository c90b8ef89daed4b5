import ArgumentParser
import Foundation
import Synchronization
import TollgateClient
import TollgateCore

/// `tollgate watch`: the live feed as JSON lines, for `jq` pipelines and tests.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print the live feed as JSON lines: one action object per action event.",
        discussion:
            "Connection changes, resets and malformed events go to stderr. Reconnects by itself, resuming from the last event seen, so nothing is "
            + "lost or repeated across a server restart. SIGINT, SIGTERM and SIGHUP end it with status 0; the server refusing the token, or "
            + "its TLS certificate being refused, with status 2. A break-glass approval is also said "
            + "on stderr. --format text prints each action for people instead: the matched rule and what the requester asked on lines of "
            + "their own, who decided (policy:<id> for a rule's resolution at submission), and break-glass approvals marked."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, text }

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("json (one action object per line) or text (for people).", valueName: "format"))
    var format: Format = .json

    @Flag(help: "Exit after the first sync (the pending snapshot or replay is complete).")
    var once = false

    @OptionGroup var timing: FeedTimingOptions

    func run() throws {
        let endpoint = try connection.endpoint()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        guard let done = StopBell() else { throw CommandFailure("watch: cannot create a pipe: out of file descriptors") }
        // Before the feed thread starts, so it inherits the unblocked signal mask.
        StopSignals.install(wakeFD: done.writeFD)
        let refused = Atomic<Bool>(false)
        let once = self.once
        let format = self.format
        let connection = FeedConnection(endpoint: endpoint, lastEventID: nil, options: timing.feedOptions) { update in
            switch update {
            case .event(.action(let action, _)):
                switch format {
                case .json:
                    if let data = try? encoder.encode(action) {
                        FileHandle.standardOutput.write(data + Data("\n".utf8))
                    }
                    // The object says it in `break_glass`; a person watching the terminal must see it too.
                    for decision in action.decisions where decision.breakGlass {
                        Diagnostics.warn("watch: \(action.id): \(ActionText.decision(decision, in: action))")
                    }
                case .text:
                    FileHandle.standardOutput.write(Data((ActionText.block(action).joined(separator: "\n") + "\n\n").utf8))
                }
            case .event(.sync(let seq, let pending)):
                Diagnostics.warn("watch: live at seq \(seq), \(pending) pending")
                if once { done.ring() }
            case .event(.reset):
                Diagnostics.warn("watch: reset by the server; a fresh snapshot follows")
            case .event(.unknown):
                break
            case .malformed(let m):
                Diagnostics.warn("watch: \(Printable.line(m.description))")
            case .state(let state):
                Diagnostics.warn("watch: \(StateText.describe(state))")
                switch state {
                case .unauthorised, .certificateRefused:
                    refused.store(true, ordering: .relaxed)
                    done.ring()
                default: break
                }
            }
        }
        connection.start()
        done.wait()
        connection.stop()
        if refused.load(ordering: .relaxed) { throw Exit.error }
    }
}

/// Words for a connection state, shared by `watch` and the console's header.
enum StateText {
    static func describe(_ state: ConnectionState) -> String {
        switch state {
        case .connecting: "connecting"
        case .live: "live"
        case .reconnecting(let at, let attempt):
            "reconnecting in \(max(0, Int(Timestamp.now().seconds(until: at).rounded(.up)))) s (attempt \(attempt))"
        case .offline(let why): "offline: \(Printable.line(why))"
        case .unauthorised(let why): "unauthorised: \(Printable.line(why))"
        case .certificateRefused(let why): "the server's TLS certificate was refused: \(Printable.line(why))"
        case .stopped: "stopped"
        }
    }
}
