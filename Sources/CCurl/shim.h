#ifndef TOLLGATE_CCURL_SHIM_H
#define TOLLGATE_CCURL_SHIM_H

#include <curl/curl.h>

// Typed entry points into libcurl for Swift, after swift-corelibs-foundation's
// CFURLSessionInterface: Swift cannot call C variadic functions, nor see function-like or
// composite macros, so each option type gets its own non-variadic wrapper here.

// MARK: - Global state

// CURL_GLOBAL_DEFAULT is a composite macro, which Swift does not import.
static inline CURLcode tg_curl_global_init_default(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

// MARK: - curl_easy_setopt (variadic in C)

// For options taking a `long` (timeouts, booleans, enumerations such as CURL_HTTP_VERSION_2TLS).
static inline CURLcode tg_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

// For options taking a `curl_off_t` (CURLOPT_POSTFIELDSIZE_LARGE).
static inline CURLcode tg_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

// For options taking an opaque pointer (CURLOPT_WRITEDATA, CURLOPT_HTTPHEADER, CURLOPT_ERRORBUFFER).
static inline CURLcode tg_curl_easy_setopt_ptr(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

// For options taking a C string, which libcurl copies (CURLOPT_URL, CURLOPT_CAINFO, ...).
static inline CURLcode tg_curl_easy_setopt_str(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_WRITEFUNCTION needs a function pointer, which the `void *` wrapper cannot carry.
static inline CURLcode tg_curl_easy_setopt_write_callback(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

// CURLOPT_XFERINFOFUNCTION needs a function pointer too; it lets a caller abort a transfer in progress.
static inline CURLcode tg_curl_easy_setopt_xferinfo_callback(CURL *handle, curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

// MARK: - curl_easy_getinfo (variadic in C)

// For `long` results (CURLINFO_RESPONSE_CODE).
static inline CURLcode tg_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *out) {
    return curl_easy_getinfo(handle, info, out);
}

// For string results owned by the handle (CURLINFO_CONTENT_TYPE); NULL when absent.
static inline CURLcode tg_curl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **out) {
    return curl_easy_getinfo(handle, info, out);
}

// MARK: - curl_multi_info_read

// CURLMsg keeps the transfer's result in an anonymous union; reading it here keeps Swift
// independent of how the importer names that union.
static inline CURLcode tg_curl_msg_result(const CURLMsg *message) {
    return message->data.result;
}

#endif
