/// Reads the text of `terraform plan` / `terraform show` into a `TerraformPlan`: one pass that
/// removes colour codes, then one that classifies each line by its marker.
enum TerraformPlanText {
    static func parse(_ text: String) -> TerraformPlan {
        var storage = withoutColour(text)
        storage.makeContiguousUTF8()
        var records: [PlanLineRecord] = []
        var resources: [PlanResource] = []
        storage.utf8.withContiguousStorageIfAvailable { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            var lineStart = 0
            var heredoc: Heredoc?
            while lineStart < raw.count {
                let lf = UnifiedDiffParser.find(DiffByte.lf, in: raw, from: lineStart)
                var end = lf
                if end > lineStart, raw[end - 1] == DiffByte.cr { end -= 1 }
                let line = UnsafeRawBufferPointer(rebasing: raw[lineStart..<end])
                var kind = classify(line)
                if let open = heredoc {
                    if open.isEnd(line) {
                        heredoc = nil
                        kind = .context
                    } else if kind == .context {
                        kind = open.kind
                    }
                } else {
                    heredoc = Heredoc(opening: line, kind: kind)
                }
                if kind == .heading, let resource = resource(line, at: records.count) {
                    resources.append(resource)
                }
                let owner = resources.isEmpty ? PlanLineRecord.noResource : Int32(resources.count - 1)
                records.append(PlanLineRecord(kind: kind, start: lineStart, end: end, resource: owner))
                lineStart = lf + 1
            }
        }
        return TerraformPlan(storage: storage, records: records, resources: resources)
    }

