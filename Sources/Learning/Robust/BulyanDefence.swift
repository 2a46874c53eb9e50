/// Bulyan (El Mhamdi, Guerraoui and Rouault, ICML 2018) over Krum: select theta = n - 2f updates
/// by applying Krum repeatedly (each pick leaves the set), then for every coordinate average the
/// beta = theta - 2f selected values closest to their median. Needs n >= 4f + 3.
struct BulyanDefence: RobustAggregator {
    let f: Int

    func aggregate(_ updates: UpdateMatrix, weights: [Double]) -> RobustOutcome {
        let n = updates.rows
        let f = min(self.f, max(0, (n - 3) / 4))
        let distances = RobustMath.squaredDistances(updates)
        var remaining = Array(0..<n), selected: [Int] = []
        while selected.count < n - 2 * f {
            let best = RobustMath.ranked(remaining, by: RobustMath.krumScores(distances, n: n, among: remaining, f: f))[0]
            selected.append(best)
            remaining.removeAll { $0 == best }
        }
        selected.sort()
        let keep = selected.count - 2 * f
        let delta = RobustMath.perCoordinate(updates, rows: selected) { values in
            let median = RobustMath.median(&values)   // sorted now: the closest lie in one window
            var low = 0
            while low + keep < values.count && abs(values[low + keep] - median) < abs(values[low] - median) { low += 1 }
            var sum = 0.0
            for k in low..<(low + keep) { sum += values[k] }
            return sum / Double(keep)
        }
        return RobustOutcome(delta: delta, accepted: RobustMath.acceptance(n, chosen: selected))
    }
}
