import TollgateCore

extension ServerConfiguration {
    /// Refuses a `metrics_listen` that would take the API's own socket, so the mistake is one
    /// line naming the key rather than a bind error from whichever listener came second.
    ///
    /// Checked once the flags are applied (`--listen` overrides the file's `listen`). Port 0
    /// never clashes: each listener gets a port of its own.
    public func checkMetricsAddress() throws(ConfigError) {
        guard let metrics = metricsListen else { return }
        let api = ListenAddress(host: host, port: port)
        guard metrics.port != 0, metrics.port == api.port else { return }
        let wildcards: Set<String> = ["0.0.0.0", "::"]
        guard metrics.host == api.host || wildcards.contains(metrics.host) || wildcards.contains(api.host) else { return }
        throw ConfigError(
            file: configPath ?? "--config", line: 0, key: "metrics_listen",
            message: "\(metrics) is where the API listens (\(api)); the metrics need an address of their own")
    }
}
