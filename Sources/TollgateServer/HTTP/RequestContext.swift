import Hummingbird
import TollgateCore

/// Per-request state: who is calling, once the auth middleware has checked the token.
public struct TollgateRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller; nil until authenticated (and for unauthenticated routes).
    public var caller: TokenEntry?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        caller = nil
    }

    /// Bodies are collected by the handlers themselves, against the configured limit.
    public var maxUploadSize: Int { .max }
}
