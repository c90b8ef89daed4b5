import Foundation
import TollgateCore

/// SSE parse throughput: `SSEParser` over a recorded feed of realistic action events, bytes in
/// to events out, then the same with `FeedEvent.decode`, as the client's feed worker runs them;
/// httpx-sse reads the very same bytes in the Python peer.
enum SSEThroughput {
    static func run(_ context: BenchContext) {
        let count = context.size(100_000, quick: 10_000)
        let passes = context.quick ? 1 : 3
        Log.say("sse: recording \(count) action events")
        let feed = recordedFeed(count: count)
        let megabytes = Double(feed.count) / 1e6
        let chunk = 64 * 1024

        var parseSeconds = Double.infinity
        var parsedEvents = 0
        for _ in 0..<passes {
            let start = BenchClock.now()
            parsedEvents = parse(feed, chunk: chunk)
            parseSeconds = min(parseSeconds, BenchClock.seconds(since: start))
        }
        var decodeSeconds = Double.infinity
        var decoded = 0
        var malformed = 0
        for _ in 0..<passes {
            let start = BenchClock.now()
            (decoded, malformed) = parseAndDecode(feed, chunk: chunk)
            decodeSeconds = min(decodeSeconds, BenchClock.seconds(since: start))
        }
        let parseRate = megabytes / parseSeconds
        let eventsPerSecond = Double(decoded) / decodeSeconds
        let how =
            "\(Format.count(Double(count))) events, \(Format.fixed(Double(feed.count) / Double(count), 0)) B each on average, "
            + "\(Format.fixed(megabytes, 1)) MB in 64 KiB chunks; best of \(passes)"

        var parsePeer = ""
        var decodePeer = ""
        do {
            let peer = try pythonPeer(feed, context: context, repeats: context.quick ? 1 : 2)
            parsePeer = Format.ratio(
                parseRate, megabytes / peer.parseSeconds, peer: "httpx-sse (\(Format.fixed(megabytes / peer.parseSeconds, 1)) MB/s)", higherIsBetter: true)
            let peerRate = Double(peer.events) / peer.decodeSeconds
            decodePeer = Format.ratio(eventsPerSecond, peerRate, peer: "httpx-sse + json.loads (\(Format.count(peerRate)) events/s)", higherIsBetter: true)
        } catch {
            parsePeer = "peer failed: \(Report.oneLine("\(error)"))"
            decodePeer = parsePeer
        }
        let complete = parsedEvents == count && decoded == count && malformed == 0
        context.report.add(
            ResultRow(
                what: "SSE parse throughput", how: "SSEParser.feed, bytes in to events out; " + how,
                figure: "\(Format.fixed(parseRate, 0)) MB/s" + (parsedEvents == count ? "" : " (only \(parsedEvents) events!)"),
                target: "≥ 500 MB/s", verdict: parsedEvents == count && parseRate >= 500 ? .meets : .misses, peer: parsePeer))
        context.report.add(
            ResultRow(
                what: "SSE parse + decode",
                how: "SSEParser + FeedEvent.decode (actions by the single-pass Action reader, as the client's feed worker does) to Action values; " + how,
                figure: "\(Format.count(eventsPerSecond)) events/s" + (complete ? "" : " (\(malformed) malformed!)"),
                target: "≥ 50,000 events/s", verdict: complete && eventsPerSecond >= 50_000 ? .meets : .misses, peer: decodePeer))
    }

    // MARK: - The recorded feed

    /// `count` action events exactly as the server frames them (sorted-key JSON, `id:`, `event:`, `data:`).
    static func recordedFeed(count: Int) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let corpus = Corpus()
        var out: [UInt8] = []
        out.reserveCapacity(count * 1_700)
        out += SSEEncoder.retry(ms: 2_000)
        for i in 0..<count {
            // Encoding a value built in memory cannot fail; a failure here is a bug in the corpus.
            guard let json = try? encoder.encode(corpus.action(i)) else { fatalError("cannot encode corpus action \(i)") }
            out += SSEEncoder.event(id: Int64(i + 1), type: "action", data: String(decoding: json, as: UTF8.self))
        }
        return out
    }

    // MARK: - Ours

    private static func parse(_ feed: [UInt8], chunk: Int) -> Int {
        var parser = SSEParser()
        var events = 0
        feed.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let end = min(offset + chunk, all.count)
                parser.feed(UnsafeRawBufferPointer(rebasing: all[offset..<end])) { _ in events += 1 }
                offset = end
            }
        }
        return events
    }

    private static func parseAndDecode(_ feed: [UInt8], chunk: Int) -> (decoded: Int, malformed: Int) {
        var parser = SSEParser()
        let decoder = JSONDecoder()
        var decoded = 0
        var malformed = 0
        feed.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let end = min(offset + chunk, all.count)
                parser.feed(UnsafeRawBufferPointer(rebasing: all[offset..<end])) { event in
                    do {
                        if case .action = try FeedEvent.decode(event, decoder: decoder) { decoded += 1 }
                    } catch {
                        malformed += 1
                    }
                }
                offset = end
            }
        }
        return (decoded, malformed)
    }

    // MARK: - The peer

    private struct PeerResult: Decodable {
        var bytes: Int
        var events: Int
        var parseSeconds: Double
        var decodeSeconds: Double

        enum CodingKeys: String, CodingKey {
            case bytes, events, parseSeconds = "parse_seconds", decodeSeconds = "decode_seconds"
        }
    }

    private static func pythonPeer(_ feed: [UInt8], context: BenchContext, repeats: Int) throws -> PeerResult {
        let path = try context.folder("sse") + "/feed.sse"
        try Data(feed).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        Log.say("sse: running httpx-sse on the same \(feed.count) bytes")
        let (status, output) = try Command.run(context.python, [context.scripts + "/peer_sse_parse.py", path, String(repeats)])
        guard status == 0, let result = try? JSONDecoder().decode(PeerResult.self, from: Data(output.utf8)) else {
            throw BenchError("peer_sse_parse.py exited \(status): \(output.prefix(200))")
        }
        // The same bytes must give the same events, or the ratio compares different work.
        guard result.bytes == feed.count else { throw BenchError("httpx-sse read \(result.bytes) bytes, expected \(feed.count)") }
        return result
    }
}
