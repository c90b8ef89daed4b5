import TollgateCore
import XCTest

/// TOML 1.0 structure: dotted keys, `[table]` and `[[array.of.tables]]` headers, arrays and
/// inline tables, and the rules on what may be defined twice, reopened or extended.
final class TOMLTableTests: XCTestCase {
    private func table(_ value: TOMLValue?, file: StaticString = #filePath, line: UInt = #line) throws -> TOMLTable {
        guard case .table(let t)? = value?.kind else { throw TOMLTestFailure("not a table: \(String(describing: value))") }
        return t
    }

    func testDottedKeysMakeTables() throws {
        let root = try tomlDocument(
            "name = \"Orange\"\nphysical.color = \"orange\"\nphysical . shape = \"round\"\nsite.\"google.com\" = true\n3.14159 = \"pi\"")
        let physical = try table(root["physical"])
        XCTAssertEqual(physical.keys, ["color", "shape"])
        XCTAssertEqual(try table(root["site"])["google.com"]?.kind, .bool(true))
        XCTAssertEqual(try table(root["3"])["14159"]?.kind, .string("pi"))
    }

    func testHeadersInAnyOrderButEachOnce() throws {
        let root = try tomlDocument("[x.y.z.w]\n[x]\na = 1\n[x.y.q]\n[a.b]\nc = 1\n[a]\nd = 2\n[a.b.e]\nf = 3")
        XCTAssertEqual(try table(try table(root["x"])["y"]).keys, ["z", "q"])
        XCTAssertEqual(try table(root["a"]).keys, ["b", "d"])
        XCTAssertEqual(try table(root["a"])["b"]?.line, 5)
        assertTOMLError("[a]\nb = 1\n[a]\nc = 2", "line 3, column 1: table [a] is defined twice")
        assertTOMLError("[a.b]\n[a]\n[a.b]", "line 3, column 1: table [a.b] is defined twice")
        assertTOMLError("[a]\n[\"a\"]", "line 2, column 1: table [a] is defined twice")
        assertTOMLError("a = 1\n[a]", "line 2, column 1: a is already an integer, not a table")
        assertTOMLError("a.b = 1\n[a.b.c]", "line 2, column 1: b is already an integer, not a table")
    }

    func testDottedKeysAndHeadersDoNotReopenEachOthersTables() throws {
        _ = try tomlDocument("[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true")
        assertTOMLError(
            "[fruit]\napple.color = \"red\"\n[fruit.apple]",
            "line 3, column 1: table [fruit.apple] was already defined by dotted keys; a header cannot reopen it")
        assertTOMLError("a.b = 1\n[a]", "line 2, column 1: table [a] was already defined by dotted keys; a header cannot reopen it")
        assertTOMLError("[a.b]\nc = 1\n[a]\nb.d = 2", "line 4, column 1: table [a.b] is defined by its own header; set d there, not through a dotted key")
        assertTOMLError("[a]\nb = 1\n[x]\n[a]", "line 4, column 1: table [a] is defined twice")
    }

    func testInlineTables() throws {
        let root = try tomlDocument(
            "name = { first = \"Tom\", last = \"Preston-Werner\" }\npoint = {x=1,y=2}\nanimal = { type.name = \"pug\", type.age = 3 }\nempty = {}")
        XCTAssertEqual(try table(root["name"]).keys, ["first", "last"])
        XCTAssertEqual(try table(try table(root["animal"])["type"]).keys, ["name", "age"])
        XCTAssertEqual(try table(root["empty"]).keys, [])
        assertTOMLError("a = {b = 1,}", "line 1, column 12: an inline table takes no trailing comma")
        assertTOMLError("a = {b = 1,\nc = 2}", "line 1, column 12: an inline table must be written on one line (TOML 1.0)")
        assertTOMLError("a = {\nb = 1}", "line 1, column 6: an inline table must be written on one line (TOML 1.0)")
        assertTOMLError("a = {b = 1 c = 2}", "line 1, column 12: expected , or } in the inline table, found 'c'")
        assertTOMLError("a = {b = 1, b = 2}", "line 1, column 13: key b is defined twice")
        assertTOMLError("a = {b = {c = 1}, b.d = 2}", "line 1, column 19: b was written inline as an inline table and cannot be extended")
        assertTOMLError("a = {b = 1, b.c = 2}", "line 1, column 13: b is already an integer, not a table")
        assertTOMLError("a = {b = 1", "line 1, column 11: expected , or } in the inline table, found the end of the file")
    }

    func testInlineTablesAndArraysAreClosedOnceWritten() {
        assertTOMLError("a = {b = 1}\n[a]", "line 2, column 1: a was written inline as an inline table; [a] cannot add to it")
        assertTOMLError("a = {b = 1}\na.c = 2", "line 2, column 1: a was written inline as an inline table and cannot be extended")
        assertTOMLError("a = {b = {}}\n[a.b.c]", "line 2, column 1: a was written inline as an inline table; [a.b.c] cannot add to it")
        assertTOMLError("a = [1]\n[[a]]", "line 2, column 1: a was written inline as an array; [[a]] cannot add to it")
        assertTOMLError("a = [{b = 1}]\n[a.c]", "line 2, column 1: a was written inline as an array; [a.c] cannot add to it")
        assertTOMLError("[t]\na = {}\n[t.a]", "line 3, column 1: t.a was written inline as an inline table; [t.a] cannot add to it")
    }

