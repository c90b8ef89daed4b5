/// When alerts go out: never more than one a second, and a burst as one.
///
/// The first event opens a batch and later ones join it. The batch goes out as one alert once
/// no event has joined it for `settle`, or once it has waited `longest`, whichever is sooner,
/// but never sooner than `interval` after the alert before. So a burst (events less than
/// `settle` apart, as a pipeline's submissions are) is one alert however many it holds, a
/// steady stream is at most one alert a second, and a lone action alerts `settle` after it
/// arrived. Pure: the caller passes the clock, and asks again at `due`.
struct AlertGate {
    static let settle = Duration.milliseconds(500)
    static let longest = Duration.seconds(2)
    static let interval = Duration.seconds(1)

    typealias Instant = ContinuousClock.Instant

    private var batch: Batch?
    private var lastFired: Instant?

    private struct Batch {
        var opened: Instant
        var lastJoined: Instant
        var alert: Alert
    }

    /// Adds `event`, seen at `now`, to the batch being gathered.
    mutating func offer(_ event: AlertEvent, at now: Instant) {
        if var open = batch {
            open.lastJoined = now
            open.alert.add(event)
            batch = open
        } else {
            batch = Batch(opened: now, lastJoined: now, alert: Alert(event))
        }
    }

    /// When the batch being gathered goes out; nil when there is none.
    var due: Instant? {
        guard let batch else { return nil }
        let gathered = min(batch.lastJoined + Self.settle, batch.opened + Self.longest)
        guard let lastFired else { return gathered }
        return max(gathered, lastFired + Self.interval)
    }

    /// The alert to send at `now`, if the batch is due; the gate then starts a new one.
    mutating func take(at now: Instant) -> Alert? {
        guard let due, now >= due, let batch else { return nil }
        self.batch = nil
        lastFired = now
        return batch.alert
    }
}
