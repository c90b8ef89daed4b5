import Foundation
import Glibc
import TollgateCore

/// The machine's ceiling for the feed's fan-out: the simplest writer that can send the server's
/// event bytes to the same subscribers, to tell what two cores allow before any server runs.
///
/// One thread, no HTTP framework, no database: a listening socket on 127.0.0.1 answers each
/// `GET /v1/feed` with the same chunked `text/event-stream` head the server sends, then a loop
/// appends events to one shared byte log and, for every subscriber behind, copies what it has
/// not yet sent (up to 256 KB, the server's largest take) into a chunk of its own and `send`s
/// it on a non-blocking socket, polling only when every socket is full. Publishing is closed
/// loop: new events go out only while the slowest subscriber is less than 256 KB behind, so
/// every event reaches every subscriber and nothing is dropped. The subscribers are the bench's
/// own `FeedSubscribers`, reading and parsing exactly as in the capacity row.
enum FanOutCeiling {
    struct Outcome {
        var subscribers = 0
        var published = 0
        /// `action` events the subscribers parsed, all together (`published` × `subscribers` when none is lost).
        var delivered = 0
        /// From the first event published to the last one read by every subscriber.
        var seconds = 0.0
        /// The average event as framed for the stream (`id:`, `event:`, `data:`), before chunking.
        var eventBytes = 0.0
        /// CPU seconds of the writer's thread, and of the whole bench process (the subscribers'
        /// reading thread is nearly all the rest), over `seconds`.
        var writerCPU = 0.0
        var processCPU = 0.0

        var eventsPerSecond: Double { Double(published) / seconds }
        /// Event bytes sent per second, all subscribers together.
        var gigabytesPerSecond: Double { eventsPerSecond * eventBytes * Double(subscribers) / 1e9 }
    }

    private static let maxBehind = 256 * 1024

    /// One accepted subscriber: how far into the log it has been copied, and its unsent chunk.
    private struct Subscriber {
        let fd: Int32
        var position: Int
        var chunk: [UInt8] = []
        var sent = 0

        var hasUnsent: Bool { sent < chunk.count }
    }

