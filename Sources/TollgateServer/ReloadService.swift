import Logging
import ServiceLifecycle
import TollgateCore
import UnixSignals

/// Puts a changed tokens file or configuration file in force while the server runs: on SIGHUP,
/// and when `ConfigurationReloader.poll` finds a file changed (twice a second), without
/// dropping a connection.
///
/// New tokens refuse a removed token from the next request on (`GatewayMiddleware` reads
/// `live` per request), and the open feeds of tokens that may no longer read it are closed.
/// A file that fails to load is kept out with one log line saying why, and what it would have
/// replaced stays in force. Only the tokens and the policy are reloaded; a changed setting
/// that needs a restart is named in one log line.
struct ReloadService: Service {
    var reloader: ConfigurationReloader
    let live: LiveConfiguration
    let hub: FeedHub
    /// SIGHUP, trapped before the server starts listening so that an early one is not the
    /// default action (which ends the process).
    let hangups: UnixSignalsSequence
    let pollInterval: Duration
    let logger: Logger

    /// What wakes the loop.
    private enum Cause { case signal, poll }

    func run() async {
        let (causes, wake) = AsyncStream<Cause>.makeStream(bufferingPolicy: .bufferingNewest(8))
        await cancelWhenGracefulShutdown {
            var reloader = self.reloader
            // The start-up files may have changed since they were read: the first look puts the
            // current ones in force, quietly when they are valid.
            apply(reloader.reload(), cause: nil)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in hangups { wake.yield(.signal) }
                }
                group.addTask {
                    while !Task.isCancelledOrShuttingDown {
                        do { try await Task.sleep(for: pollInterval) } catch { return }
                        wake.yield(.poll)
                    }
                }
                // One reader of the reloader's state, so a poll and a signal never interleave.
                for await cause in causes {
                    switch cause {
                    case .signal: apply(reloader.reload(), cause: "SIGHUP")
                    case .poll: apply(reloader.poll(), cause: "a file changed")
                    }
                }
                group.cancelAll()
            }
        }
        wake.finish()
    }

    /// Puts what `outcome` read in force and logs it; `cause` nil is the quiet first look.
    private func apply(_ outcome: ConfigurationReloader.Outcome, cause: String?) {
        if let error = outcome.tokensError { logger.error("reload: \(error); the running tokens stay in force") }
        if let error = outcome.configError { logger.error("reload: \(error); the running policy stays in force") }
        guard outcome.registry != nil || outcome.policy != nil else { return }
        var snapshot = live.current
        if let registry = outcome.registry { snapshot.registry = registry }
        if let policy = outcome.policy { snapshot.policy = policy }
        live.replace(with: snapshot)
        // After the replace: a feed opened from here on is checked against the new tokens.
        let closed = hub.disconnect(tokensOutside: FeedAccess.tokens(in: snapshot.registry))
        let summary =
            "reloaded (\(cause ?? "start-up")): \(Self.count(snapshot.registry.entries.count, "principal")), "
            + "\(Self.count(snapshot.policy.rules.count, "policy rule"))"
            + (closed > 0 ? "; closed \(Self.count(closed, "feed")) of revoked tokens" : "")
        if cause == nil && closed == 0 { logger.debug("\(summary)") } else { logger.info("\(summary)") }
        if !outcome.restartNeeded.isEmpty {
            logger.warning("reload: changed settings that take effect only on a restart: \(outcome.restartNeeded.joined(separator: ", "))")
        }
    }

    /// `1 principal`, `2 principals`.
    private static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
