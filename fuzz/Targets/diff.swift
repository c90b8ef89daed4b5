/// libFuzzer entry point: UnifiedDiff and its line, hunk and file navigation (see `FuzzChecks.diff`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(FuzzChecks.diff, data, size)
}
