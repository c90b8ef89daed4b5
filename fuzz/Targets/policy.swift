/// libFuzzer entry point: PolicyFile.parse, evaluation and group seating (see `FuzzChecks.policy`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(FuzzChecks.policy, data, size)
}
