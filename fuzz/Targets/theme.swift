/// libFuzzer entry point: ThemeFile.parse (see `FuzzChecks.theme`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(FuzzChecks.theme, data, size)
}
