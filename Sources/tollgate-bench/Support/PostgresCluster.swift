import Foundation
import Glibc

/// A PostgreSQL database the replica rows give `tollgate serve --database`: its URL, and the
/// file its password is in.
struct PostgresDatabase {
    let name: String
    let url: String
    let passwordFile: String
}

/// The PostgreSQL cluster the replica rows run on: the throwaway one `scripts/with-postgres.sh`
/// starts around the benchmark (`make bench` runs it so), named by the environment the wrapper
/// exports. Each benchmark makes a database of its own in it.
struct PostgresCluster {
    /// The wrapper's URL, on its `postgres` database (the role may create databases).
    private let url: URLComponents
    private let passwordFile: String
    /// A libpq passfile with the same password, for psql.
    private let passFile: String
    private let psql: String

    /// The cluster the wrapper started; throws, saying why, when there is none: the wrapper
    /// could not start one (its reason), or the benchmark runs outside it.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresCluster {
        if let error = environment["TOLLGATE_TEST_POSTGRES_ERROR"] { throw BenchError(error) }
        guard let url = environment["TOLLGATE_TEST_POSTGRES_URL"] else {
            throw BenchError("no PostgreSQL cluster: run the benchmark inside scripts/with-postgres.sh, as make bench does")
        }
        guard let components = URLComponents(string: url), components.scheme == "postgres" || components.scheme == "postgresql",
            components.host != nil
        else { throw BenchError("TOLLGATE_TEST_POSTGRES_URL is not a postgres:// URL with a host") }
        var found: [String: String] = [:]
        for name in ["PASSWORD_FILE", "PASSFILE", "PSQL"] {
            guard let value = environment["TOLLGATE_TEST_POSTGRES_" + name], !value.isEmpty else {
                throw BenchError("TOLLGATE_TEST_POSTGRES_URL is set but TOLLGATE_TEST_POSTGRES_\(name) is not")
            }
            found[name] = value
        }
        return PostgresCluster(url: components, passwordFile: found["PASSWORD_FILE"] ?? "", passFile: found["PASSFILE"] ?? "", psql: found["PSQL"] ?? "")
    }

    /// A new, empty database `name` (one an earlier run left is dropped first).
    func createDatabase(_ name: String) throws -> PostgresDatabase {
        try Self.checkIdentifier(name)
        try query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        try query("CREATE DATABASE \(name)")
        var target = url
        target.path = "/" + name
        guard let text = target.string else { throw BenchError("cannot write a URL for the database \(name)") }
        return PostgresDatabase(name: name, url: text, passwordFile: passwordFile)
    }

    /// Drops a database made by `createDatabase`, once its replicas have stopped (best effort:
    /// the wrapper removes the whole cluster anyway).
    func dropDatabase(_ database: PostgresDatabase) {
        do { try query("DROP DATABASE IF EXISTS \(database.name) WITH (FORCE)") } catch { Log.say("replicas: \(error)") }
    }

    /// A server setting (`SHOW name`).
    func setting(_ name: String) throws -> String {
        try Self.checkIdentifier(name)
        return try query("SHOW \(name)").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The postmaster's process id: the parent of a server process other than psql's own
    /// (which exits with it), so its CPU time and its children's can be read from /proc.
    func serverPID() throws -> pid_t {
        let output = try query("SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()")
        for line in output.split(separator: "\n") {
            if let pid = pid_t(line.trimmingCharacters(in: .whitespaces)), let parent = ProcStatus.parent(of: pid), parent > 1 { return parent }
        }
        throw BenchError("cannot find the PostgreSQL server's process (is it on another machine?)")
    }

    /// Runs one statement with psql on the `postgres` database; its unaligned output.
    @discardableResult
    private func query(_ sql: String) throws -> String {
        guard let text = url.string else { throw BenchError("cannot write the cluster's URL") }
        var environment = BenchEnvironment.base
        environment["PGPASSFILE"] = passFile
        let (status, output) = try Command.run(
            psql, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", text, "-c", sql], environment: environment, standardErrorToOutput: true)
        guard status == 0 else { throw BenchError("psql \(sql.debugDescription) exited \(status): \(Report.oneLine(output))") }
        return output
    }

    /// Names go into SQL unquoted: only lower-case letters, digits and underscores.
    private static func checkIdentifier(_ name: String) throws {
        guard !name.isEmpty, name.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }) else {
            throw BenchError("\(name.debugDescription) is not a plain SQL name")
        }
    }
}
