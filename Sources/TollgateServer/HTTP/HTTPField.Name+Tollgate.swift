import HTTPTypes

/// The header names the protocol adds to HTTP's, spelt once.
extension HTTPField.Name {
    /// `Idempotency-Key`, which makes a submission or a decision safe to retry.
    static let idempotencyKey = Self("Idempotency-Key")!  // a valid literal name (RouteQueryTests)
    /// `Last-Event-ID`, where a feed resumes.
    static let lastEventID = Self("Last-Event-ID")!  // a valid literal name (RouteQueryTests)
    /// `X-Accel-Buffering: no` keeps nginx from buffering the feed.
    static let accelBuffering = Self("X-Accel-Buffering")!  // a valid literal name (RouteQueryTests)
}