    func testArrays() throws {
        let root = try tomlDocument(
            """
            mixed = [1, "a", 1.5, [2], {x = 1}, 1979-05-27, true,]
            long = [
              1, # one
              # a comment line
              2,
            ]
            empty = [ ]
            nested = [[1, 2], ["a", 'b']]
            """)
        guard case .array(let mixed)? = root["mixed"]?.kind, case .array(let long)? = root["long"]?.kind,
            case .array(let empty)? = root["empty"]?.kind
        else { return XCTFail("not arrays") }
        XCTAssertEqual(mixed.map(\.typeName), ["an integer", "a string", "a float", "an array", "a table", "a local date", "a boolean"])
        XCTAssertEqual(long.map(\.kind), [.integer(1), .integer(2)])
        XCTAssertEqual(long.map(\.line), [3, 5], "each element remembers its line")
        XCTAssertEqual(empty, [])
        assertTOMLError("a = [,]", "line 1, column 6: expected a value, found ','")
        assertTOMLError("a = [1,,2]", "line 1, column 8: expected a value, found ','")
        assertTOMLError("a = [1 2]", "line 1, column 8: expected , or ] in the array, found '2'")
        assertTOMLError("a = [1,\n2", "line 2, column 2: expected , or ] in the array, found the end of the file")
        assertTOMLError("a = [1 # \u{1}\n]", "line 1, column 10: control character U+0001 is not allowed in a comment")
    }

    func testArraysOfTables() throws {
        let root = try tomlDocument(
            """
            [[fruits]]
            name = "apple"
            [fruits.physical]
            color = "red"
            [[fruits.varieties]]
            name = "red delicious"
            [[fruits]]
            name = "banana"
            [fruits.physical]
            color = "yellow"
            [[fruits.varieties]]
            name = "plantain"
            """)
        guard case .tableArray(let fruits)? = root["fruits"]?.kind else { return XCTFail("not an array of tables") }
        XCTAssertEqual(fruits.map(\.line), [1, 7])
        XCTAssertEqual(fruits.map { $0["name"]?.kind }, [.string("apple"), .string("banana")])
        assertTOMLError("[[a]]\n[a]", "line 2, column 1: a is an array of tables; write [[a]] to add a table to it")
        assertTOMLError("[a]\n[[a]]", "line 2, column 1: a is already a table, not an array of tables")
        assertTOMLError("[[a]]\nb = 1\n[[a]]\nb = 1\nb = 2", "line 5, column 1: key a.b is defined twice")
        assertTOMLError("[[a]]\n[a.b]\n[a.b]", "line 3, column 1: table [a.b] is defined twice")
        assertTOMLError("[[a]\n", "line 1, column 5: expected ]] to close the array-of-tables header, found a line break")
    }

    func testDocumentLevelSyntax() throws {
        _ = try tomlDocument("\u{FEFF}a = 1\r\n# comment\r\n\r\n[t]\r\nb = 2\r\n")
        _ = try tomlDocument("  a = 1  # trailing comment\n\t[ t . u ]\t\n")
        assertTOMLError("a = 1\rb = 2", "line 1, column 6: a carriage return must be followed by a line feed")
        assertTOMLError("a = 1 # bell \u{7}", "line 1, column 14: control character U+0007 is not allowed in a comment")
        assertTOMLError("a = 1 b = 2", "line 1, column 7: expected the end of the line after the value, found 'b'; one key = value per line")
        assertTOMLError("= 1", "line 1, column 1: expected a key, a [table] header or a comment, found '='")
        assertTOMLError("a", "line 1, column 2: expected = after the key a, found the end of the file")
        assertTOMLError("a =", "line 1, column 4: expected a value, found the end of the file")
        assertTOMLError("a.= 1", "line 1, column 3: expected a key (letters, digits, _ or -, or a quoted key), found '='")
        assertTOMLError("é = 1", "line 1, column 1: expected a key, a [table] header or a comment, found 'é' (U+E9)")
        assertTOMLError("[a]]", "line 1, column 4: expected the end of the line after the value, found ']'; one key = value per line")
    }

    /// Messages quote keys from the file, which may hold line breaks: they stay one inert line.
    func testErrorsAreOneInertLine() {
        do {
            _ = try TOMLDocument(parsing: "\"a\\nb\\u001b[2J\" = 1\n\"a\\nb\\u001b[2J\" = 2")
            XCTFail("a duplicate key parsed")
        } catch {
            XCTAssertEqual(error.line, 2)
            XCTAssertFalse(error.description.contains(where: { $0.isNewline || $0 == "\u{1B}" }), error.description)
        }
    }

    func testDeepNestingIsRefusedNotRecursedInto() {
        assertTOMLError("a = " + String(repeating: "[", count: 100), "line 1, column 69: values nest deeper than 64 levels")
        assertTOMLError("a = " + String(repeating: "{b=", count: 100), "line 1, column 197: values nest deeper than 64 levels")
    }
}
