extension Action {
    private static let riskNames = JSONNames<CodingKeys>()

    /// The top-level `risk` of an action's JSON, read without decoding the rest: the members
    /// before it are skipped and nothing is built. For a figure read over many stored actions
    /// at once (the metrics' pending actions by risk), where decoding each whole would cost the
    /// time of every string and diff in it.
    ///
    /// Nil wherever the single-pass reader gives up (`JSONReader`), and for JSON that is not an
    /// object with a valid `risk`; what follows `risk` is not checked.
    public static func risk(json bytes: UnsafeRawBufferPointer) -> Risk? {
        do {
            var reader = try JSONReader(bytes)
            var members = JSONMembers()
            try reader.beginObject()
            while let key = try reader.member(in: riskNames, &members) {
                if key == .risk { return try reader.enumCase(Risk.self) }
                try reader.skipValue()
            }
            return nil
        } catch {
            return nil
        }
    }
}
