/// Norm clipping (Sun, Kairouz, Suresh and McMahan 2019, "Can you really backdoor federated
/// learning?"): every update is scaled down to L2 norm at most `bound`, then averaged with FedAvg's
/// example weights.
struct NormClipDefence: RobustAggregator {
    let bound: Double

    func aggregate(_ updates: UpdateMatrix, weights: [Double]) -> RobustOutcome {
        var clipped = updates
        let d = updates.columns
        clipped.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<updates.rows {
                var norm = 0.0
                for j in 0..<d { norm += v[r * d + j] * v[r * d + j] }
                norm = norm.squareRoot()
                guard norm > bound else { continue }
                let scale = bound / norm
                for j in 0..<d { v[r * d + j] *= scale }
            }
        }
        let all = Array(0..<updates.rows)
        return RobustOutcome(delta: RobustMath.weightedMean(clipped, rows: all, weights: weights), accepted: RobustMath.acceptance(updates.rows))
    }
}
