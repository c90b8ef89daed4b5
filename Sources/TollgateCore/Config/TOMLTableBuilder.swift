/// Builds a table from headers and key/value pairs, holding them to TOML's rules on what may be
/// defined where: no key or table twice, no reopening a table that dotted keys or a header
/// defined, nothing added to an inline table or a static array.
///
/// The rules are kept as `tomllib` keeps them, by key path: a path is *explicit* once a header
/// names it or, from the next header on, once a dotted key passed through it; it is *frozen*
/// (with everything under it) once an inline table or array was written there. `[[a]]` forgets
/// both under `a`, since each of its tables starts afresh. The parser builds the document with
/// one builder and each inline table with a fresh one.
struct TOMLTableBuilder {
    /// A broken rule, for the parser to place at the statement.
    struct Issue: Error { var message: String }

    private(set) var root: TOMLTable
    /// The path of the current `[table]` or `[[table]]`.
    private var header: [String] = []
    private var rules = Node()
    /// Tables dotted keys passed through in this section: explicit from the next header on.
    private var pending: [[String]] = []

    init(line: Int) { root = TOMLTable(line: line) }

    private enum Origin { case header, dottedKeys, arrayOfTables }

    private struct Node {
        var explicit: Origin?
        /// What was written inline here ("an inline table" or "an array"), freezing everything under it.
        var frozen: String?
        var children: [String: Node] = [:]
    }

    // MARK: Statements

    /// `[path]`: opens a table that no header or dotted key has defined yet.
    mutating func openTable(_ path: [String], line: Int) throws(Issue) {
        commitPending()
        let name = Self.dotted(path)
        if let (at, what) = frozen(path) { throw Issue(message: "\(Self.dotted(at)) was written inline as \(what); [\(name)] cannot add to it") }
        switch node(path)?.explicit {
        case .header?: throw Issue(message: "table [\(name)] is defined twice")
        case .dottedKeys?: throw Issue(message: "table [\(name)] was already defined by dotted keys; a header cannot reopen it")
        case .arrayOfTables?: throw Issue(message: "\(name) is an array of tables; write [[\(name)]] to add a table to it")
        case nil: break
        }
        mark(path) { $0.explicit = .header }
        try Self.modify(&root, path[...], line: line) { (_: inout TOMLTable) throws(Issue) in }
        header = path
    }

    /// `[[path]]`: appends a table to an array of tables, making the array if need be.
    mutating func openArrayTable(_ path: [String], line: Int) throws(Issue) {
        commitPending()
        guard let last = path.last else { throw Issue(message: "empty table name") }
        let name = Self.dotted(path)
        if let (at, what) = frozen(path) { throw Issue(message: "\(Self.dotted(at)) was written inline as \(what); [[\(name)]] cannot add to it") }
        remove(path)
        mark(path) { $0.explicit = .arrayOfTables }
        try Self.modify(&root, path.dropLast(), line: line) { (t: inout TOMLTable) throws(Issue) in
            switch t[last]?.kind {
            case nil: t.set(last, TOMLValue(kind: .tableArray([TOMLTable(line: line)]), line: line))
            case .tableArray(var tables)?:
                tables.append(TOMLTable(line: line))
                t.set(last, TOMLValue(kind: .tableArray(tables), line: t[last]?.line ?? line))
            case let other?:
                throw Issue(message: "\(name) is already \(TOMLValue(kind: other, line: 0).typeName), not an array of tables")
            }
        }
        header = path
    }

    /// `key = value` in the current section (for an inline table, in the table itself).
    mutating func add(_ value: TOMLValue, at key: [String], line: Int) throws(Issue) {
        guard let last = key.last else { throw Issue(message: "empty key") }
        for length in 1..<key.count {
            let table = header + key.prefix(length)
            if node(table)?.explicit != nil {
                throw Issue(
                    message:
                        "table [\(Self.dotted(table))] is defined by its own header; set \(Self.dotted(key.dropFirst(length))) there, not through a dotted key")
            }
            pending.append(table)
        }
        let full = header + key
        if let (at, what) = frozen(full) { throw Issue(message: "\(Self.dotted(at)) was written inline as \(what) and cannot be extended") }
        try Self.modify(&root, full.dropLast(), line: line) { (t: inout TOMLTable) throws(Issue) in
            if t[last] != nil { throw Issue(message: "key \(Self.dotted(full)) is defined twice") }
            t.set(last, value)
        }
        switch value.kind {
        case .table: mark(full) { $0.frozen = "an inline table" }
        case .array: mark(full) { $0.frozen = "an array" }
        default: break
        }
    }

    // MARK: The tree of values

    /// Walks `path` from `table`, making missing tables and entering the last table of an array
    /// of tables, and applies `body` to the table at its end.
    private static func modify(_ table: inout TOMLTable, _ path: ArraySlice<String>, line: Int, _ body: (inout TOMLTable) throws(Issue) -> Void) throws(Issue) {
        guard let first = path.first else { return try body(&table) }
        let rest = path.dropFirst()
        switch table[first]?.kind {
        case nil:
            var sub = TOMLTable(line: line)
            try modify(&sub, rest, line: line, body)
            table.set(first, TOMLValue(kind: .table(sub), line: line))
        case .table(var sub)?:
            try modify(&sub, rest, line: line, body)
            table.set(first, TOMLValue(kind: .table(sub), line: table[first]?.line ?? line))
        case .tableArray(var subs)? where !subs.isEmpty:
            try modify(&subs[subs.count - 1], rest, line: line, body)
            table.set(first, TOMLValue(kind: .tableArray(subs), line: table[first]?.line ?? line))
        case let other?:
            throw Issue(message: "\(first) is already \(TOMLValue(kind: other, line: 0).typeName), not a table")
        }
    }

    // MARK: The rules, by path

    private mutating func commitPending() {
        for path in pending { mark(path) { if $0.explicit == nil { $0.explicit = .dottedKeys } } }
        pending.removeAll()
    }

    private func node(_ path: [String]) -> Node? {
        var node = rules
        for key in path {
            guard let next = node.children[key] else { return nil }
            node = next
        }
        return node
    }

    /// The first path along `path` (itself included) that holds something written inline, and what.
    private func frozen(_ path: [String]) -> ([String], String)? {
        var node = rules
        for (i, key) in path.enumerated() {
            guard let next = node.children[key] else { return nil }
            if let what = next.frozen { return (Array(path.prefix(i + 1)), what) }
            node = next
        }
        return nil
    }

    private mutating func mark(_ path: [String], _ change: (inout Node) -> Void) {
        Self.mark(&rules, path[...], change)
    }

    private static func mark(_ node: inout Node, _ path: ArraySlice<String>, _ change: (inout Node) -> Void) {
        guard let first = path.first else { return change(&node) }
        mark(&node.children[first, default: Node()], path.dropFirst(), change)
    }

    private mutating func remove(_ path: [String]) {
        Self.remove(&rules, path[...])
    }

    private static func remove(_ node: inout Node, _ path: ArraySlice<String>) {
        guard let first = path.first else { return }
        if path.count == 1 { node.children[first] = nil; return }
        guard node.children[first] != nil else { return }
        remove(&node.children[first, default: Node()], path.dropFirst())
    }

    static func dotted<C: Collection<String>>(_ path: C) -> String { path.map(quotedIfNeeded).joined(separator: ".") }

    /// A key as TOML would write it: bare when it can be, else quoted.
    private static func quotedIfNeeded(_ key: String) -> String {
        !key.isEmpty && key.utf8.allSatisfy(TOMLBytes.isBareKeyByte) ? key : key.debugDescription
    }
}
