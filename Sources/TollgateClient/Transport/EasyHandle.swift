import CCurl

/// Receives a transfer's body bytes, on the thread that drives the transfer.
///
/// libcurl reaches it through `CURLOPT_WRITEDATA` as an unretained pointer; the `EasyHandle`
/// that registered it keeps it alive.
final class BodySink {
    /// Takes the next bytes of the body; returns false to abort the transfer.
    let receive: (UnsafeRawBufferPointer) -> Bool

    init(_ receive: @escaping (UnsafeRawBufferPointer) -> Bool) { self.receive = receive }
}

/// One libcurl easy handle set up for a Tollgate server: URL, bearer token, TLS, timeouts.
///
/// Proxies are left to libcurl, which honours `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`
/// itself. The handle owns everything libcurl points into (header list, error buffer, body
/// sink), so those live exactly as long as the handle. Not thread-safe: one thread drives it.
final class EasyHandle {
    /// The `CURL *`.
    let raw: UnsafeMutableRawPointer
    private let sink: BodySink
    /// Kept alive for libcurl's progress callback, which reaches it through `CURLOPT_XFERINFODATA`.
    private let abort: AbortSignal?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?

    /// A GET, or with `body` a POST of JSON (an empty body is a bare POST), to `url`.
    ///
    /// - Parameters:
    ///   - headers: extra request headers, `Name: value`.
    ///   - timeout: the whole transfer's limit in seconds; nil for none (the feed).
    ///   - abort: when raised, the transfer ends with `CURLE_ABORTED_BY_CALLBACK`.
    init(
        url: String, endpoint: ServerEndpoint, headers: [String], body: [UInt8]?, timeout: Double?, sink: BodySink,
        abort: AbortSignal? = nil
    ) throws(ClientError) {
        try Curl.ensureInitialised()
        guard let raw = curl_easy_init() else { throw .transport("libcurl could not create a handle") }
        self.raw = raw
        self.sink = sink
        self.abort = abort
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))

        if !endpoint.token.isEmpty, let problem = ServerEndpoint.tokenProblem(endpoint.token) {
            throw .transport(problem)
        }
        try set(CURLOPT_URL, url)
        // Only the protocol's own schemes: a config file must not turn a request into file:// reads.
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        // Timeouts must not use SIGALRM: several handles run on several threads at once.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_CONNECTTIMEOUT_MS, 10_000)
        // A year stands for "no limit" from a caller; NaN or infinity would trap in the conversion.
        if let timeout, timeout.isFinite { try set(CURLOPT_TIMEOUT_MS, Int(min(max(timeout, 0.001), 31_536_000) * 1000)) }
        try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        // Firewalls on bastion routes drop idle connections; keepalive probes keep the feed's alive.
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        // Without this, a proxy's "200 Connection established" head would reach the body handling.
        try set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        try set(CURLOPT_USERAGENT, "tollgate")
        try applyTLS(endpoint.tls)

        var lines = headers
        if !endpoint.token.isEmpty { lines.append("Authorization: Bearer \(endpoint.token)") }
        if let body {
            if !body.isEmpty { lines.append("Content-Type: application/json") }
            // Saves a round trip: the server reads small JSON bodies whole.
            lines.append("Expect:")
            try set(CURLOPT_POST, 1)
            try check(tg_curl_easy_setopt_off_t(raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            let rc = body.withUnsafeBytes { bytes in
                // COPYPOSTFIELDS copies the bytes, so the array need not outlive this call.
                bytes.baseAddress.map { tg_curl_easy_setopt_ptr(raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0)) }
                    ?? tg_curl_easy_setopt_str(raw, CURLOPT_COPYPOSTFIELDS, "")
            }
            try check(rc)
        }
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else { throw .transport("out of memory building request headers") }
            headerList = list
        }
        try check(tg_curl_easy_setopt_ptr(raw, CURLOPT_HTTPHEADER, headerList))
        try check(tg_curl_easy_setopt_ptr(raw, CURLOPT_ERRORBUFFER, errorBuffer))
        try check(
            tg_curl_easy_setopt_write_callback(
                raw,
                { data, size, count, context in
                    guard let context else { return 0 }
                    let sink = Unmanaged<BodySink>.fromOpaque(context).takeUnretainedValue()
                    let length = size * count
                    // Returning anything but `length` makes libcurl fail the transfer with CURLE_WRITE_ERROR.
                    return sink.receive(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
                }))
        try check(tg_curl_easy_setopt_ptr(raw, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()))
        if let abort {
            try set(CURLOPT_NOPROGRESS, 0)
            try check(
                tg_curl_easy_setopt_xferinfo_callback(
                    raw,
                    { context, _, _, _, _ in
                        guard let context else { return 0 }
                        // Non-zero makes libcurl end the transfer with CURLE_ABORTED_BY_CALLBACK.
                        return Unmanaged<AbortSignal>.fromOpaque(context).takeUnretainedValue().isRaised ? 1 : 0
                    }))
            try check(tg_curl_easy_setopt_ptr(raw, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(abort).toOpaque()))
        }
    }

    deinit {
        curl_easy_cleanup(raw)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    // MARK: - TLS

    private func applyTLS(_ tls: TLSOptions) throws(ClientError) {
        if let ca = tls.caFile { try set(CURLOPT_CAINFO, ca) }
        if let cert = tls.clientCert { try set(CURLOPT_SSLCERT, cert) }
        if let key = tls.clientKey { try set(CURLOPT_SSLKEY, key) }
        if tls.insecure {
            try set(CURLOPT_SSL_VERIFYPEER, 0)
            try set(CURLOPT_SSL_VERIFYHOST, 0)
        }
    }

    // MARK: - Results

    /// The HTTP status of the response, or 0 before one arrived.
    var responseCode: Int {
        var code = 0
        return tg_curl_easy_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK ? code : 0
    }

    /// The response's `Content-Type`, when it had one.
    var contentType: String? {
        var text: UnsafePointer<CChar>?
        guard tg_curl_easy_getinfo_string(raw, CURLINFO_CONTENT_TYPE, &text) == CURLE_OK, let text else { return nil }
        return String(cString: text)
    }

    /// What went wrong with a failed transfer, in libcurl's most specific words.
    func failure(_ code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? Curl.message(code) : detail
    }

    /// Runs the transfer to completion on this thread (the REST calls).
    func perform() -> CURLcode {
        curl_easy_perform(raw)
    }

    // MARK: - Options

    private func set(_ option: CURLoption, _ value: Int) throws(ClientError) {
        try check(tg_curl_easy_setopt_long(raw, option, value))
    }

    private func set(_ option: CURLoption, _ value: String) throws(ClientError) {
        try check(tg_curl_easy_setopt_str(raw, option, value))
    }

    private func check(_ code: CURLcode) throws(ClientError) {
        guard code == CURLE_OK else { throw .transport("libcurl refused an option: \(Curl.message(code))") }
    }
}
