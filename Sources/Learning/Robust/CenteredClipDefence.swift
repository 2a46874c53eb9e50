/// Centered clipping (Karimireddy, He and Jaggi, ICML 2021): starting from the previous round's
/// aggregate v, `iterations` times v <- v + (1/n) sum_i (x_i - v) min(1, tau / ||x_i - v||).
/// Unweighted, as in the paper; the first round starts from zero (the global model unchanged).
struct CenteredClipDefence: RobustAggregator {
    let bound: Double
    let iterations: Int
    private var previous: [Double]? = nil

    init(bound: Double, iterations: Int) {
        self.bound = bound
        self.iterations = iterations
    }

    mutating func aggregate(_ updates: UpdateMatrix, weights: [Double]) -> RobustOutcome {
        let n = updates.rows, d = updates.columns
        var v = previous.flatMap { $0.count == d ? $0 : nil } ?? [Double](repeating: 0, count: d)
        var step = [Double](repeating: 0, count: d)
        updates.values.withUnsafeBufferPointer { x in
            for _ in 0..<iterations {
                for j in 0..<d { step[j] = 0 }
                for r in 0..<n {
                    let row = x.baseAddress! + r * d
                    var norm = 0.0
                    for j in 0..<d { norm += (row[j] - v[j]) * (row[j] - v[j]) }
                    norm = norm.squareRoot()
                    let scale = (norm > bound ? bound / norm : 1) / Double(n)
                    for j in 0..<d { step[j] += scale * (row[j] - v[j]) }
                }
                for j in 0..<d { v[j] += step[j] }
            }
        }
        previous = v
        return RobustOutcome(delta: v, accepted: RobustMath.acceptance(n))
    }
}
