import Foundation
import Synchronization

/// A value shared between threads under a lock; a class, so escaping closures can hold it.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

/// A counter threads take numbers from.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    /// The next number, from 0.
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

/// Runs `body(index)` on `count` dedicated threads and waits for all of them; returns their
/// results in index order.
///
/// Load generators block on sockets, so they get real threads rather than the cooperative
/// pool (which has only two threads here and must not block).
func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
    let results = Shared<[Int: T]>([:])
    let done = DispatchSemaphore(value: 0)
    for index in 0..<count {
        let thread = Thread {
            let value = body(index)
            results.withLock { $0[index] = value }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    for _ in 0..<count { done.wait() }
    return results.withLock { r in (0..<count).compactMap { r[$0] } }
}
