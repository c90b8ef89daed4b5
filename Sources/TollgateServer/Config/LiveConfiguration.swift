import Synchronization
import TollgateCore

/// The parts of the server's configuration a reload replaces while it runs: the tokens and
/// the policy.
///
/// A request takes one snapshot and is served under it whole, so a reload in the middle of a
/// request never mixes an old token list with a new policy. Pending actions keep the rule they
/// were submitted under (it is stored with them), so a reload changes only what comes next.
public final class LiveConfiguration: Sendable {
    /// One consistent pair of tokens and policy.
    public struct Snapshot: Sendable {
        public var registry: TokenRegistry
        public var policy: PolicySet

        public init(registry: TokenRegistry, policy: PolicySet) {
            self.registry = registry
            self.policy = policy
        }
    }

    private let state: Mutex<Snapshot>

    public init(_ snapshot: Snapshot) {
        state = Mutex(snapshot)
    }

    /// The tokens and policy in force now.
    public var current: Snapshot { state.withLock { $0 } }

    /// Puts `snapshot` in force for every request that starts from now on.
    public func replace(with snapshot: Snapshot) {
        state.withLock { $0 = snapshot }
    }
}