    /// `text` as context lines after a heading saying why it is not a JSON plan.
    static func unreadable(_ text: String, because error: TerraformPlanError) -> TerraformPlan {
        var builder = PlanLineBuilder()
        builder.append(.heading, "not a Terraform JSON plan: \(error.message); its text follows")
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            builder.append(.context, line)
        }
        return builder.plan(resources: [])
    }

    // MARK: - Lines

    /// The kind a line's marker gives it, after its indentation.
    static func classify(_ line: UnsafeRawBufferPointer) -> PlanLine.Kind {
        var i = 0
        while i < line.count, line[i] == DiffByte.space { i += 1 }
        let rest = UnsafeRawBufferPointer(rebasing: line[i...])
        if UnifiedDiffParser.hasPrefix(rest, "-/+ ") || UnifiedDiffParser.hasPrefix(rest, "+/- ") { return .replaced }
        if UnifiedDiffParser.hasPrefix(rest, "<= ") { return .read }
        if UnifiedDiffParser.hasPrefix(rest, "# ") { return i <= 2 && !UnifiedDiffParser.hasPrefix(rest, "# (") ? .heading : .context }
        if i == 0, UnifiedDiffParser.hasPrefix(rest, "Plan: ") || UnifiedDiffParser.hasPrefix(rest, "Changes to Outputs:") {
            return .heading
        }
        guard let marker = rest.first, rest.count == 1 || rest[1] == DiffByte.space else { return .context }
        switch marker {
        case DiffByte.plus: return .added
        case DiffByte.minus: return .removed
        case UInt8(ascii: "~"): return .changed
        default: return .context
        }
    }

    /// The resource a heading names (`# ADDRESS will be created`), nil for other headings
    /// (`# aws_instance.a has been changed` reports drift, not a planned change).
    static func resource(_ line: UnsafeRawBufferPointer, at index: Int) -> PlanResource? {
        guard let hash = line.firstIndex(of: UInt8(ascii: "#")) else { return nil }
        let heading = String(decoding: UnsafeRawBufferPointer(rebasing: line[(hash + 2)...]), as: UTF8.self)
        return resource(heading: heading, headingLine: index)
    }

    /// The phrases terraform ends a planned change's heading with, and what each means. The
    /// first of them in the heading splits it into address and phrase.
    private static let phrases: [(phrase: String, action: PlanAction)] = [
        (" will be created", .create),
        (" will be updated in-place", .update),
        (" will be destroyed", .destroy),
        (" must be replaced", .replace),
        (" will be replaced", .replace),
        (" is tainted, so must be replaced", .replace),
        (" will be read during apply", .read),
        (" will no longer be managed by Terraform", .forget),
    ]

    static func resource(heading: String, headingLine: Int) -> PlanResource? {
        var best: (range: Range<String.Index>, action: PlanAction)?
        for (phrase, action) in phrases {
            guard let range = heading.range(of: phrase) else { continue }
            if best.map({ range.lowerBound < $0.range.lowerBound }) ?? true { best = (range, action) }
        }
        guard let best else { return nil }
        var address = heading[..<best.range.lowerBound]
        // `# aws_instance.a (deposed object 1a2b3c) will be destroyed`: the address is before it.
        if let deposed = address.range(of: " (deposed object ") { address = address[..<deposed.lowerBound] }
        guard !address.isEmpty else { return nil }
        return PlanResource(address: String(address), action: best.action, headingLine: headingLine)
    }

    /// A heredoc string (`+ user_data = <<-EOT`) whose lines terraform prints without markers:
    /// they take the kind of the line that opened it, so an added script's lines are added lines.
    struct Heredoc {
        let terminator: [UInt8]
        let kind: PlanLine.Kind

        /// The heredoc `line` opens, if it ends with `<<ID` or `<<-ID`; nil otherwise.
        init?(opening line: UnsafeRawBufferPointer, kind: PlanLine.Kind) {
            guard kind != .heading, let start = Self.lastOpening(in: line) else { return nil }
            var word = Array(line[(start + 2)...])
            if word.first == DiffByte.minus { word.removeFirst() }
            guard !word.isEmpty, word.allSatisfy(TerraformPlanJSON.isNameByte) else { return nil }
            terminator = word
            self.kind = kind == .added || kind == .removed ? kind : .context
        }

        /// True for the line that closes it: the terminator alone after indentation.
        func isEnd(_ line: UnsafeRawBufferPointer) -> Bool {
            Array(line.drop { $0 == DiffByte.space }) == terminator
        }

        /// Where the last `<<` in `line` starts.
        private static func lastOpening(in line: UnsafeRawBufferPointer) -> Int? {
            guard line.count >= 2 else { return nil }
            return stride(from: line.count - 2, through: 0, by: -1).first { line[$0] == UInt8(ascii: "<") && line[$0 + 1] == UInt8(ascii: "<") }
        }
    }

    // MARK: - Colour

    /// `text` without SGR sequences (`ESC [ digits ; : m`), the only ones terraform writes.
    static func withoutColour(_ text: String) -> String {
        let escape: UInt8 = 0x1B
        guard text.utf8.contains(escape) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == escape, i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "[") {
                var j = i + 2
                while j < bytes.count, (bytes[j] &- 0x30 < 10) || bytes[j] == UInt8(ascii: ";") || bytes[j] == UInt8(ascii: ":") { j += 1 }
                if j < bytes.count, bytes[j] == UInt8(ascii: "m") {
                    i = j + 1
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Collects lines into one string and a record per line, for plans built line by line.
struct PlanLineBuilder {
    private(set) var storage = ""
    private(set) var records: [PlanLineRecord] = []
    /// The resource new lines belong to.
    var resource = PlanLineRecord.noResource

    var lineCount: Int { records.count }
    var byteCount: Int { storage.utf8.count }

    mutating func append(_ kind: PlanLine.Kind, _ text: some StringProtocol) {
        if !records.isEmpty { storage.append("\n") }
        let start = storage.utf8.count
        storage.append(contentsOf: text)
        records.append(PlanLineRecord(kind: kind, start: start, end: storage.utf8.count, resource: resource))
    }

    func plan(resources: [PlanResource]) -> TerraformPlan {
        TerraformPlan(storage: storage, records: records, resources: resources)
    }
}
