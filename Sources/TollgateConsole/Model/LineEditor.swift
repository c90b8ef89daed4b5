/// A one-line text editor for prompts: insert, backspace, Ctrl-U, left/right, home/end.
///
/// Pastes arrive as thousands of key messages between two frames, so every edit at the end of
/// the line is O(1) amortised, and the length is capped in UTF-8 bytes (a reason is at most
/// 4096 bytes on the wire).
public struct LineEditor: Hashable, Sendable {
    public private(set) var characters: [Character] = []
    /// Insertion point, as an index into `characters`.
    public private(set) var cursor = 0
    public private(set) var byteCount = 0
    public let maxBytes: Int

    public init(_ text: String = "", maxBytes: Int = 4_096) {
        self.maxBytes = maxBytes
        for ch in text { _ = insert(ch) }
    }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    /// Inserts at the cursor; false (and no change) when it would pass the byte cap.
    @discardableResult
    public mutating func insert(_ ch: Character) -> Bool {
        let bytes = ch.utf8.count
        guard byteCount + bytes <= maxBytes else { return false }
        if cursor == characters.count { characters.append(ch) } else { characters.insert(ch, at: cursor) }
        cursor += 1
        byteCount += bytes
        return true
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        cursor -= 1
        byteCount -= characters.remove(at: cursor).utf8.count
    }

    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        byteCount -= characters.remove(at: cursor).utf8.count
    }

    /// Ctrl-U: deletes everything before the cursor.
    public mutating func deleteToStart() {
        for ch in characters[..<cursor] { byteCount -= ch.utf8.count }
        characters.removeFirst(cursor)
        cursor = 0
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    public mutating func moveHome() { cursor = 0 }
    public mutating func moveEnd() { cursor = characters.count }

    public mutating func replace(with text: String) {
        self = LineEditor(text, maxBytes: maxBytes)
    }
}
