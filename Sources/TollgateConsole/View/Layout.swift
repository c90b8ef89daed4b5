/// Where each part of the screen goes for a terminal size: shared by `view` and by `update`
/// (which needs page sizes to scroll by a page and to keep the selection visible).
struct Layout: Hashable, Sendable {
    /// The split view (list beside detail) starts here, not lower: on narrower terminals a
    /// cursor move must stay a two-cell change, not a repaint of the detail pane.
    static let splitMinimumWidth = 160
    /// Below this the console draws only a "terminal too small" line.
    static let minimumWidth = 20
    static let minimumHeight = 5

    let width: Int
    let height: Int
    let split: Bool

    init(_ size: Size, split: Bool) {
        width = size.width
        height = size.height
        self.split = split && size.width >= Self.splitMinimumWidth
    }

    var tooSmall: Bool { width < Self.minimumWidth || height < Self.minimumHeight }

    // MARK: - Rows

    static let headerRow = 0
    /// The screen body: everything between the header and the status line.
    var bodyTop: Int { 1 }
    var bodyHeight: Int { max(0, height - 3) }
    var statusRow: Int { height - 2 }
    var hintsRow: Int { height - 1 }

    /// Lists have a column-title row, then one row per action.
    var listTop: Int { bodyTop + 1 }
    var listRows: Int { max(0, bodyHeight - 1) }

    // MARK: - Columns

    /// The list's width: all of it, or the left part of the split view.
    var listWidth: Int { split ? max(80, width * 45 / 100) : width }
    /// The detail pane's first column (after a one-column divider in the split view).
    var detailLeft: Int { split ? listWidth + 1 : 0 }
    var detailWidth: Int { split ? width - listWidth - 1 : width }
    /// Detail and diff screens have a title row; their scrolling text starts below it.
    var paneRows: Int { max(0, bodyHeight - 1) }
}
