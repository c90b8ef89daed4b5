import Foundation

extension TmuxSession {
    /// Waits until the screen satisfies `holds`, and returns that screen; fails with the last
    /// screen when `timeout` passes. For conditions that are more than one piece of text.
    @discardableResult
    func waitForScreen(_ what: String, timeout: Double = 30, _ holds: (String) -> Bool) throws -> String {
        var last = ""
        try eventually(timeout: timeout, what, { "the screen:\n\(last)" }) {
            last = try screen()
            return holds(last)
        }
        return last
    }
}
