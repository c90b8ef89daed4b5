/// libFuzzer entry point: the SSE parser in random splits and FeedEvent.decode (see `FuzzChecks.sse`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(FuzzChecks.sse, data, size)
}
