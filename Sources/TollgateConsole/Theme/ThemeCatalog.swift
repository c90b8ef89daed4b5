import Foundation
import TollgateCore

/// Where a theme file was found.
public struct ThemeSource: Hashable, Sendable {
    /// The theme's name: its file name without `.toml`.
    public var name: String
    public var path: String
    /// Which search directory it came from, in words (`user config`, `TOLLGATE_THEMES_DIR`, …).
    public var origin: String

    public init(name: String, path: String, origin: String) {
        self.name = name; self.path = path; self.origin = origin
    }
}

/// Finds, lists and loads theme files.
///
/// Directories are searched in this order, the first file of a name winning:
/// 1. `$XDG_CONFIG_HOME/tollgate/themes/` (or `~/.config/tollgate/themes/`),
/// 2. `$TOLLGATE_THEMES_DIR`,
/// 3. `<directory of the executable>/../share/tollgate/themes` (an installed build),
/// 4. the source tree's `themes/`, found by walking up from the executable (a development build).
public enum ThemeCatalog {
    /// The search directories that exist, in order, with their origin.
    public static func directories(environment: [String: String], executablePath: String?) -> [(path: String, origin: String)] {
        var out: [(String, String)] = []
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            out.append((xdg + "/tollgate/themes", "user config"))
        } else if let home = environment["HOME"], !home.isEmpty {
            out.append((home + "/.config/tollgate/themes", "user config"))
        }
        if let dir = environment["TOLLGATE_THEMES_DIR"], !dir.isEmpty { out.append((dir, "TOLLGATE_THEMES_DIR")) }
        if let exe = executablePath.map(resolved) {
            let bin = URL(fileURLWithPath: exe).deletingLastPathComponent()
            out.append((bin.deletingLastPathComponent().appendingPathComponent("share/tollgate/themes").path, "installed"))
            var dir = bin
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent("themes")
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("default.toml").path),
                    FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path)
                {
                    out.append((candidate.path, "source tree"))
                    break
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        var isDirectory: ObjCBool = false
        return out.filter { FileManager.default.fileExists(atPath: $0.0, isDirectory: &isDirectory) && isDirectory.boolValue }
    }

    /// The path of the running executable (argv[0] made absolute or found on PATH), so an
    /// installed binary finds the themes installed beside it.
    public static func runningExecutable(environment: [String: String]) -> String? {
        guard let argument = CommandLine.arguments.first else { return nil }
        if argument.contains("/") {
            return argument.hasPrefix("/") ? argument : FileManager.default.currentDirectoryPath + "/" + argument
        }
        for dir in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/\(argument)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return argument
    }

    /// Every theme file found, first of each name only, sorted by name.
    public static func search(environment: [String: String], executablePath: String?) -> [ThemeSource] {
        var seen: [String: ThemeSource] = [:]
        for (dir, origin) in directories(environment: environment, executablePath: executablePath) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for file in files.sorted() where file.hasSuffix(".toml") {
                let name = String(file.dropLast(5))
                if seen[name] == nil { seen[name] = ThemeSource(name: name, path: dir + "/" + file, origin: origin) }
            }
        }
        return seen.values.sorted { $0.name < $1.name }
    }

    /// Reads and parses one theme file.
    public static func validate(_ source: ThemeSource) -> Result<Theme, ConfigError> {
        validate(path: source.path)
    }

    /// Reads and parses the theme file at `path`; unreadable files are errors at line 1.
    public static func validate(path: String) -> Result<Theme, ConfigError> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(ConfigError(file: path, line: 1, message: "cannot read the file"))
        }
        guard data.count <= 1_000_000 else {
            return .failure(ConfigError(file: path, line: 1, message: "larger than 1 MB; not a theme"))
        }
        do {
            return .success(try ThemeFile.parse(text: String(decoding: data, as: UTF8.self), file: path))
        } catch {
            return .failure(error)
        }
    }

    /// The theme called `name` (or the file at `name` when it is a path); when it cannot be
    /// had, the built-in theme and what went wrong (`file:line: key: message` for a bad file).
    public static func load(_ name: String, environment: [String: String], executablePath: String?) -> (theme: Theme, problem: String?) {
        if name.contains("/") || name.hasSuffix(".toml") {
            switch validate(path: name) {
            case .success(let theme): return (theme, nil)
            case .failure(let error): return (.builtIn, "theme \(error)")
            }
        }
        guard isValidName(name) else {
            return (
                .builtIn,
                "theme name \"\(TextSanitizer.safeString(String(name.prefix(40)), options: SanitizeOptions(asciiOnly: true)))\" is not valid (letters, digits, - _ . only)"
            )
        }
        guard let source = search(environment: environment, executablePath: executablePath).first(where: { $0.name == name }) else {
            return name == Theme.builtIn.name ? (.builtIn, nil) : (.builtIn, "theme \(name) not found (see `tollgate themes`)")
        }
        switch validate(source) {
        case .success(let theme): return (theme, nil)
        case .failure(let error): return (.builtIn, "theme \(error)")
        }
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }
    }

    /// The executable path with symlinks resolved, so an installed symlink still finds `share/`.
    private static func resolved(_ path: String) -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map {
            $0.hasPrefix("/") ? $0 : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent($0).path
        } ?? path
    }
}
