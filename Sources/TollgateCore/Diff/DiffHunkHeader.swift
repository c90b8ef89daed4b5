/// A parsed `@@ -a,b +c,d @@ section` line; counts left out mean 1, as in `diff -u`.
struct DiffHunkHeader {
    var oldStart: Int
    var oldCount: Int
    var newStart: Int
    var newCount: Int
    /// Offset in the line where the section heading starts (after one optional space).
    var sectionStart: Int

    /// Nil unless the line is exactly `@@ -N[,N] +N[,N] @@` followed by anything.
    init?(_ line: UnsafeRawBufferPointer) {
        var i = 4
        guard UnifiedDiffParser.hasPrefix(line, "@@ -"),
            let old = Self.range(line, &i),
            Self.skip(" +", line, &i),
            let new = Self.range(line, &i),
            Self.skip(" @@", line, &i)
        else { return nil }
        if i < line.count, line[i] == DiffByte.space { i += 1 }
        (oldStart, oldCount) = old
        (newStart, newCount) = new
        sectionStart = i
    }

    /// `start[,count]`.
    private static func range(_ line: UnsafeRawBufferPointer, _ i: inout Int) -> (Int, Int)? {
        guard let start = number(line, &i) else { return nil }
        guard i < line.count, line[i] == DiffByte.comma else { return (start, 1) }
        i += 1
        guard let count = number(line, &i) else { return nil }
        return (start, count)
    }

    /// One to twelve decimal digits: no real file has a trillion lines, and the cap keeps
    /// every later `start + offset` far from overflowing.
    private static func number(_ line: UnsafeRawBufferPointer, _ i: inout Int) -> Int? {
        var value = 0
        let first = i
        while i < line.count, line[i] >= 0x30, line[i] <= 0x39 {
            guard i - first < 12 else { return nil }
            value = value * 10 + Int(line[i] - 0x30)
            i += 1
        }
        return i > first ? value : nil
    }

    private static func skip(_ literal: StaticString, _ line: UnsafeRawBufferPointer, _ i: inout Int) -> Bool {
        guard i <= line.count,
            UnifiedDiffParser.hasPrefix(UnsafeRawBufferPointer(rebasing: line[i...]), literal)
        else { return false }
        i += literal.utf8CodeUnitCount
        return true
    }
}
