import Synchronization
import TollgateStore

/// The local cache's two stores, shared by every server's `ActionCache` and by history reads:
/// the disk cache, and an in-memory cache that takes over for good when the disk one fails.
///
/// One pair for the whole console, because the disk is one file: when a write for one server
/// fails there (disk full, read-only), every server and the history view switch to the same
/// memory cache, so what any of them wrote since is found by all. Every failure goes to
/// `report`, in words for the user.
public final class CacheStores: Sendable {
    let disk: HistoryStore?
    let memory: HistoryStore?
    /// Why the memory cache could not be opened: said when it would have been needed.
    private let memoryProblem: String?
    private let report: @Sendable (String) -> Void
    private let diskFailed = Mutex(false)

    /// Opens the disk cache at `path` and a memory cache beside it; a disk cache that cannot be
    /// opened is reported at once and memory is used from the start.
    public init(path: String, report: @escaping @Sendable (String) -> Void) {
        self.report = report
        var memoryProblem: String?
        do { memory = try HistoryStore.inMemory() } catch {
            memory = nil
            memoryProblem = "\(error)"
        }
        self.memoryProblem = memoryProblem
        do { disk = try HistoryStore(path: path) } catch {
            disk = nil
            failed("\(error)")
        }
    }

    /// The store to write to and read history from: the disk cache while it works, memory after.
    public var store: HistoryStore? { isDiskFailed ? memory : disk }

    var isDiskFailed: Bool { diskFailed.withLock { $0 } }

    /// Reports a failure of the cache in use, in words; a failure of the disk cache switches to memory.
    public func failed(_ why: String) {
        diskFailed.withLock { $0 = true }
        report(memory == nil ? "\(why); no memory cache either: \(memoryProblem ?? "")" : why)
    }
}
