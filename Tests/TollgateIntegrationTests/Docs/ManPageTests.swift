import Foundation
import XCTest

/// The man page stays in step with the binary: groff finds nothing wrong in it, and every
/// command and long option that the built `tollgate` lists in its `--help` is documented.
///
/// The commands are discovered from the binary itself (the SUBCOMMANDS sections, recursively),
/// so a new command or option that is not in `man/tollgate.1` fails here.
final class ManPageTests: XCTestCase {
    // MARK: - groff

    func testGroffFindsNothingWrongWithThePage() throws {
        guard let groff = Self.executableOnPath("groff") else {
            XCTFail("groff is not installed, so man/tollgate.1 cannot be checked: apt-get install groff-base (make deps installs it)")
            return
        }
        let directory = try scratchDirectory()
        let run = try ChildProcess.run(groff, ["-man", "-ww", "-z", Self.pageURL.path], in: directory, timeout: 60)
        XCTAssertEqual(run.status, 0, "groff -man -ww -z man/tollgate.1 failed:\n\(run.stderr)")
        XCTAssertEqual(run.stdout + run.stderr, "", "groff -man -ww -z man/tollgate.1 must print nothing")
    }

    // MARK: - The page against --help

    func testEveryCommandAndLongOptionOfTheHelpIsInThePage() throws {
        let directory = try scratchDirectory()
        let page = try ManPage(source: String(contentsOf: Self.pageURL, encoding: .utf8))
        let commands = try discoverCommands(in: directory)
        XCTAssertGreaterThan(commands.count, 10, "the help tree was read: \(commands.map(\.name))")
        guard let root = commands.first(where: { $0.path.isEmpty }) else { return XCTFail("no root help") }
        let global = Set(root.options.map(\.name))
        // Brackets dropped: `tollgate [console]` names the default command, optional words and all.
        let synopsis = page.text(ofSection: "SYNOPSIS").filter { $0 != "[" && $0 != "]" }
        var missing: [String] = []

        for option in root.options where !page.tags.contains(where: { Self.mentions($0, option) }) {
            missing.append("\(option.name): no .TP entry anywhere")
        }
        for command in commands where !command.path.isEmpty {
            if !Self.mentions(page.text, phrase: command.name) {
                missing.append("\(command.name): never named")
            }
            if command.subcommands.isEmpty && !Self.mentions(synopsis, phrase: command.name) {
                missing.append("\(command.name): not in SYNOPSIS")
            }
            let own = command.options.filter { !global.contains($0.name) }
            guard !own.isEmpty else { continue }
            guard let tags = page.tags(ofSubsection: command.name) else {
                missing.append("\(command.name): no .SS \"\(command.name)\" subsection for its options")
                continue
            }
            for option in own where !tags.contains(where: { Self.mentions($0, option) }) {
                let form = option.value.map { "\(option.name) \($0)" } ?? option.name
                missing.append("\(command.name) \(option.name): no .TP entry \"\(form)\" in its subsection")
            }
        }
        for command in commands {
            for name in command.mentionedOptions where !Self.mentions(page.text, phrase: name) {
                missing.append("\(command.name): \(name), mentioned in its help, is not in the page")
            }
        }
        XCTAssertEqual(missing, [], "man/tollgate.1 is behind `tollgate --help`:\n" + missing.joined(separator: "\n"))
    }

    // MARK: - Reading the help

    /// One command's `--help`, read.
    struct CommandHelp {
        /// Words after `tollgate`: empty for the root, `["token", "add"]` for a nested one.
        var path: [String]
        /// The OPTIONS section's long options, with the value name of those that take one.
        var options: [Option]
        /// Every `--option` the help text mentions anywhere (usage, discussion, options).
        var mentionedOptions: Set<String>
        var subcommands: [String]

        var name: String { (["tollgate"] + path).joined(separator: " ") }
    }

    struct Option: Hashable {
        var name: String
        var value: String?
    }

