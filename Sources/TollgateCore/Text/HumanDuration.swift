import Foundation

/// Human durations: 45s, 12m, 3h05m, 2d04h.
public enum HumanDuration {
    public static func short(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86_400 { return String(format: "%dh%02dm", seconds / 3600, seconds % 3600 / 60) }
        return String(format: "%dd%02dh", seconds / 86_400, seconds % 86_400 / 3600)
    }
}
