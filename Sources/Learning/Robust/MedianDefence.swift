/// Coordinate-wise median (Yin, Chen, Ramchandran and Bartlett, ICML 2018): every parameter
/// takes the median of the clients' values, unweighted.
struct MedianDefence: RobustAggregator {
    func aggregate(_ updates: UpdateMatrix, weights: [Double]) -> RobustOutcome {
        RobustOutcome(delta: RobustMath.perCoordinate(updates, rows: Array(0..<updates.rows)) { RobustMath.median(&$0) },
                      accepted: RobustMath.acceptance(updates.rows))
    }
}
