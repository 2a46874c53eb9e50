/// Coordinate-wise trimmed mean (Yin et al., ICML 2018): every parameter drops the floor(beta n)
/// largest and smallest values and averages the rest, unweighted.
struct TrimmedMeanDefence: RobustAggregator {
    let beta: Double

    func aggregate(_ updates: UpdateMatrix, weights: [Double]) -> RobustOutcome {
        let n = updates.rows
        let cut = min(Int(beta * Double(n)), (n - 1) / 2)
        let kept = Double(n - 2 * cut)
        let delta = RobustMath.perCoordinate(updates, rows: Array(0..<n)) { values in
            values.sort()
            var sum = 0.0
            for k in cut..<(n - cut) { sum += values[k] }
            return sum / kept
        }
        return RobustOutcome(delta: delta, accepted: RobustMath.acceptance(n))
    }
}
