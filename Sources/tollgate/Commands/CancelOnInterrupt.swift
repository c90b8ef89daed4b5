import ArgumentParser
import Foundation
import Synchronization
import TollgateClient
import TollgateCore

/// Waits for an action's resolution, cancelling it on the server when a stop signal (Ctrl-C,
/// SIGTERM, SIGHUP) arrives first: nobody is left to run what would be approved.
///
/// The long-poll runs on a thread of its own and rings the same bell the signals ring, so this
/// thread wakes for whichever comes first and the command ends by throwing, never by exiting.
struct CancelOnInterrupt {
    private let bell: StopBell
    private let client: APIClient
    private let actionID: String

    /// Routes the stop signals here. Call it on the main thread before the action id is printed
    /// (whoever reads it may signal at once) and before other threads start.
    init(client: APIClient, actionID: String) throws(CommandFailure) {
        guard let bell = StopBell() else { throw CommandFailure("waiting for \(actionID): cannot create a pipe: out of file descriptors") }
        StopSignals.install(wakeFD: bell.writeFD)
        self.bell = bell
        self.client = client
        self.actionID = actionID
    }

    /// The resolved action; when interrupted, cancels it and throws exit 4 (0 if it was approved
    /// already), or a `CommandFailure` when it cannot be cancelled.
    func wait(_ waiter: Waiter) throws -> Action {
        let outcome = Mutex<Result<Action, CommandFailure>?>(nil)
        let bell = self.bell
        Thread.detachNewThread {
            let result = Result { () throws(CommandFailure) in try waiter.wait() }
            outcome.withLock { $0 = result }
            bell.ring()
        }
        bell.wait()
        if StopSignals.requested == nil, let result = outcome.withLock({ $0 }) { return try result.get() }
        ProgressLine.clear()
        let cancelled: Action
        do { cancelled = try client.cancel(id: actionID) } catch {
            throw CommandFailure("interrupted; could not cancel \(actionID): \(error)")
        }
        Diagnostics.warn("\(actionID) \(cancelled.status.rawValue) (interrupted)")
        throw cancelled.status == .approved ? Exit.ok : Exit.expiredOrCancelled
    }
}
