import Glibc

/// Monotonic time in nanoseconds, the one clock every figure in a run is measured with.
///
/// Submitters and subscribers live in the same process, so their timestamps compare directly.
enum BenchClock {
    static func now() -> UInt64 { read(CLOCK_MONOTONIC) }

    /// Seconds since `start`.
    static func seconds(since start: UInt64) -> Double {
        Double(now() &- start) / 1e9
    }

    /// Sleeps until the monotonic clock reads `deadline` (returns at once when it has passed).
    static func sleep(until deadline: UInt64) {
        let current = now()
        guard deadline > current else { return }
        sleep(nanoseconds: deadline - current)
    }

    static func sleep(nanoseconds: UInt64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }

    /// CPU time this process has used, all threads, in nanoseconds.
    ///
    /// On this shared machine a wall-clock percentile also measures other people's builds
    /// preempting us; CPU time measures only the work done, so both are reported.
    static func processCPU() -> UInt64 { read(CLOCK_PROCESS_CPUTIME_ID) }

    /// CPU time the calling thread has used, in nanoseconds (for work done on this thread alone).
    static func threadCPU() -> UInt64 { read(CLOCK_THREAD_CPUTIME_ID) }

    private static func read(_ clock: clockid_t) -> UInt64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Milliseconds since the Unix epoch (wall clock): the console's ticks land on whole seconds of it.
    static func wallMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
