/// libFuzzer entry point: TextSanitizer and TextLayout, asserting terminal-safe output (see `FuzzChecks.sanitizer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(FuzzChecks.sanitizer, data, size)
}
