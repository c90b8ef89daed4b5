/// A key press, decoded by the backend from curses input; what `update` dispatches on.
public enum Key: Hashable, Sendable {
    /// A printable character (already free of control characters).
    case char(Character)
    /// Ctrl plus a letter, lower-cased: `.ctrl("c")` is Ctrl-C.
    case ctrl(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, backspace, delete, tab, backTab

    /// How the key is written in the key-hints bar and in help.
    public var label: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "Ctrl-" + c.uppercased()
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Backspace"
        case .delete: "Del"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        }
    }

    /// The label with arrows spelt in ASCII, for terminals that cannot show the glyphs.
    public var asciiLabel: String {
        switch self {
        case .up: "Up"
        case .down: "Down"
        case .left: "Left"
        case .right: "Right"
        default: label
        }
    }
}

/// A mouse event the backend reports when `--mouse` is on.
public enum MouseEvent: Hashable, Sendable {
    case wheelUp, wheelDown
    /// A left click at a cell.
    case click(x: Int, y: Int)
}
