import ArgumentParser
import Foundation
import TollgateCore
import TollgateServer

/// `tollgate token`: manages the server's tokens file.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage the server's tokens file.",
        discussion: "A running tollgate serve notices a change of its tokens file by itself (or on SIGHUP): a revoked token is refused from its next request.",
        subcommands: [Add.self, List.self, Revoke.self]
    )

    /// The tokens file `file` names, or the default one.
    static func path(_ file: String?) -> String {
        file ?? ServerConfiguration.configDirectory(ProcessInfo.processInfo.environment) + "/tokens.toml"
    }

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
            if role.isEmpty { throw ValidationError("--role is required (\(Role.expectedText))") }
        }

        func run() throws {
            // Here rather than in validate(), whose errors come with the usage: one line says it.
            if let problem = Identity.problem(in: id) { throw CommandFailure("token add: --id \(Identity.quoted(id)): \(problem)") }
            let path = TokenCommand.path(file)
            do {
                let token = try TokenFile.add(path: path, id: id, roles: role, groups: group, kind: kind)
                print(token)
            } catch {
                throw CommandFailure("token add: \(path): \(error)")
            }
        }
    }

    /// `tollgate token list`: the principals of a tokens file, never their hashes.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the principals of the tokens file: id, roles, groups and kind, one line per token.",
            discussion: "Token hashes are never shown. Exit 2 when the file cannot be read or is not valid."
        )

        @Option(help: ArgumentHelp("The tokens file (default $XDG_CONFIG_HOME/tollgate/tokens.toml).", valueName: "file"))
        var file: String?

        @Flag(help: "One JSON object per line (id, roles, groups, kind), for scripts.")
        var json = false

        func run() throws {
            let path = TokenCommand.path(file)
            let entries: [TokenEntry]
            do { entries = try TokenFile.list(path: path) } catch { throw CommandFailure(Printable.line("token list: \(error)")) }
            for entry in entries {
                let p = entry.principal
                if json {
                    let object = JSONValue.object([
                        "id": .string(p.id), "roles": .array(p.roles.map { .string($0.rawValue) }), "groups": .array(p.groups.map(JSONValue.string)),
                        "kind": .string(entry.requesterKind.rawValue),
                    ])
                    print(object.canonicalString)
                } else {
                    let roles = p.roles.map(\.rawValue).joined(separator: ",")
                    let groups = p.groups.isEmpty ? "-" : p.groups.joined(separator: ",")
                    print(Printable.line("\(p.id)  roles=\(roles)  groups=\(groups)  kind=\(entry.requesterKind.rawValue)"))
                }
            }
        }
    }

    /// `tollgate token revoke`: removes every token of a principal.
    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove every token of a principal from the tokens file.",
            discussion:
                "Ids are compared as tollgate compares people (ignoring case, width and trailing dots), so every spelling of the id goes. "
                + "The rest of the file is kept byte for byte, comments included; the new file is checked and replaces the old one "
                + "atomically, owner-only. Exit 1 when the file has no such principal, 2 when it cannot be read or changed."
        )

        @Option(help: ArgumentHelp("The tokens file (default $XDG_CONFIG_HOME/tollgate/tokens.toml).", valueName: "file"))
        var file: String?

        @Option(help: ArgumentHelp("The principal id whose tokens are removed.", valueName: "id"))
        var id: String

        func run() throws {
            let path = TokenCommand.path(file)
            let removed: Int
            do { removed = try TokenFile.revoke(path: path, id: id) } catch let error as ConfigError {
                throw CommandFailure(Printable.line("token revoke: \(error)"))
            } catch {
                throw CommandFailure(Printable.line("token revoke: \(path): \(error)"))
            }
            guard removed > 0 else {
                throw CommandFailure(Printable.line("token revoke: \(path): no principal \(Identity.quoted(id))"), code: Exit.checkFailed)
            }
            print(Printable.line("removed \(removed) token\(removed == 1 ? "" : "s") of \(Identity.quoted(id))"))
        }
    }
}