    /// Publishes for `seconds` to `count` subscribers, then waits (at most 10 s) until each has
    /// read every event; every socket is closed before it returns.
    static func run(subscribers count: Int, seconds: Double) throws -> Outcome {
        let (listener, port) = try Socket.listen()
        defer { close(listener) }
        let feed = FeedSubscribers(recordArrivals: false)
        var subscribers: [Subscriber] = []
        var reading = false
        defer {
            if reading { feed.stop() }
            feed.disconnect()
            var scratch = [UInt8](repeating: 0, count: 4096)
            for s in subscribers {
                // The request was never read: drained, the close is a plain FIN rather than a reset.
                while scratch.withUnsafeMutableBytes({ recv(s.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) > 0 {}
                close(s.fd)
            }
        }
        let head = Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        let greeting = chunked(SSEEncoder.retry(ms: 2_000) + SSEEncoder.event(id: 0, type: "sync", data: "{\"seq\":0,\"pending\":0}"))
        for _ in 0..<count {
            // One at a time, as the capacity row connects: the backlog never overflows.
            try feed.connect(port: port, token: "ceiling", count: 1)
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { throw BenchError("ceiling: accept: \(String(cString: strerror(errno)))") }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            subscribers.append(Subscriber(fd: fd, position: 0))
            try Socket.writeAll(fd, head + greeting)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        feed.start()
        reading = true
        guard feed.waitUntilSynced(seconds: 30) else {
            throw BenchError("ceiling: only \(feed.synced) of \(count) subscribers got their sync within 30 s")
        }

        let events = actionEvents()
        var outcome = Outcome()
        outcome.subscribers = count
        var log: [UInt8] = []
        var logStart = 0
        var publishedBytes = 0
        var seq: Int64 = 0
        var pollSet: [pollfd] = []
        let (writerAtStart, processAtStart) = (cpuSeconds(CLOCK_THREAD_CPUTIME_ID), cpuSeconds(CLOCK_PROCESS_CPUTIME_ID))
        let start = BenchClock.now()
        let publishUntil = start + UInt64(seconds * 1e9)
        let giveUpAt = publishUntil + 10_000_000_000
        while BenchClock.now() < giveUpAt {
            let publishing = BenchClock.now() < publishUntil
            var slowest = logStart + log.count
            for s in subscribers { slowest = min(slowest, s.position) }
            if publishing {
                while logStart + log.count - slowest < maxBehind {
                    seq += 1
                    let event = SSEEncoder.event(id: seq, type: "action", data: events[Int(seq) % events.count])
                    publishedBytes += event.count
                    log += event
                }
            } else if slowest == logStart + log.count, !subscribers.contains(where: \.hasUnsent) {
                break
            }
            if slowest - logStart > 4 * maxBehind {
                log.removeFirst(slowest - logStart)
                logStart = slowest
            }
            var progressed = false
            pollSet.removeAll(keepingCapacity: true)
            for i in subscribers.indices {
                if !subscribers[i].hasUnsent, subscribers[i].position < logStart + log.count {
                    let from = subscribers[i].position - logStart
                    let to = min(log.count, from + maxBehind)
                    subscribers[i].chunk = chunked(log[from..<to])
                    subscribers[i].sent = 0
                    subscribers[i].position = logStart + to
                }
                guard subscribers[i].hasUnsent else { continue }
                let (fd, sent) = (subscribers[i].fd, subscribers[i].sent)
                let n = subscribers[i].chunk.withUnsafeBytes { bytes in
                    send(fd, UnsafeRawBufferPointer(rebasing: bytes[sent...]).baseAddress, bytes.count - sent, Int32(MSG_NOSIGNAL))
                }
                if n > 0 {
                    subscribers[i].sent += n
                    progressed = true
                } else if n < 0, errno != EAGAIN, errno != EINTR {
                    throw BenchError("ceiling: send: \(String(cString: strerror(errno)))")
                }
                if subscribers[i].hasUnsent { pollSet.append(pollfd(fd: subscribers[i].fd, events: Int16(POLLOUT), revents: 0)) }
            }
            if !progressed, !pollSet.isEmpty { _ = poll(&pollSet, nfds_t(pollSet.count), 50) }
        }
        outcome.published = Int(seq)
        outcome.eventBytes = Double(publishedBytes) / Double(max(1, outcome.published))
        let expected = outcome.published * count
        while feed.actionEvents < expected, BenchClock.now() < giveUpAt { BenchClock.sleep(nanoseconds: 1_000_000) }
        outcome.seconds = BenchClock.seconds(since: start)
        outcome.writerCPU = cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - writerAtStart
        outcome.processCPU = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - processAtStart
        feed.stop()
        reading = false
        outcome.delivered = feed.actionEvents
        return outcome
    }

    // MARK: - Pieces

    private static func cpuSeconds(_ clock: clockid_t) -> Double {
        var t = timespec()
        clock_gettime(clock, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// `text/event-stream` frames of corpus actions, JSON exactly as the server stores and sends it.
    private static func actionEvents() -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let corpus = Corpus()
        return (0..<2_000).map { i in
            // Encoding a value built in memory cannot fail; a failure here is a bug in the corpus.
            guard let json = try? encoder.encode(corpus.action(i)) else { fatalError("cannot encode corpus action \(i)") }
            return String(decoding: json, as: UTF8.self)
        }
    }

    /// `bytes` as one HTTP/1.1 chunk, as NIO frames each write of a streamed body.
    private static func chunked(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out = Array(String(bytes.count, radix: 16).utf8) + [13, 10]
        out.reserveCapacity(bytes.count + 12)
        out += bytes
        out += [13, 10]
        return out
    }
}
