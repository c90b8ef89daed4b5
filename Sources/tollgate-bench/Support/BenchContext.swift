import Foundation

/// What every benchmark needs: sizes for a full or quick run, where things are, the report.
struct BenchContext {
    /// `make bench QUICK=1`: the same measurements with smaller counts, for a sanity check.
    var quick: Bool
    /// The release `tollgate` binary under test.
    var tollgate: String
    /// The virtual environment's python, with httpx-sse, sse-starlette and uvicorn.
    var python: String
    /// bench/, with the Python peers.
    var scripts: String
    /// .build-bench-data/: inputs that are costly to build (the million-action cache), kept across runs.
    var data: String
    /// A fresh folder for this run's servers, sockets and logs, removed at the end.
    var scratch: String
    let report = Report()

    /// `full` normally, `small` for a quick run.
    func size(_ full: Int, quick small: Int) -> Int { quick ? small : full }
    func seconds(_ full: Double, quick small: Double) -> Double { quick ? small : full }

    /// A new folder under the scratch folder.
    func folder(_ name: String) throws -> String {
        let path = scratch + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
