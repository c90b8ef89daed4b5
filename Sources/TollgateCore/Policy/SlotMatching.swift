/// The most people that can be seated in slots of several kinds, each person in one slot of a
/// kind they may take: maximum bipartite matching by augmenting paths (Kuhn's algorithm).
///
/// A greedy seating can be wrong: with `security = 1, sre = 1`, seating someone in both groups
/// as security leaves no seat for a security-only colleague who comes next, though seating the
/// first as sre fits both. Augmenting paths reseat earlier people whenever that fits one more.
/// The sizes are a quorum's (at most ten seats), so O(people × seats²) is nothing.
struct SlotMatching {
    /// For each person, the slot kinds they may take (indices into `capacities`).
    let kinds: [[Int]]
    /// How many slots of each kind there are.
    let capacities: [Int]

    /// How many people can be seated at once.
    func maximum() -> Int {
        // Each slot kind expands into `capacity` single seats.
        var seatsOfKind: [[Int]] = []
        var seatCount = 0
        for capacity in capacities {
            seatsOfKind.append(Array(seatCount..<(seatCount + capacity)))
            seatCount += capacity
        }
        var occupant = [Int?](repeating: nil, count: seatCount)
        var seated = 0
        for person in kinds.indices {
            var visited = [Bool](repeating: false, count: seatCount)
            if seat(person, seatsOfKind, &occupant, &visited) { seated += 1 }
            if seated == seatCount { break }
        }
        return seated
    }

    /// Seats `person`, moving earlier people to other seats they may take if need be.
    private func seat(_ person: Int, _ seatsOfKind: [[Int]], _ occupant: inout [Int?], _ visited: inout [Bool]) -> Bool {
        for kind in kinds[person] {
            for s in seatsOfKind[kind] where !visited[s] {
                visited[s] = true
                if let other = occupant[s] {
                    guard seat(other, seatsOfKind, &occupant, &visited) else { continue }
                }
                occupant[s] = person
                return true
            }
        }
        return false
    }
}
