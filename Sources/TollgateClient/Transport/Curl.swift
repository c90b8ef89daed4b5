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

    /// libcurl's short text for `code` ("Couldn't connect to server").
    static func message(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }

    /// libcurl's short text for a multi-interface `code`.
    static func message(_ code: CURLMcode) -> String {
        String(cString: curl_multi_strerror(code))
    }
}
