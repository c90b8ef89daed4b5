import CNcurses

/// Turns what `get_wch` returns into messages: keys, and bracketed pastes as one message.
///
/// A paste arrives between `ESC [200~` and `ESC [201~`; its text becomes `.paste`, so pasted
/// text can fill a prompt but can never be taken for command keys (an `a` then `y` in a paste
/// must not approve anything). A lone ESC at the end of a read is the Escape key.
struct KeyDecoder {
    private static let pasteStart: [UInt32] = [27, 91, 50, 48, 48, 126]
    private static let pasteEnd: [UInt32] = [27, 91, 50, 48, 49, 126]
    /// Longest paste kept; the rest is dropped (a reason is at most 4 KB anyway).
    static let maxPaste = 65_536

    private var pending: [UInt32] = []
    private var pasting = false
    private var paste: [UInt32] = []
    private var tail: [UInt32] = []

    /// A character code from `get_wch` (status OK).
    mutating func character(_ value: UInt32) -> [Message] {
        if pasting { return pasted(value) }
        if !pending.isEmpty {
            pending.append(value)
            if pending == Self.pasteStart {
                pending = []
                pasting = true
                return []
            }
            if Self.pasteStart.starts(with: pending) { return [] }
            let unresolved = pending
            pending = []
            var out: [Message] = [.key(.escape)]
            for v in unresolved.dropFirst() { out += character(v) }
            return out
        }
        if value == 27 {
            pending = [27]
            return []
        }
        return Self.key(value).map { [.key($0)] } ?? []
    }

    /// A function-key code from `get_wch` (status KEY_CODE_YES), other than resize and mouse.
    mutating func function(_ code: Int32) -> Message? {
        let key: Key? =
            switch code {
            case tg_key_up(): .up
            case tg_key_down(): .down
            case tg_key_left(): .left
            case tg_key_right(): .right
            case tg_key_home(): .home
            case tg_key_end(): .end
            case tg_key_ppage(): .pageUp
            case tg_key_npage(): .pageDown
            case tg_key_enter(): .enter
            case tg_key_backspace(): .backspace
            case tg_key_dc(): .delete
            case tg_key_btab(): .backTab
            default: nil
            }
        return key.map { .key($0) }
    }

    /// The end of one read: an ESC with nothing after it was the Escape key itself.
    mutating func flush() -> [Message] {
        guard !pending.isEmpty, !pasting else { return [] }
        let unresolved = pending
        pending = []
        var out: [Message] = [.key(.escape)]
        for v in unresolved.dropFirst() { out += character(v) }
        return out
    }

    private mutating func pasted(_ value: UInt32) -> [Message] {
        tail.append(value)
        if tail.count > Self.pasteEnd.count { tail.removeFirst() }
        if paste.count < Self.maxPaste + Self.pasteEnd.count { paste.append(value) }
        guard tail == Self.pasteEnd else { return [] }
        pasting = false
        tail = []
        let body = paste.count >= Self.pasteEnd.count ? paste.dropLast(Self.pasteEnd.count) : []
        paste = []
        var text = ""
        for v in body.prefix(Self.maxPaste) {
            guard let scalar = Unicode.Scalar(v) else { continue }
            text.unicodeScalars.append(scalar)
        }
        return [.paste(text)]
    }

    /// A plain character code as a key; nil for controls that mean nothing here.
    static func key(_ value: UInt32) -> Key? {
        switch value {
        case 3: return .ctrl("c")
        case 9: return .tab
        case 10, 13: return .enter
        case 8, 127: return .backspace
        case 1...26:
            return Unicode.Scalar(value + 96).map { .ctrl(Character($0)) }
        case 0..<32, 0x80..<0xA0:
            return nil
        default:
            return Unicode.Scalar(value).map { .char(Character($0)) }
        }
    }
}
