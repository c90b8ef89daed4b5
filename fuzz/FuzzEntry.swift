/// Runs one libFuzzer input through a check and traps on a violation, so libFuzzer saves the input.
enum FuzzEntry {
    static func run(
        _ check: ([UInt8]) throws(FuzzViolation) -> Void, _ data: UnsafePointer<UInt8>?, _ size: Int
    ) -> CInt {
        let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            try check(bytes)
        } catch {
            fatalError("fuzz check failed: \(error)")
        }
        return 0
    }
}
