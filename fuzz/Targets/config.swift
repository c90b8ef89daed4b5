import TollgateCore

/// libFuzzer entry point: TOMLDocument and ConfigReader (see `FuzzChecks.config`), then the server's
/// own readers, `ServerConfiguration.apply` and `TokenRegistry.parse`, compiled in from TollgateServer/Config.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(checkServerConfig, data, size)
}

private func checkServerConfig(_ bytes: [UInt8]) throws(FuzzViolation) {
    try FuzzChecks.config(bytes)
    let text = String(decoding: bytes, as: UTF8.self)
    var configuration = ServerConfiguration(environment: [:])
    do {
        try configuration.apply(fileText: text, file: "server.toml")
    } catch {
        try FuzzChecks.checkSingleLine(error.description, what: "server config error")
    }
    do {
        _ = try TokenRegistry.parse(text, file: "tokens.toml")
    } catch {
        try FuzzChecks.checkSingleLine(error.description, what: "tokens error")
    }
}
