/// libFuzzer entry point: JSONDecoder into Action, ActionRequest and DecisionRequest (see `FuzzChecks.actionJSON`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(FuzzChecks.actionJSON, data, size)
}
