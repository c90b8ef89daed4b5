import ArgumentParser

/// A command that cannot go on: the one line said on stderr and the exit code the man page gives it.
///
/// Helpers throw it instead of exiting, so every command ends through `Tollgate.main`, which
/// prints the message and exits in one place; `defer`s and cleanups on the way still run.
struct CommandFailure: Error {
    /// What went wrong and where, without the `tollgate: ` prefix.
    let message: String
    /// Usage, authentication, configuration and connection errors by default.
    let code: ExitCode

    init(_ message: String, code: ExitCode = Exit.error) {
        self.message = message
        self.code = code
    }
}
