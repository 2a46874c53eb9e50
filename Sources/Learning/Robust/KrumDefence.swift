/// Krum and Multi-Krum (Blanchard, El Mhamdi, Guerraoui and Stainer, NeurIPS 2017). Each update
/// is scored by the sum of squared distances to its n - f - 2 nearest neighbours; Krum keeps the
/// lowest-scored update, Multi-Krum the m lowest and averages them, weighted by examples as
/// FedAvg does (m = 1 is Krum; m = 0 means n - f). Tolerates f attackers when n >= 2f + 3.
struct KrumDefence: RobustAggregator {
    let f: Int
    let m: Int

    func aggregate(_ updates: UpdateMatrix, weights: [Double]) -> RobustOutcome {
        let n = updates.rows
        let f = min(self.f, max(0, (n - 3) / 2))
        let all = Array(0..<n)
        let distances = RobustMath.squaredDistances(updates)
        let order = RobustMath.ranked(all, by: RobustMath.krumScores(distances, n: n, among: all, f: f))
        let keep = Array(order.prefix(min(n, m == 0 ? n - f : m)))
        return RobustOutcome(delta: RobustMath.weightedMean(updates, rows: keep, weights: weights),
                             accepted: RobustMath.acceptance(n, chosen: keep))
    }
}
