/// Norm clipping (Sun, Kairouz, Suresh and McMahan 2019, "Can you really backdoor federated
/// learning?"): every update is scaled down to L2 norm at most `bound`, then averaged with FedAvg's
/// example weights.
struct NormClipDefence: RobustAggregator {
    let bound: Double

    func aggregate(_ updates: UpdateMatrix, weights: [Double]) -> RobustOutcome {
        var clipped = updates
        clipped.clipRows(toNorm: bound)
        let all = Array(0..<updates.rows)
        return RobustOutcome(delta: RobustMath.weightedMean(clipped, rows: all, weights: weights), accepted: RobustMath.acceptance(updates.rows))
    }
}
