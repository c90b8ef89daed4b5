import Foundation
import Glibc
import Synchronization
import XCTest

/// Agents running `tollgate request --wait`, one request after another, and an approver running
/// `tollgate approve` on every action an agent was given an id for, each on a thread of its
/// own, until stopped: the load a deployment test breaks something under, carried through
/// the fault by nothing but the commands' own retries.
///
/// Every run is kept (its id, exit status and standard error), so a test can check what each
/// command was told and how it ended.
final class CommandLineCrew: Sendable {
    /// One `tollgate request --wait` run.
    struct Request: Sendable {
        var agent: String
        /// The id it printed: the server acknowledged the submission (201). Nil when it printed none.
        var id: String?
        /// Its exit status; nil while it runs.
        var status: Int32?
        var stderr = ""
    }

    /// One `tollgate approve` run.
    struct Approval: Sendable {
        var id: String
        var status: Int32
        var stderr: String

        /// The decision got no answer (a proxy's 502 for a POST its replica died on): approve
        /// kept it in its outbox (status 2), for the next approve to send first.
        var keptInOutbox: Bool { status == 2 && stderr.contains("stays in the outbox") }
        /// It sent an earlier approval of this action from the outbox, which the server
        /// recorded (the action is then found decided: status 1).
        var sentFromOutbox: Bool { stderr.contains("earlier approve of \(id): approved") }
    }

    private struct State {
        var requests: [Request] = []
        var approvals: [Approval] = []
        /// Ids acknowledged and not yet given to the approver.
        var queue: [String] = []
        var agentsRunning = 0
        /// The commands running now, killed if the test ends without stopping the crew.
        var children: Set<Int32> = []
        /// The process of each request waiting for its decision, by action id.
        var waiting: [String: Int32] = [:]
        /// The action the approver's `approve` runs for now, and since when.
        var approving: (id: String, since: ContinuousClock.Instant)?
        var stopping = false
    }

    private let state = Mutex(State())
    private let threads = DispatchGroup()
    private let directory: URL

    /// A crew whose commands run in `directory`; `test`'s teardown stops it and kills the
    /// commands still running, should the test end without `finish()`.
    init(_ test: XCTestCase, directory: URL) {
        self.directory = directory
        test.addTeardownBlock { [self] in
            let children = state.withLock { s in
                s.stopping = true
                return s.children
            }
            for pid in children { Glibc.kill(pid, SIGKILL) }
        }
    }

    /// Every request so far, in the order they were started.
    var requests: [Request] { state.withLock { $0.requests } }
    /// Every approval so far, in the order they ended.
    var approvals: [Approval] { state.withLock { $0.approvals } }

    /// What the crew is doing, for a test's failure message: the requests still running, the
    /// approve running now, and every approve that did not end with 0.
    var report: String {
        state.withLock { s in
            let running = s.requests.filter { $0.status == nil }.map { "\($0.agent) \($0.id ?? "(no id yet)")" }
            let approving = s.approving.map { "approve \($0.id) running for \(ContinuousClock.now - $0.since)" } ?? "no approve running"
            let failed = s.approvals.filter { $0.status != 0 }.map { "approve \($0.id) ended \($0.status): \($0.stderr)" }
            return "requests running: \(running); queued for approval: \(s.queue); \(approving); approves not ending 0: \(failed)"
        }
    }

    /// How many requests have ended among those started after the first `mark` (a count of
    /// `requests` taken earlier).
    func ended(since mark: Int) -> Int { state.withLock { s in s.requests.dropFirst(mark).filter { $0.status != nil }.count } }

    /// Starts an agent: `tollgate request --wait` with `options` (connection and token), again
    /// and again until the crew stops.
    func addAgent(_ name: String, options: [String]) {
        state.withLock { $0.agentsRunning += 1 }
        threads.enter()
        Thread.detachNewThread { [self] in
            defer {
                state.withLock { $0.agentsRunning -= 1 }
                threads.leave()
            }
            var n = 0
            while !state.withLock({ $0.stopping }) {
                n += 1
                let arguments = ["request", "--kind", "deploy.proxy", "--summary", "\(name) request \(n)", "--risk", "low", "--wait"] + options
                guard runRequest(agent: name, arguments) else { return }
            }
        }
    }

    /// Starts the approver: `tollgate approve ID` with `options` for every id the agents print,
    /// until the crew stops and the agents have ended. A decision kept in the outbox is followed
    /// at once by another approve of the action, which sends it first.
    func addApprover(options: [String]) {
        threads.enter()
        Thread.detachNewThread { [self] in
            defer { threads.leave() }
            while true {
                let (id, done) = state.withLock { s -> (String?, Bool) in
                    if !s.queue.isEmpty { return (s.queue.removeFirst(), false) }
                    return (nil, s.agentsRunning == 0)
                }
                if done { return }
                guard let id else {
                    usleep(20_000)
                    continue
                }
                state.withLock { $0.approving = (id, .now) }
                let approval: Approval
                do {
                    let run = try TollgateBinary.run(["approve", id] + options, in: directory, timeout: 120)
                    approval = Approval(id: id, status: run.status, stderr: run.stderr)
                } catch {
                    approval = Approval(id: id, status: -1, stderr: "\(error)")
                }
                // An action left undecided would keep its agent waiting for good: the agent is
                // stopped (its request cancelled), so the crew ends and the test says why.
                let agent = state.withLock { s -> Int32? in
                    s.approvals.append(approval)
                    s.approving = nil
                    if approval.keptInOutbox { s.queue.insert(id, at: 0) }
                    return approval.status == 0 || approval.keptInOutbox || approval.sentFromOutbox ? nil : s.waiting[id]
                }
                if let agent { Glibc.kill(agent, SIGTERM) }
            }
        }
    }

    /// Runs one `tollgate request --wait`, recording its id as soon as it is printed (for the
    /// approver) and its end; false when the run could not be made at all.
    private func runRequest(agent: String, _ arguments: [String]) -> Bool {
        let index = state.withLock { s in
            s.requests.append(Request(agent: agent))
            return s.requests.count - 1
        }
        let process: Spawned
        do {
            process = try Spawned(arguments, in: directory)
        } catch {
            state.withLock {
                $0.requests[index].status = -1; $0.requests[index].stderr = "\(error)"
            }
            return false
        }
        let pid = process.process.processIdentifier
        state.withLock { _ = $0.children.insert(pid) }
        // The id line comes once the server acknowledged the submission, long before the exit.
        while process.process.isRunning, !process.stdout.contains("\n") { usleep(10_000) }
        let id = process.stdout.split(separator: "\n").first.map { String($0) }
        if let id {
            state.withLock { s in
                s.requests[index].id = id
                s.waiting[id] = pid
                s.queue.append(id)
            }
        }
        let status = (try? process.wait(timeout: 300)) ?? -1
        state.withLock { s in
            s.requests[index].status = status
            s.requests[index].stderr = process.stderr
            s.children.remove(pid)
            if let id { s.waiting[id] = nil }
        }
        return true
    }

    /// Lets the agents finish the requests they are waiting on (the approver approves them),
    /// starts no more, and returns once every thread has ended; throws when that takes longer
    /// than `timeout` seconds.
    func finish(timeout: Double = 300) throws {
        state.withLock { $0.stopping = true }
        guard threads.wait(timeout: .now() + timeout) == .success else {
            throw HTTPClientError("the crew's commands still run \(timeout) s after it was stopped: \(requests.filter { $0.status == nil })")
        }
    }
}
