import Foundation
import Synchronization

/// Samples the 1-minute load average while the benchmarks run: this machine is shared, and a
/// figure means little without the load it was measured under.
final class LoadSampler: Sendable {
    private let samples = Mutex<[Double]>([])
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    func start() {
        let thread = Thread { [self] in
            while !stopping.load(ordering: .acquiring) {
                if let value = Self.oneMinute() { samples.withLock { $0.append(value) } }
                for _ in 0..<50 where !stopping.load(ordering: .acquiring) { BenchClock.sleep(nanoseconds: 100_000_000) }
            }
            finished.signal()
        }
        thread.start()
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        finished.wait()
    }

    /// `1-min load: start 3.1, mean 4.0, max 6.2, end 3.9`.
    var summary: String {
        let values = samples.withLock { $0 }
        guard let first = values.first, let last = values.last, let top = values.max() else { return "n/a" }
        let mean = values.reduce(0, +) / Double(values.count)
        return "1-min load average: start \(Format.fixed(first, 2)), mean \(Format.fixed(mean, 2)), max \(Format.fixed(top, 2)), end \(Format.fixed(last, 2))"
    }

    private static func oneMinute() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }
}
