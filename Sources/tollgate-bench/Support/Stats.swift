/// Summary statistics over samples, by the nearest-rank method (no interpolation, so a
/// percentile is always a value that was actually observed).
struct Samples {
    private(set) var values: [Double] = []

    init(_ values: [Double] = []) { self.values = values }

    mutating func add(_ value: Double) { values.append(value) }

    var count: Int { values.count }
    var isEmpty: Bool { values.isEmpty }

    /// The `p`th percentile (0...100) by nearest rank; nil when there are no samples.
    func percentile(_ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }

    var median: Double? { percentile(50) }
    var max: Double? { values.max() }
    var min: Double? { values.min() }
}
