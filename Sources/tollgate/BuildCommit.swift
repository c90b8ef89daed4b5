import Foundation

/// The commit this binary was built from, as `make release` links it in.
///
/// The Makefile links a one-symbol object, `tollgate_build_commit`, into the release binary
/// (packaging/build-commit.sh); a plain `swift build`, or a build from a tarball without git,
/// leaves it out and the binary says "unknown". Looking the symbol up at run time, rather than
/// compiling the commit into a source file, keeps every module's compile flags the same from
/// one commit to the next, so a new commit costs a relink, not a rebuild.
enum BuildCommit {
    /// The commit id (12 hex digits, `-dirty` when the tree had uncommitted changes), or "unknown".
    static let id: String = {
        // The executable exports its symbols (SwiftPM links it with -export-dynamic), so the
        // program's own handle finds one that an extra object defined.
        guard let program = dlopen(nil, RTLD_LAZY) else { return "unknown" }
        defer { dlclose(program) }
        guard let symbol = dlsym(program, "tollgate_build_commit") else { return "unknown" }
        let text = String(cString: symbol.assumingMemoryBound(to: CChar.self))
        return text.isEmpty ? "unknown" : text
    }()
}
