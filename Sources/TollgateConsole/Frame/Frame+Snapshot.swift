import TollgateCore

/// Frames as plain text, for golden-file tests and for reading a screen in a bug report.
extension Frame {
    /// The rows as text, trailing spaces kept so columns line up exactly.
    public var plainText: String {
        var out = ""
        out.reserveCapacity((width + 1) * height)
        for y in 0..<height {
            for x in 0..<width { out += self[x, y].text }
            out += "\n"
        }
        return out
    }

    /// One line per row that has non-body styling: `row: start+count role, ...`.
    ///
    /// Kept beside `plainText` in snapshots, so a change of role (the meaning of a cell's colour)
    /// shows up in review as clearly as a change of text.
    public var styleMarkup: String {
        var out = ""
        for y in 0..<height {
            var runs: [String] = []
            var x = 0
            while x < width {
                let role = self[x, y].role
                var end = x + 1
                while end < width, self[end, y].role == role { end += 1 }
                if role != .body { runs.append("\(x)+\(end - x) \(role.rawValue)") }
                x = end
            }
            if !runs.isEmpty { out += "\(y): " + runs.joined(separator: ", ") + "\n" }
        }
        if let cursor { out += "cursor: \(cursor.x),\(cursor.y)\n" }
        return out
    }
}
