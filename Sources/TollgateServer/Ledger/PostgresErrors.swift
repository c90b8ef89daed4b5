import Foundation
import PostgresNIO
import Synchronization
import TollgateCore

/// How the PostgreSQL ledger's failures reach clients: a database that cannot be reached, is
/// restarting or too busy is 503 `unavailable` (retry later), never 500; the text says why
/// without quoting a password or the query.
enum PostgresErrors {
    /// Runs `operation`, answering `unavailable` after `timeout` seconds (the operation goes on
    /// in the background and its result is dropped: the pool may be waiting for a database
    /// that is down, and a commit already sent may still land, which a retry with the same
    /// Idempotency-Key then finds) and mapping what it throws.
    static func guarded<T: Sendable>(timeout: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let result = await firstOf(timeout: timeout, operation)
        switch result {
        case .success(let value): return value
        case .failure(let error): throw map(error)
        }
    }

    /// The first of `operation`'s result and a timer, without waiting for the loser.
    private static func firstOf<T: Sendable>(timeout: Double, _ operation: @escaping @Sendable () async throws -> T) async -> Result<T, any Error> {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>, Never>) in
            let once = ResumeOnce(continuation)
            let timer = Task {
                try? await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                if !Task.isCancelled { once.resume(.failure(timedOut(timeout))) }
            }
            Task {
                do { once.resume(.success(try await operation())) } catch { once.resume(.failure(error)) }
                // The timer goes as soon as the work is done, so none outlives its operation.
                timer.cancel()
            }
        }
    }

    /// What a client is told when the database did not answer within `timeout` seconds.
    static func timedOut(_ timeout: Double) -> ProtocolError {
        ProtocolError(.unavailable, "the database did not answer within \(Int(timeout)) s")
    }

    /// A continuation two racers share: the first to resume it wins, the other is ignored.
    private final class ResumeOnce<T: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<T, Never>?>

        init(_ continuation: CheckedContinuation<T, Never>) { self.continuation = Mutex(continuation) }

        /// Resumes with `value` unless someone did already; true when this call did.
        @discardableResult
        func resume(_ value: T) -> Bool {
            guard
                let continuation = self.continuation.withLock({ c in
                    defer { c = nil }; return c
                })
            else { return false }
            continuation.resume(returning: value)
            return true
        }
    }

    /// `error` as the protocol error a client gets.
    static func map(_ error: any Error) -> any Error {
        if error is ProtocolError { return error }
        if let transaction = error as? PostgresTransactionError {
            // The rule's own refusal (self-approval, a conflict…) comes back wrapped; the
            // transaction's failure is the first of BEGIN, the body and COMMIT that failed.
            if let inner = transaction.beginError ?? transaction.closureError ?? transaction.commitError { return map(inner) }
        }
        if let sqlState = (error as? PSQLError)?.serverInfo?[.sqlState] {
            // Class 08: connection exception; 53: insufficient resources; 57P0x: the server is
            // shutting down or starting; 40001/40P01: a conflict worth retrying.
            if sqlState.hasPrefix("08") || sqlState.hasPrefix("53") || sqlState.hasPrefix("57P") || sqlState == "40001" || sqlState == "40P01" {
                return ProtocolError(.unavailable, "the database is unavailable: \(describe(error))")
            }
            return ProtocolError(.internalError, "the database refused a statement: \(describe(error))")
        }
        // Anything else is the connection: refused, closed under us, the pool's circuit breaker.
        return ProtocolError(.unavailable, "the database is unavailable: \(describe(error))")
    }

    /// One line about `error`: PostgreSQL's own SQLSTATE and message when it sent one, else
    /// what went wrong with the connection.
    static func describe(_ error: any Error) -> String {
        if let error = error as? ProtocolError { return error.message }
        if let transaction = error as? PostgresTransactionError,
            let inner = transaction.beginError ?? transaction.closureError ?? transaction.commitError
        {
            return describe(inner)
        }
        if let tls = error as? NIOSSLError, case .handshakeFailed = tls {
            // BoringSSL's own text carries source paths; say what it means for sslmode instead.
            let refused = "\(tls)".contains("CERTIFICATE_VERIFY_FAILED")
            return refused
                ? "TLS handshake failed: the server's certificate was not accepted (see sslmode and sslrootcert)"
                : "TLS handshake failed"
        }
        guard let psql = error as? PSQLError else { return "\(error)" }
        if let info = psql.serverInfo {
            return [info[.sqlState], info[.message]].compactMap { $0 }.joined(separator: " ")
        }
        if let underlying = psql.underlying { return "\(psql.code): \(describe(underlying))" }
        return "\(psql.code)"
    }
}
