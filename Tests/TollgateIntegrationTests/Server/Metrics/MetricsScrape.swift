import Foundation

/// A `GET /metrics` of a running server, parsed by the official Python Prometheus client
/// (`prometheus_client.parser`, in the venv `make test` builds), so the tests check what a real
/// scraper reads rather than what a parser of ours would.
struct MetricsScrape {
    /// One sample as the parser reads it.
    struct Sample: Decodable {
        /// The family's name (a counter's without `_total`) and type.
        var family: String
        var type: String
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let samples: [Sample]

    static let python = ".build/prometheus-venv/bin/python"
    /// Written by `make` once pip installed the client (see PROMETHEUS_VENV in the Makefile).
    static let installed = ".build/prometheus-venv/installed"

    /// Reads the exposition on stdin, prints every sample as JSON; any line the parser refuses
    /// fails the script.
    private static let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        samples = [
            {"family": f.name, "type": f.type, "name": s.name, "labels": s.labels, "value": s.value}
            for f in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read())
            for s in f.samples
        ]
        print(json.dumps(samples))
        """

    /// Scrapes `http://127.0.0.1:port/metrics`; `directory` holds the exposition for the parser.
    init(port: Int, in directory: URL) throws {
        let root = try TollgateBinary.packageRoot()
        let python = root.appendingPathComponent(Self.python)
        // Missing is a failure, not a skip: `make test` creates the venv before the tests run.
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent(Self.installed).path) else {
            throw HTTPClientError("no Prometheus client venv at \(python.path); `make test` creates it (make \(Self.installed))")
        }
        let connection = try HTTPConnection(port: port)
        defer { connection.close() }
        let response = try connection.request("GET", "/metrics")
        guard response.status == 200 else { throw HTTPClientError("GET /metrics answered \(response.status): \(response.text)") }
        guard response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true else {
            throw HTTPClientError("GET /metrics is not the Prometheus text format: \(response.header("Content-Type") ?? "no Content-Type")")
        }
        let file = directory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try Data(response.body).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try ChildProcess.run(python, ["-c", Self.script, file.path], in: directory, timeout: 60)
        guard run.status == 0 else { throw HTTPClientError("the Prometheus parser refused the exposition: \(run.stderr.suffix(2000))\n\(response.text)") }
        samples = try JSONDecoder().decode([Sample].self, from: Data(run.stdout.utf8))
    }

    /// The value of sample `name` with exactly `labels`, nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The type the exposition declares for the family `family`.
    func type(of family: String) -> String? {
        samples.first { $0.family == family }?.type
    }
}
