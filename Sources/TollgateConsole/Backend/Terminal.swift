import CNcurses
import Foundation
import TollgateCore

/// The ncurses screen: paints frames, reads keys. Every curses call in the program is here, and
/// all of them happen on the thread that created the terminal.
///
/// Painting compares each frame with the previous one and writes only the cells that differ,
/// and `refresh()` then sends only what changed on the real screen; the screen is erased only
/// on the first frame and after a resize, never per frame.
final class Terminal {
    /// The locale cannot show UTF-8: text and borders are ASCII-only.
    let asciiOnly: Bool
    private(set) var colorMode: ColorMode
    private let screen: OpaquePointer
    private var previous: Frame?
    private var roleAttributes: [attr_t] = Array(repeating: 0, count: ThemeRole.allCases.count)
    private var rolePairs: [Int16] = Array(repeating: 0, count: ThemeRole.allCases.count)
    private var cursorVisible = false
    /// The terminal accepts -1 for "its own default colour" (`use_default_colors`).
    private var defaultColors = false
    private var ended = false
    private let titleCapable: Bool
    /// The title the console found is on the terminal's title stack, to be put back at the end.
    private var titlePushed = false

    enum ColorMode: Equatable {
        case monochrome
        case colors(Int)
    }

    /// Opens curses on the controlling terminal; nil (with the reason) when there is none.
    static func open(environment: [String: String], mouse: Bool) -> Result<Terminal, TerminalError> {
        setlocale(LC_ALL, "")
        let codeset = String(cString: tg_codeset())
        let asciiOnly = codeset.uppercased().replacingOccurrences(of: "-", with: "") != "UTF8"
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            return .failure(TerminalError("the console needs a terminal on standard input and output"))
        }
        let term = environment["TERM"].flatMap { $0.isEmpty ? nil : $0 } ?? "vt100"
        tg_save_tty()
        guard let screen = newterm(term, tg_stdout(), tg_stdin()) else {
            return .failure(TerminalError("cannot start the terminal (TERM=\(term) unknown to terminfo?)"))
        }
        _ = set_term(screen)
        guard tg_can_address_cursor() != 0 else {
            // Nothing has been drawn yet, so ending here leaves the terminal as it was.
            endwin()
            delscreen(screen)
            return .failure(
                TerminalError(
                    "TERM=\(term) cannot move the cursor, which the full-screen console needs; run it in a terminal "
                        + "such as xterm-256color, or follow the queue line by line with `tollgate watch`"))
        }
        return .success(Terminal(screen: screen, asciiOnly: asciiOnly, environment: environment, term: term, mouse: mouse))
    }

    private init(screen: OpaquePointer, asciiOnly: Bool, environment: [String: String], term: String, mouse: Bool) {
        self.screen = screen
        self.asciiOnly = asciiOnly
        raw()
        noecho()
        nonl()
        keypad(tg_stdscr(), true)
        nodelay(tg_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        let monochrome =
            environment["NO_COLOR"].map { !$0.isEmpty } ?? false
            || term.hasPrefix("vt100") || term.hasPrefix("vt220") || !has_colors()
        if monochrome {
            colorMode = .monochrome
        } else {
            start_color()
            defaultColors = use_default_colors() == OK
            // Fewer than 8 colours cannot tell the roles apart: attributes do it better.
            colorMode = tg_colors() >= 8 ? .colors(Int(tg_colors())) : .monochrome
        }
        if mouse {
            mousemask(tg_mouse_mask(), nil)
            mouseinterval(0)
        }
        titleCapable = ["xterm", "screen", "tmux", "rxvt", "alacritty", "kitty", "foot", "wezterm", "st-"].contains { term.hasPrefix($0) }
        tg_install_crash_restore()
        // Bracketed paste: a paste arrives marked, so its text can never be taken for commands.
        writeRaw("\u{1B}[?2004h")
    }

    deinit { end() }

    /// Restores the terminal; safe to call more than once.
    func end() {
        guard !ended else { return }
        ended = true
        writeRaw("\u{1B}[?2004l")
        if titlePushed { writeRaw(TerminalControl.popTitle) }
        curs_set(1)
        endwin()
        delscreen(screen)
        tg_remove_crash_restore()
    }

    // MARK: - Theme

    /// Turns the theme's roles into colour pairs and attributes for this terminal.
    func apply(_ theme: Theme) {
        let pairs = Int(tg_color_pairs())
        for role in ThemeRole.allCases {
            let style = theme[role]
            switch colorMode {
            case .monochrome:
                roleAttributes[role.index] = attributes(style.monochrome)
                rolePairs[role.index] = 0
            case .colors(let count):
                roleAttributes[role.index] = attributes(style.attributes)
                let pair = role.index + 1
                guard pair < pairs else {
                    roleAttributes[role.index] = attributes(style.monochrome)
                    rolePairs[role.index] = 0
                    continue
                }
                init_pair(
                    Int16(pair), curses(style.foreground.fitted(toColors: count), isBackground: false),
                    curses(style.background.fitted(toColors: count), isBackground: true))
                rolePairs[role.index] = Int16(pair)
            }
        }
        previous = nil
    }

    private func curses(_ color: ThemeColor, isBackground: Bool) -> Int16 {
        switch color {
        case .terminalDefault where defaultColors: -1
        case .terminalDefault: isBackground ? 0 : 7
        case .indexed(let i): Int16(i)
        }
    }

    private func attributes(_ a: ThemeAttributes) -> attr_t {
        var out = tg_a_normal()
        if a.contains(.bold) { out |= tg_a_bold() }
        if a.contains(.dim) { out |= tg_a_dim() }
        if a.contains(.underline) { out |= tg_a_underline() }
        if a.contains(.reverse) { out |= tg_a_reverse() }
        if a.contains(.italic) { out |= tg_a_italic() }
        if a.contains(.standout) { out |= tg_a_standout() }
        return out
    }

    // MARK: - Size and painting

    var size: Size {
        var rows: Int32 = 0, cols: Int32 = 0
        tg_getmaxyx(tg_stdscr(), &rows, &cols)
        return Size(width: Int(cols), height: Int(rows))
    }

    /// Paints `frame`, writing only the cells that differ from the last frame painted.
    func paint(_ frame: Frame) {
        let full = previous.map { $0.width != frame.width || $0.height != frame.height } ?? true
        if full { erase() }
        for y in 0..<frame.height {
            for x in 0..<frame.width {
                let cell = frame[x, y]
                if cell.isContinuation { continue }
                if !full, let previous, previous[x, y] == cell { continue }
                draw(cell, x: x, y: y, wide: x + 1 < frame.width && frame[x + 1, y].isContinuation)
            }
        }
        if let cursor = frame.cursor, cursor.x < frame.width, cursor.y < frame.height {
            if !cursorVisible { curs_set(1); cursorVisible = true }
            move(Int32(cursor.y), Int32(cursor.x))
        } else if cursorVisible {
            curs_set(0)
            cursorVisible = false
        }
        previous = frame
        refresh()
    }

    /// Forgets what is on screen, so the next paint redraws everything (after a resize).
    func invalidate() { previous = nil }

    /// Draws one cell; `wide` says the frame gave it two columns.
    ///
    /// A cell holds one spacing character plus the zero-width marks on it. Clusters of several
    /// pictures (emoji ZWJ sequences, skin tones, flags) are drawn as their first character, and
    /// a space fills the second column when that character is narrower than the frame assumed,
    /// so curses and the terminal always agree on where the next cell starts.
    private func draw(_ cell: Cell, x: Int, y: Int, wide: Bool) {
        let attrs = roleAttributes[cell.role.index], pair = rolePairs[cell.role.index]
        var chars: [wchar_t] = []
        for scalar in cell.text.unicodeScalars {
            let w = wchar_t(bitPattern: scalar.value)
            if !chars.isEmpty && (scalar.value == 0x200D || tg_wcwidth(w) != 0 || chars.count == Int(CCHARW_MAX) - 1) { break }
            chars.append(w)
        }
        guard let first = chars.first else { return }
        chars.append(0)
        var c = cchar_t()
        guard chars.withUnsafeBufferPointer({ setcchar(&c, $0.baseAddress, attrs, pair, nil) }) == OK else { return }
        mvadd_wch(Int32(y), Int32(x), &c)
        if wide && tg_wcwidth(first) < 2 {
            var space = cchar_t()
            var blank: [wchar_t] = [0x20, 0]
            guard blank.withUnsafeMutableBufferPointer({ setcchar(&space, $0.baseAddress, attrs, pair, nil) }) == OK else { return }
            mvadd_wch(Int32(y), Int32(x + 1), &space)
        }
    }

    // MARK: - Input

    /// Every key already waiting, without blocking.
    func readKeys(into decoder: inout KeyDecoder) -> [Message] {
        var messages: [Message] = []
        var value: wint_t = 0
        // Bounded so a flood of input still lets the loop paint now and then.
        for _ in 0..<65_536 {
            let status = get_wch(&value)
            if status == ERR { break }
            if status == tg_key_code_yes() {
                if Int32(value) == tg_key_mouse() {
                    if let event = readMouse() { messages.append(.mouse(event)) }
                } else if Int32(value) == tg_key_resize() {
                    invalidate()
                    messages.append(.resize(size))
                } else if let message = decoder.function(Int32(value)) {
                    messages.append(message)
                }
            } else {
                messages += decoder.character(UInt32(value))
            }
        }
        messages += decoder.flush()
        return messages
    }

    private func readMouse() -> MouseEvent? {
        var event = MEVENT()
        guard getmouse(&event) == OK else { return nil }
        if tg_mouse_is_wheel_up(event.bstate) != 0 { return .wheelUp }
        if tg_mouse_is_wheel_down(event.bstate) != 0 { return .wheelDown }
        if tg_mouse_is_click(event.bstate) != 0 { return .click(x: Int(event.x), y: Int(event.y)) }
        return nil
    }

    // MARK: - Alerts and the title
    //
    // These bytes are written by the UI loop right after a paint, when `refresh()` (doupdate)
    // has sent and flushed everything curses had buffered: they land between two frames, never
    // inside one, and none of them moves the cursor or changes a cell, so curses' idea of the
    // screen stays true. `putp` would buffer them with curses' own output instead, but it
    // expects terminfo capabilities, and an OSC carrying a notification is none.

    /// A bare BEL, through curses (terminfo's `bel`, or a flash where there is none).
    func ringBell() { beep() }

    /// `alert` as a desktop notification (OSC 777 and OSC 9), in tmux's passthrough when
    /// `tmux` (`$TMUX` is set).
    func notify(_ alert: Alert, tmux: Bool) {
        writeRaw(TerminalControl.desktopNotification(alert, asciiOnly: asciiOnly, tmux: tmux))
    }

    /// Sets the window title on terminals known to take one; the first time, saves the title
    /// it replaces, which `end()` restores.
    func setTitle(_ text: String) {
        guard titleCapable else { return }
        if !titlePushed {
            writeRaw(TerminalControl.pushTitle)
            titlePushed = true
        }
        writeRaw(TerminalControl.windowTitle(text, asciiOnly: asciiOnly))
    }

    /// Bytes for the terminal itself, outside curses' screen model (modes, title, notifications).
    private func writeRaw(_ s: String) { writeRaw(Array(s.utf8)) }

    private func writeRaw(_ bytes: [UInt8]) {
        fflush(tg_stdout())
        _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}

/// Why the terminal could not be used.
struct TerminalError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
