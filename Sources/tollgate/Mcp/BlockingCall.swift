import Foundation
import Synchronization
import TollgateClient

/// Runs blocking client work (libcurl calls, pauses) on a thread of its own, for async code
/// that must stop waiting the moment its task is cancelled.
///
/// On cancellation the caller gets `CancellationError` at once; the work sees its
/// `AbortSignal` raised and ends within about a second (the transfer in flight included), and
/// whatever it then returns is dropped.
enum BlockingCall {
    static func run<T: Sendable>(_ work: @escaping @Sendable (AbortSignal) -> T) async throws -> T {
        let abort = AbortSignal()
        let outcome = Outcome<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                outcome.arm(continuation)
                Thread.detachNewThread { outcome.finish(.success(work(abort))) }
            }
        } onCancel: {
            abort.raise()
            outcome.finish(.failure(CancellationError()))
        }
    }

    /// Resumes the continuation exactly once with whichever comes first, the work's result or
    /// the cancellation, even when the cancellation comes before the continuation exists.
    private final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, Error>?
            var early: Result<T, Error>?
            var resumed = false
        }
        private let state = Mutex(State())

        func arm(_ continuation: CheckedContinuation<T, Error>) {
            let early = state.withLock { s -> Result<T, Error>? in
                guard let early = s.early else {
                    s.continuation = continuation
                    return nil
                }
                s.resumed = true
                return early
            }
            if let early { continuation.resume(with: early) }
        }

        func finish(_ result: Result<T, Error>) {
            let continuation = state.withLock { s -> CheckedContinuation<T, Error>? in
                guard !s.resumed else { return nil }
                guard let continuation = s.continuation else {
                    if s.early == nil { s.early = result }
                    return nil
                }
                s.resumed = true
                s.continuation = nil
                return continuation
            }
            continuation?.resume(with: result)
        }
    }
}
