import TollgateCore

/// Random actions and requests full of hostile text (quotes, backslashes, `/`, every control
/// character, non-ASCII from every plane, extreme integers and times), for tests that hold two
/// ways of writing or reading JSON to each other.
enum GeneratedValues {
    private static let pieces = [
        "", " ", "a", "plain words", "\"", "\\", "/", "//", "\\/", "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\n", "\u{B}",
        "\u{C}", "\r", "\r\n", "\u{1F}", "\u{7F}", "\u{80}", "\u{9F}", "\u{A0}", "\u{2028}", "\u{2029}", "\u{FEFF}",
        "\u{FFFD}", "\u{FFFF}", "\u{10FFFF}", "é", "e\u{301}", "日本語", "😀", "🧑‍💻", "🇪🇺", "</script>", "\u{1B}[2J",
        "\u{202E}", "null", "true", "1e400", "{\"a\":[1]}", "%s%n", "sha256:",
    ]

    static func text(_ random: inout SplitMix64) -> String {
        var out = ""
        for _ in 0..<Int(random.next() % 6) {
            switch random.next() % 4 {
            case 0: out += pieces[Int(random.next() % UInt64(pieces.count))]
            case 1: out += String(repeating: "x", count: Int(random.next() % 40))
            default:
                for _ in 0..<Int(random.next() % 5) { out.unicodeScalars.append(scalar(&random)) }
            }
        }
        return out
    }

    private static func scalar(_ random: inout SplitMix64) -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [0...0x7F, 0...0x1F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
        let range = ranges[Int(random.next() % UInt64(ranges.count))]
        let value = range.lowerBound + UInt32(random.next() % UInt64(range.count))
        return Unicode.Scalar(value) ?? "?"
    }

    static func optionalText(_ random: inout SplitMix64) -> String? {
        random.next() % 3 == 0 ? nil : text(&random)
    }

    static func number(_ random: inout SplitMix64) -> Int {
        switch random.next() % 4 {
        case 0: Int(random.next() % 5)
        case 1: [Int.max, Int.min, -1, 1_000_000_007][Int(random.next() % 4)]
        default: Int(bitPattern: UInt(random.next()))
        }
    }

    static func time(_ random: inout SplitMix64) -> Timestamp {
        Timestamp(milliseconds: Int64(bitPattern: random.next()) % 400_000_000_000_000)
    }

    static func action(_ random: inout SplitMix64) -> Action {
        let decisions = (0..<Int(random.next() % 3)).map { _ in
            Decision(
                approver: text(&random), verdict: random.next() % 2 == 0 ? .approve : .deny, reason: text(&random),
                at: time(&random), digest: text(&random))
        }
        return Action(
            id: text(&random), status: ActionStatus.allCases[Int(random.next() % 5)], createdAt: time(&random), expiresAt: time(&random),
            resolvedAt: random.next() % 2 == 0 ? nil : time(&random),
            requester: Requester(
                id: text(&random), kind: RequesterKind.allCases[Int(random.next() % 3)],
                onBehalfOf: optionalText(&random), session: optionalText(&random)),
            kind: text(&random), summary: text(&random), command: optionalText(&random), resource: optionalText(&random),
            environment: optionalText(&random), risk: Risk.allCases[Int(random.next() % 4)],
            policy: Policy(id: text(&random), reason: text(&random)), justification: optionalText(&random),
            context: (0..<Int(random.next() % 4)).map { _ in ContextEntry(key: text(&random), value: text(&random)) },
            diffs: (0..<Int(random.next() % 3)).map { _ in ActionDiff(title: text(&random), format: text(&random), text: text(&random)) },
            requiredApprovals: number(&random), decisions: decisions, redactions: number(&random), digest: text(&random))
    }

    static func request(_ random: inout SplitMix64) -> ActionRequest {
        ActionRequest(
            kind: text(&random), summary: text(&random), command: optionalText(&random), resource: optionalText(&random),
            environment: optionalText(&random), risk: Risk.allCases[Int(random.next() % 4)],
            policy: random.next() % 3 == 0 ? nil : Policy(id: text(&random), reason: text(&random)), justification: optionalText(&random),
            context: (0..<Int(random.next() % 4)).map { _ in ContextEntry(key: text(&random), value: text(&random)) },
            diffs: (0..<Int(random.next() % 3)).map { _ in ActionDiff(title: text(&random), format: text(&random), text: text(&random)) },
            requiredApprovals: number(&random), ttlSeconds: random.next() % 2 == 0 ? nil : number(&random),
            onBehalfOf: optionalText(&random), session: optionalText(&random))
    }

    static func decision(_ random: inout SplitMix64) -> DecisionRequest {
        DecisionRequest(verdict: random.next() % 2 == 0 ? .approve : .deny, reason: text(&random), digest: text(&random))
    }
}