    /// The root's help and, through each SUBCOMMANDS section, every command below it.
    private func discoverCommands(in directory: URL) throws -> [CommandHelp] {
        var found: [CommandHelp] = []
        var queue: [[String]] = [[]]
        while let path = queue.first {
            queue.removeFirst()
            let run = try TollgateBinary.run(path + ["--help"], in: directory)
            guard run.status == 0 else {
                throw HTTPClientError("tollgate \((path + ["--help"]).joined(separator: " ")) exited \(run.status): \(run.stderr)")
            }
            let help = try Self.parse(run.stdout, path: path)
            found.append(help)
            queue += help.subcommands.map { path + [$0] }
            guard found.count < 100 else { throw HTTPClientError("more than 100 commands: the SUBCOMMANDS sections loop") }
        }
        return found
    }

    static func parse(_ text: String, path: [String]) throws -> CommandHelp {
        var section = ""
        var options: [Option] = []
        var subcommands: [String] = []
        let optionLine = try NSRegularExpression(pattern: #"^  (?:-[A-Za-z], )?(--[a-z0-9][a-z0-9-]*)(?: <([^>]+)>)?"#)
        let subcommandLine = try NSRegularExpression(pattern: #"^  ([a-z][a-z0-9-]*)(?: \(default\))?(?:  |$)"#)
        for line in text.components(separatedBy: "\n") {
            if !line.hasPrefix(" "), line.hasSuffix(":") {
                section = line
                continue
            }
            if line.isEmpty { section = section == "SUBCOMMANDS:" ? "" : section }
            switch section {
            case "OPTIONS:":
                if let groups = captures(optionLine, in: line) {
                    options.append(Option(name: groups[0] ?? "", value: groups[1]))
                }
            case "SUBCOMMANDS:":
                if let groups = captures(subcommandLine, in: line), let name = groups[0] { subcommands.append(name) }
            default:
                break
            }
        }
        let anyOption = try NSRegularExpression(pattern: #"(?<![A-Za-z0-9-])--[a-z][a-z0-9-]*[a-z0-9]"#)
        let range = NSRange(text.startIndex..., in: text)
        let mentioned = anyOption.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
        return CommandHelp(path: path, options: options, mentionedOptions: Set(mentioned), subcommands: subcommands)
    }

    /// The capture groups of `regex` matched at the start of `line`, or nil without a match.
    private static func captures(_ regex: NSRegularExpression, in line: String) -> [String?]? {
        guard let match = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) else { return nil }
        return (1..<match.numberOfRanges).map { i in Range(match.range(at: i), in: line).map { String(line[$0]) } }
    }

    // MARK: - Matching

    /// Whether `text` has `option` as a whole word, followed by its value name when it takes one.
    static func mentions(_ text: String, _ option: Option) -> Bool {
        mentions(text, phrase: option.value.map { "\(option.name) \($0)" } ?? option.name)
    }

    /// Whether `text` has `phrase` with no letter, digit or hyphen on either side, so
    /// `--policy` is not found in `--policy-reason`.
    static func mentions(_ text: String, phrase: String) -> Bool {
        let pattern = "(?<![A-Za-z0-9-])" + NSRegularExpression.escapedPattern(for: phrase) + "(?![A-Za-z0-9-])"
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    // MARK: - Files and processes

    /// man/tollgate.1 in the package.
    static var pageURL: URL {
        get throws { try TollgateBinary.packageRoot().appendingPathComponent("man/tollgate.1") }
    }

    private func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-man-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    static func executableOnPath(_ name: String) -> URL? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return directories.map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

// MARK: - The page's roff source, as text

/// man/tollgate.1 read as text: font changes and escapes removed, `\-` as `-`, macro
/// arguments joined as the reader sees them, and split into sections and `.TP` tags.
struct ManPage {
    /// The page as text, macro names and comments removed, white space runs as one space.
    let text: String
    /// The text of each `.TP` entry's tag line, page-wide.
    let tags: [String]
    private let lines: [(macro: String, text: String)]

    init(source: String) {
        lines = source.components(separatedBy: "\n").map(Self.read)
        text = Self.words(lines.filter { !$0.macro.hasPrefix("\\\"") }.map(\.text))
        tags = Self.tags(in: lines[...])
    }

    /// The text of `.SH name` up to the next `.SH`.
    func text(ofSection name: String) -> String {
        guard let start = lines.firstIndex(where: { $0.macro == "SH" && $0.text == name }) else { return "" }
        let rest = lines[(start + 1)...]
        let end = rest.firstIndex { $0.macro == "SH" } ?? lines.endIndex
        return Self.words(lines[start..<end].map(\.text))
    }

    /// Lines as one string with every run of white space a single space, so a phrase split
    /// across source lines (`.SY tollgate` then `.RB [ console ]`) is still found.
    private static func words(_ lines: [String]) -> String {
        lines.joined(separator: " ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The `.TP` tags of `.SS name` up to the next `.SS` or `.SH`; nil when there is no such subsection.
    func tags(ofSubsection name: String) -> [String]? {
        guard let start = lines.firstIndex(where: { $0.macro == "SS" && $0.text == name }) else { return nil }
        let rest = lines[(start + 1)...]
        let end = rest.firstIndex { $0.macro == "SS" || $0.macro == "SH" } ?? lines.endIndex
        return Self.tags(in: lines[start..<end])
    }

    private static func tags(in lines: ArraySlice<(macro: String, text: String)>) -> [String] {
        zip(lines, lines.dropFirst()).compactMap { $0.0.macro == "TP" ? $0.1.text : nil }
    }

    // MARK: - One line

    /// Macros whose arguments alternate fonts with no space between them.
    private static let alternating: Set<String> = ["BR", "RB", "BI", "IB", "IR", "RI"]

    /// A source line as (macro name or "", the text a reader sees).
    static func read(_ line: String) -> (macro: String, text: String) {
        guard line.hasPrefix(".") || line.hasPrefix("'") else { return ("", plain(line)) }
        let body = line.dropFirst()
        let macro = String(body.prefix { $0 != " " && $0 != "\t" })
        let arguments = Self.arguments(String(body.dropFirst(macro.count)))
        let joined = arguments.map(plain).joined(separator: alternating.contains(macro) ? "" : " ")
        return (macro, joined)
    }

    /// Macro arguments: words, or double-quoted strings in which `""` is a quote.
    static func arguments(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var inArgument = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        current.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == " " || c == "\t" {
                if inArgument { out.append(current) }
                current = ""
                inArgument = false
            } else if c == "\"" && !inArgument {
                quoted = true
                inArgument = true
            } else {
                current.append(c)
                inArgument = true
            }
        }
        if inArgument { out.append(current) }
        return out
    }

    /// Text with the escapes a man page uses turned into what they print.
    static func plain(_ text: String) -> String {
        var out = ""
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            guard c == "\\", let next = chars.popFirst() else {
                out.append(c)
                continue
            }
            switch next {
            case "-": out.append("-")
            case "e", "\\": out.append("\\")
            case "&", "%", ":": break
            case "f":
                // \fB, \f(XX or \f[XX]: a font change prints nothing.
                if chars.first == "(" {
                    chars = chars.dropFirst(3)
                } else if chars.first == "[" {
                    chars = chars.drop { $0 != "]" }.dropFirst()
                } else {
                    chars = chars.dropFirst()
                }
            case "(":
                let name = String(chars.prefix(2))
                chars = chars.dropFirst(2)
                out += special[name] ?? ""
            case "[":
                let name = String(chars.prefix { $0 != "]" })
                chars = chars.drop { $0 != "]" }.dropFirst()
                out += special[name] ?? ""
            case "\"":
                return out
            default:
                out.append(next)
            }
        }
        return out
    }

    private static let special: [String: String] = ["dq": "\"", "aq": "'", "ti": "~", "em": "—", "en": "–", "u2026": "…"]
}
