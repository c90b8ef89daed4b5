import Hummingbird
import TollgateCore

/// Per-request state: who is calling, once the auth middleware has checked the token.
public struct TollgateRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller; nil until authenticated (and for unauthenticated routes).
    public var caller: TokenEntry?
    /// The peer's IP address, which rate-limits failed authentication.
    public let peer: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        caller = nil
        peer = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Bodies are collected by the handlers themselves, against the configured limit.
    public var maxUploadSize: Int { .max }
}
