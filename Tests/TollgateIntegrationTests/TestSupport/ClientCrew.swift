import Foundation
import Synchronization
import TollgateCore
import XCTest

/// Agents submitting and approvers deciding what was acknowledged, each on a thread of its own,
/// until stopped: the load a fault test breaks something under.
///
/// Each client talks to one server at a time and moves to the next of its list when a request
/// gets no answer (refused, cut off), as a load balancer would send it elsewhere. A write that
/// got no answer or a 503 is sent again with the same Idempotency-Key, so one that a dying
/// server committed without answering is found again, not made twice. Every answer is kept,
/// so a test can check what the clients were told.
final class ClientCrew: Sendable {
    /// One answer a client got, or the lack of one.
    struct Answer: Sendable {
        enum Write: Sendable { case submission, decision }

        var client: String
        var write: Write
        var port: Int
        /// The HTTP status; nil when the request got no answer (refused, cut off, timed out).
        var status: Int?
        /// A refusal's protocol error code (`unavailable`…); nil for a success or no answer.
        var error: String?
        var retryAfter: String?
        /// Why there was no answer, or the start of a refusal's body.
        var detail: String

        /// The write was done: 201 for a submission, 200 for a decision.
        var isAcknowledged: Bool { status == (write == .submission ? 201 : 200) }

        /// For failure messages: who, where, and what came back.
        var summary: String { "\(client) on \(port): \(status.map(String.init) ?? "no answer") \(error ?? "") \(detail)" }
    }

    let writes = AcknowledgedWrites()
    private let log = Mutex<[Answer]>([])
    private let stopping = Atomic<Bool>(false)
    private let workers = DispatchGroup()

    /// A crew whose clients `test`'s teardown stops, should the test end without stopping them.
    init(_ test: XCTestCase) {
        test.addTeardownBlock { [weak self] in self?.stopping.store(true, ordering: .relaxed) }
    }

    /// Every answer so far, oldest first.
    var answers: [Answer] { log.withLock { $0 } }

    /// The answers after the first `mark` (a count of `answers` taken earlier).
    func answers(since mark: Int) -> [Answer] { log.withLock { Array($0.dropFirst(mark)) } }

    /// How many `write`s the server on `port` acknowledged after the first `mark` answers.
    func acknowledged(_ write: Answer.Write, on port: Int, since mark: Int = 0) -> Int {
        answers(since: mark).count { $0.write == write && $0.port == port && $0.isAcknowledged }
    }

    /// Starts an agent submitting as `name`, one submission after another, to `servers` (ports) in turn.
    func addAgent(_ name: String, token: String, servers: [Int]) {
        start { [self] in
            var route = Route(servers: servers)
            var i = 0
            while !stopped {
                i += 1
                let body = Fixtures.json(Fixtures.request(summary: "\(name) submission \(i)"))
                let answer = send(name, .submission, token: token, &route, "/v1/actions", body: body, key: "\(name)-\(i)", success: 201)
                if let action = try? answer?.action() { writes.submitted(action) }
            }
        }
    }

    /// Starts an approver approving as `name` the acknowledged submissions nobody took yet.
    func addApprover(_ name: String, token: String, servers: [Int]) {
        start { [self] in
            var route = Route(servers: servers)
            while !stopped {
                guard let action = writes.nextToDecide() else {
                    usleep(5_000)
                    continue
                }
                let body = Fixtures.json(DecisionRequest(verdict: .approve, reason: "ok", digest: action.digest))
                let path = "/v1/actions/\(action.id)/decisions"
                if send(name, .decision, token: token, &route, path, body: body, key: "\(name)-\(action.id)", success: 200) != nil {
                    writes.decided(action.id, by: name)
                }
            }
        }
    }

    /// Stops every client after its current request; false when one is still busy after `timeout` s.
    func stop(timeout: Double) -> Bool {
        stopping.store(true, ordering: .relaxed)
        return workers.wait(timeout: .now() + .milliseconds(Int(timeout * 1000))) == .success
    }

    private var stopped: Bool { stopping.load(ordering: .relaxed) }

    private func start(_ body: @escaping @Sendable () -> Void) {
        workers.enter()
        Thread { [workers] in
            defer { workers.leave() }
            body()
        }.start()
    }

    /// POSTs `body` until the answer is `success` (returned), a refusal other than 503 (nil), or
    /// the crew stops (nil). No answer moves on to the next server; a 503 tries the same one again.
    private func send(
        _ client: String, _ write: Answer.Write, token: String, _ route: inout Route, _ path: String, body: [UInt8], key: String, success: Int
    ) -> HTTPResponse? {
        while !stopped {
            let port = route.port
            do {
                let response = try APIClient(port: port, token: token).send("POST", path, body: body, headers: [("Idempotency-Key", key)])
                let refusal = response.status == success ? nil : try? response.protocolError()
                record(
                    Answer(
                        client: client, write: write, port: port, status: response.status, error: refusal?.code.rawValue,
                        retryAfter: response.header("retry-after"), detail: refusal == nil ? "" : String(response.text.prefix(300))))
                if response.status == success { return response }
                if response.status != 503 { return nil }
            } catch {
                record(Answer(client: client, write: write, port: port, status: nil, error: nil, retryAfter: nil, detail: "\(error)"))
                route.next()
            }
            // Not a test of time: a pause so clients that are refused do not spin.
            usleep(20_000)
        }
        return nil
    }

    private func record(_ answer: Answer) { log.withLock { $0.append(answer) } }

    /// The servers a client uses, the current one first.
    private struct Route {
        let servers: [Int]
        private var index = 0

        init(servers: [Int]) { self.servers = servers }

        var port: Int { servers[index % servers.count] }
        mutating func next() { index += 1 }
    }
}
