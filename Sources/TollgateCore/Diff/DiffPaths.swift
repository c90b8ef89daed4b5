/// The old and new path of one file in a diff, as its header lines name them.
///
/// Later headers refine earlier ones: `diff --git a/x b/y` first, then `rename from`/`rename to`
/// or `new file mode`, then `--- a/x`/`+++ b/y` (where `/dev/null` means the side does not exist).
/// Paths may be C-quoted the way git quotes unusual names (`"a/tab\there"`).
struct DiffPaths {
    private var old: Path = .unnamed
    private var new: Path = .unnamed

    private enum Path {
        case unnamed
        case devNull
        /// As a `diff --git` or `---`/`+++` line wrote it, possibly with git's `a/` or `b/` prefix.
        case prefixed(String)
        /// As an extended header wrote it: never prefixed.
        case plain(String)
    }

    // MARK: - Reading headers

    /// From the text after `diff --git `.
    mutating func setBoth(fromGitLine rest: UnsafeRawBufferPointer) {
        guard let (oldName, newName) = Self.gitLineNames(rest) else { return }
        old = .prefixed(oldName)
        new = .prefixed(newName)
    }

    /// From the text after `--- `.
    mutating func setOld(fromMarker rest: UnsafeRawBufferPointer) {
        old = Self.markerPath(rest)
    }

    /// From the text after `+++ `.
    mutating func setNew(fromMarker rest: UnsafeRawBufferPointer) {
        new = Self.markerPath(rest)
    }

    /// Applies one of git's extended header lines; false when the line is none.
    mutating func applyExtendedHeader(_ line: UnsafeRawBufferPointer) -> Bool {
        for prefix in Self.oldNamePrefixes where UnifiedDiffParser.hasPrefix(line, prefix) {
            old = .plain(Self.name(UnsafeRawBufferPointer(rebasing: line[prefix.utf8CodeUnitCount...])))
            return true
        }
        for prefix in Self.newNamePrefixes where UnifiedDiffParser.hasPrefix(line, prefix) {
            new = .plain(Self.name(UnsafeRawBufferPointer(rebasing: line[prefix.utf8CodeUnitCount...])))
            return true
        }
        if UnifiedDiffParser.hasPrefix(line, "new file mode ") {
            old = .devNull
            return true
        }
        if UnifiedDiffParser.hasPrefix(line, "deleted file mode ") {
            new = .devNull
            return true
        }
        return Self.otherHeaders.contains { UnifiedDiffParser.hasPrefix(line, $0) }
    }

    private static let oldNamePrefixes: [StaticString] = ["rename from ", "copy from ", "rename old "]
    private static let newNamePrefixes: [StaticString] = ["rename to ", "copy to ", "rename new "]
    private static let otherHeaders: [StaticString] = [
        "index ", "old mode ", "new mode ", "similarity index ", "dissimilarity index ",
        "Binary files ", "GIT binary patch",
    ]

    // MARK: - Result

    /// The paths, with git's `a/` and `b/` dropped when every prefixed path carries its prefix.
    func resolved() -> (old: String?, new: String?) {
        func fits(_ path: Path, _ prefix: String) -> Bool {
            if case .prefixed(let name) = path { return name.hasPrefix(prefix) }
            return true
        }
        func isPrefixed(_ path: Path) -> Bool {
            if case .prefixed = path { return true }
            return false
        }
        let strip = fits(old, "a/") && fits(new, "b/") && (isPrefixed(old) || isPrefixed(new))
        func name(_ path: Path) -> String? {
            switch path {
            case .unnamed, .devNull: return nil
            case .plain(let name): return name
            case .prefixed(let name): return strip ? String(name.dropFirst(2)) : name
            }
        }
        return (name(old), name(new))
    }

    // MARK: - Names

    /// `--- path`, `--- path<TAB>timestamp`, `--- "quoted"` or `--- /dev/null`.
    private static func markerPath(_ rest: UnsafeRawBufferPointer) -> Path {
        let name: String
        if rest.first == DiffByte.quote, let (unquoted, _) = unquote(rest) {
            name = unquoted
        } else {
            let tab = UnifiedDiffParser.find(DiffByte.tab, in: rest, from: 0)
            name = String(decoding: UnsafeRawBufferPointer(rebasing: rest[..<tab]), as: UTF8.self)
        }
        return name == "/dev/null" ? .devNull : .prefixed(name)
    }

    /// A path that is C-quoted or taken as it is.
    private static func name(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.first == DiffByte.quote, let (unquoted, _) = unquote(bytes) { return unquoted }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The two names in `a/x b/y`; spaces make that ambiguous, so like git it prefers the split
    /// that gives both sides the same name, then the first ` b/`.
    private static func gitLineNames(_ rest: UnsafeRawBufferPointer) -> (String, String)? {
        if rest.first == DiffByte.quote {
            guard let (oldName, used) = unquote(rest), used < rest.count, rest[used] == DiffByte.space else { return nil }
            return (oldName, name(UnsafeRawBufferPointer(rebasing: rest[(used + 1)...])))
        }
        let n = rest.count
        if n % 2 == 1, n >= 5, rest[n / 2] == DiffByte.space,
            rest[2..<(n / 2)].elementsEqual(rest[(n / 2 + 3)...])
        {
            return (
                String(decoding: UnsafeRawBufferPointer(rebasing: rest[..<(n / 2)]), as: UTF8.self),
                String(decoding: UnsafeRawBufferPointer(rebasing: rest[(n / 2 + 1)...]), as: UTF8.self)
            )
        }
        var i = 0
        while i + 1 < n {
            if rest[i] == DiffByte.space,
                UnifiedDiffParser.hasPrefix(UnsafeRawBufferPointer(rebasing: rest[(i + 1)...]), "b/")
                    || rest[i + 1] == DiffByte.quote
            {
                return (
                    String(decoding: UnsafeRawBufferPointer(rebasing: rest[..<i]), as: UTF8.self),
                    name(UnsafeRawBufferPointer(rebasing: rest[(i + 1)...]))
                )
            }
            i += 1
        }
        return nil
    }

    /// Decodes git's C-style quoting (`\t`, `\"`, `\\`, `\303\251`…) starting at an opening quote;
    /// returns the name and how many bytes the quoted form used, or nil without a closing quote.
    private static func unquote(_ bytes: UnsafeRawBufferPointer) -> (String, Int)? {
        var out: [UInt8] = []
        var i = 1
        while i < bytes.count {
            let byte = bytes[i]
            if byte == DiffByte.quote {
                return (String(decoding: out, as: UTF8.self), i + 1)
            }
            guard byte == DiffByte.backslash, i + 1 < bytes.count else {
                out.append(byte)
                i += 1
                continue
            }
            let escaped = bytes[i + 1]
            if let octal = octalByte(bytes, at: i + 1) {
                out.append(octal)
                i += 4
                continue
            }
            switch escaped {
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "r"): out.append(0x0D)
            default: out.append(escaped)
            }
            i += 2
        }
        return nil
    }

    /// Three octal digits at `i` (`\303`), at most 0o377.
    private static func octalByte(_ bytes: UnsafeRawBufferPointer, at i: Int) -> UInt8? {
        guard i + 2 < bytes.count else { return nil }
        var value = 0
        for j in i...(i + 2) {
            let digit = bytes[j]
            guard digit >= 0x30, digit <= 0x37 else { return nil }
            value = value * 8 + Int(digit - 0x30)
        }
        return value <= 0xFF ? UInt8(value) : nil
    }
}
