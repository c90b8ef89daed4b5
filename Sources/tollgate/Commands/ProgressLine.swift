import Foundation
import TollgateCore

/// The one-line progress display on a terminal's stderr.
enum ProgressLine {
    static func show(_ action: Action) {
        let left = max(0, Int(Timestamp.now().seconds(until: action.expiresAt)))
        note(
            "waiting for approval of \(action.id) (\(action.risk.rawValue)): approvals \(ActionText.quorumWords(action)), expires in \(HumanDuration.short(left))"
        )
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[K\(Printable.line(text))".utf8))
    }

    static func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
