import ArgumentParser

/// The exit codes of every command, as the man page documents them.
enum Exit {
    /// Success; for `request --wait`, the action was approved.
    static let ok = ExitCode(0)
    /// A check failed: `audit verify` found a broken chain, `themes` found a bad theme.
    static let checkFailed = ExitCode(1)
    /// `serve`: the PostgreSQL database cannot be used at start (unreachable, refused the
    /// login, or its schema is newer than this binary).
    static let databaseUnavailable = ExitCode(1)
    /// Usage, authentication, configuration or connection error.
    static let error = ExitCode(2)
    /// `request --wait`: the action was denied.
    static let denied = ExitCode(3)
    /// `request --wait`: the action expired or was cancelled.
    static let expiredOrCancelled = ExitCode(4)
}
