/// libFuzzer entry point: SecretMasker on arbitrary text, asserting that no mask covers anything but token characters and that masking is idempotent (see `FuzzChecks.masker`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(FuzzChecks.masker, data, size)
}
