/// How one role looks: colours and attributes, plus the attributes it falls back to without colour.
public struct RoleStyle: Hashable, Sendable {
    public var foreground: ThemeColor
    public var background: ThemeColor
    public var attributes: ThemeAttributes
    /// What the role shows on a monochrome terminal (or with `NO_COLOR`): attributes only.
    public var monochrome: ThemeAttributes

    public init(
        foreground: ThemeColor = .terminalDefault, background: ThemeColor = .terminalDefault,
        attributes: ThemeAttributes = [], monochrome: ThemeAttributes = []
    ) {
        self.foreground = foreground; self.background = background
        self.attributes = attributes; self.monochrome = monochrome
    }
}

/// A named mapping from every `ThemeRole` to a `RoleStyle`.
///
/// Themes come from TOML files (`ThemeFile.parse`); `Theme.builtIn` is the default dark theme,
/// identical to the shipped `themes/default.toml`, used whenever a theme file cannot be read.
public struct Theme: Hashable, Sendable {
    public var name: String
    public var description: String
    private var styles: [RoleStyle]

    /// A theme where every role not given in `styles` looks like `fallback`'s.
    public init(name: String, description: String, styles: [ThemeRole: RoleStyle], fallback: Theme? = nil) {
        self.name = name
        self.description = description
        self.styles = ThemeRole.allCases.map { styles[$0] ?? fallback?[$0] ?? RoleStyle() }
    }

    public subscript(role: ThemeRole) -> RoleStyle {
        get { styles[role.index] }
        set { styles[role.index] = newValue }
    }
}

// MARK: - The built-in theme

extension Theme {
    /// The default dark theme; `themes/default.toml` is the same theme written as a file.
    public static let builtIn: Theme = {
        func style(_ fg: ThemeColor, _ bg: ThemeColor = .terminalDefault, _ attrs: ThemeAttributes = [], mono: ThemeAttributes = []) -> RoleStyle {
            RoleStyle(foreground: fg, background: bg, attributes: attrs, monochrome: mono)
        }
        // Roles drawn on every queue row (the marker, risk, secondary text) use colours of the
        // basic 16 without attributes: each change of them costs ~5 bytes, where a 256-colour
        // index costs ~11 and an attribute change ~20, and a row painted while scrolling pays
        // every change on it.
        let grey = ThemeColor.indexed(8), bar = ThemeColor.indexed(236)
        return Theme(
            name: "default",
            description: "Dark background, 256 colours; the built-in theme.",
            styles: [
                .body: style(.terminalDefault),
                .header: style(.indexed(15), bar, .bold, mono: [.bold, .reverse]),
                .keyHints: style(.indexed(250), bar, mono: .reverse),
                .selectedFocused: style(.indexed(11), mono: [.bold, .reverse]),
                .selectedUnfocused: style(grey, mono: .bold),
                .borderFocused: style(.indexed(6), mono: .bold),
                .borderUnfocused: style(.indexed(240), mono: .dim),
                .prompt: style(.indexed(15), .indexed(24), .bold, mono: [.bold, .underline]),
                .toastInfo: style(.indexed(0), .indexed(6), mono: .reverse),
                .toastWarn: style(.indexed(0), .indexed(3), .bold, mono: .reverse),
                .toastError: style(.indexed(15), .indexed(1), .bold, mono: [.bold, .reverse]),
                .riskLow: style(.indexed(2)),
                .riskMedium: style(.indexed(3)),
                .riskHigh: style(.indexed(9), mono: .bold),
                .riskCritical: style(.indexed(15), .indexed(1), .bold, mono: [.bold, .reverse]),
                .statusPending: style(.indexed(6)),
                .statusApproved: style(.indexed(2), .terminalDefault, .bold, mono: .bold),
                .statusDenied: style(.indexed(1), .terminalDefault, .bold, mono: .bold),
                .statusExpired: style(grey, mono: .dim),
                .statusCancelled: style(grey, mono: .dim),
                .diffAdded: style(.indexed(2)),
                .diffRemoved: style(.indexed(1)),
                .diffHunk: style(.indexed(6), .terminalDefault, .bold, mono: .bold),
                .diffContext: style(.terminalDefault),
                // Changed words: a background under the line's own hue; reverse without colour.
                .diffRemovedEmphasis: style(.indexed(15), .indexed(88), mono: .reverse),
                .diffAddedEmphasis: style(.indexed(15), .indexed(28), mono: [.bold, .reverse]),
                .danger: style(.indexed(9), .terminalDefault, .bold, mono: [.bold, .underline]),
                .placeholder: style(.indexed(5), mono: .underline),
                .dim: style(grey, mono: .dim),
                .alert: style(.indexed(15), .indexed(5), .bold, mono: [.bold, .reverse]),
            ]
        )
    }()
}
