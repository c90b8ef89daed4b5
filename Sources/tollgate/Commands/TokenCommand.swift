import ArgumentParser
import Foundation
import TollgateCore
import TollgateServer

/// `tollgate token`: manages the server's tokens file.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage the server's tokens file.",
        subcommands: [Add.self]
    )

    /// `tollgate token add`: creates a principal's token.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token for a principal; print it once; store only its SHA-256.",
            discussion: "The file is created owner-only (0600). The token is shown only now: keep it in a 0600 file."
        )

        @Option(help: ArgumentHelp("The tokens file (default $XDG_CONFIG_HOME/tollgate/tokens.toml).", valueName: "file"))
        var file: String?

        @Option(help: ArgumentHelp("The principal id, e.g. alice@example.com.", valueName: "id"))
        var id: String

        @Option(help: ArgumentHelp("A role (repeatable).", valueName: "role"))
        var role: [Role]

        @Option(help: ArgumentHelp("A group (repeatable).", valueName: "group"))
        var group: [String] = []

        @Option(help: ArgumentHelp("What submits with this token.", valueName: "kind"))
        var kind: RequesterKind?

        func validate() throws {
            if role.isEmpty { throw ValidationError("--role is required (agent, approver or auditor)") }
        }

        func run() throws {
            // Here rather than in validate(), whose errors come with the usage: one line says it.
            if let problem = Identity.problem(in: id) { throw CommandFailure("token add: --id \(Identity.quoted(id)): \(problem)") }
            let path = file ?? ServerConfiguration.configDirectory(ProcessInfo.processInfo.environment) + "/tokens.toml"
            do {
                let token = try TokenFile.add(path: path, id: id, roles: role, groups: group, kind: kind)
                print(token)
            } catch {
                throw CommandFailure("token add: \(path): \(error)")
            }
        }
    }
}
