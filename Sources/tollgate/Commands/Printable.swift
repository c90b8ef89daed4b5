import Foundation
import TollgateCore

/// Agent-written text made safe for a terminal line (stderr messages, tables).
enum Printable {
    static func line(_ text: String) -> String {
        TextSanitizer.safeString(String(text.prefix(2_000)), options: SanitizeOptions(asciiOnly: !Locale.utf8Terminal))
            .replacingOccurrences(of: "\n", with: "↵")
    }
}
