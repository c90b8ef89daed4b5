import TollgateCore

/// The view function: a model and a terminal size in, a frame out. Pure and fast.
///
/// It lays out only what is visible (rows on screen, diff lines in the window), so its cost
/// does not grow with the queue or the diff; the backend then paints only the cells that differ
/// from the previous frame.
public enum ConsoleView {
    public static func view(_ model: ConsoleModel, size: Size) -> Frame {
        var model = model
        model.size = size
        var frame = Frame(size: size)
        let layout = Layout(size, split: model.isSplit)
        let styler = Styler(asciiOnly: model.asciiOnly)
        if size.width == 0 || size.height == 0 { return frame }
        if layout.tooSmall {
            let message = "terminal too small (\(size.width)x\(size.height)); need \(Layout.minimumWidth)x\(Layout.minimumHeight)"
            let glyphs = styler.label(message, .danger).glyphs
            frame.put(TextLayout.fit(glyphs, width: size.width, ellipsis: true, asciiOnly: styler.asciiOnly), x: 0, y: 0, role: .danger)
            return frame
        }
        HeaderView.draw(model, into: &frame, layout: layout, styler: styler)
        switch model.screen {
        case .queue:
            QueueView.draw(model, into: &frame, layout: layout, styler: styler)
            if layout.split { drawSplitDetail(model, into: &frame, layout: layout, styler: styler) }
        case .history:
            HistoryView.draw(model, into: &frame, layout: layout, styler: styler)
            if layout.split { drawSplitDetail(model, into: &frame, layout: layout, styler: styler) }
        case .detail(let state):
            DetailView.draw(
                model, scroll: state.scroll, focused: true, into: &frame,
                x: 0, width: layout.width, layout: layout, styler: styler)
        case .diff(let state):
            DiffView.draw(state, into: &frame, layout: layout, styler: styler)
        case .help(let scroll):
            HelpView.draw(
                scroll: scroll, context: model.screens.dropLast().last.map(context(of:)) ?? .queue,
                into: &frame, layout: layout, styler: styler)
        case .bulk(let state):
            BulkView.draw(state, model: model, into: &frame, layout: layout, styler: styler)
        }
        StatusLineView.draw(model, into: &frame, layout: layout, styler: styler)
        return frame
    }

    private static func drawSplitDetail(_ model: ConsoleModel, into frame: inout Frame, layout: Layout, styler: Styler) {
        let role: ThemeRole = model.focus == .detail ? .borderFocused : .borderUnfocused
        for y in layout.bodyTop..<(layout.bodyTop + layout.bodyHeight) {
            frame.put(label: styler.vertical, x: layout.listWidth, y: y, role: role)
        }
        DetailView.draw(
            model, scroll: model.splitDetailScroll, focused: model.focus == .detail, into: &frame,
            x: layout.detailLeft, width: layout.detailWidth, layout: layout, styler: styler)
    }

    private static func context(of screen: Screen) -> KeyContext {
        switch screen {
        case .queue: .queue
        case .history: .history
        case .detail: .detail
        case .diff: .diff
        case .help: .help
        case .bulk: .bulk
        }
    }
}
