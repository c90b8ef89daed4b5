import CCurl

/// Process-wide libcurl set-up and the words for its error codes.
enum Curl {
    /// `curl_global_init` must run once, before any handle and not concurrently with one;
    /// a `static let` is initialised exactly once, thread-safely, on first use.
    private static let initialised: Bool = tg_curl_global_init_default() == CURLE_OK

    /// Initialises libcurl on first use; throws when it cannot (out of memory, broken TLS library).
    static func ensureInitialised() throws(ClientError) {
        guard initialised else { throw .transport("libcurl failed to initialise") }
    }

    /// True when `code` says the server's TLS certificate was refused: not signed by a CA this
    /// client trusts, made out to another name, or expired. Another try is refused the same way.
    static func refusedCertificate(_ code: CURLcode) -> Bool {
        code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_ISSUER_ERROR
    }

    /// libcurl's short text for `code` ("Couldn't connect to server").
    static func message(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }

    /// libcurl's short text for a multi-interface `code`.
    static func message(_ code: CURLMcode) -> String {
        String(cString: curl_multi_strerror(code))
    }
}
