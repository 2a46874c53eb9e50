import Foundation

extension SecAggParameters {
    /// The chance that a round among `clients` clients aborts when each client drops at the
    /// upload (MaskedInputCollection) with probability `dropout`, independently.
    ///
    /// The round aborts when fewer than t clients remain, or when some client (one that stayed,
    /// for its self-mask seed, or one that dropped, for its mask key) has fewer than t neighbours
    /// left to reveal its shares. For the complete graph (SecAgg) that is exactly "at most t
    /// clients remain": P(Binomial(n, 1 - dropout) <= t). For a SecAgg+ graph the neighbourhoods
    /// overlap, so the chance is estimated over `trials` draws of who drops, with `uniform`
    /// giving numbers in [0, 1).
    public func abortProbability(clients n: Int, dropout: Double, trials: Int, uniform: () -> Double) -> Double {
        let k = degree(clients: n), t = threshold
        if k == n - 1 { return 1 - Self.binomialAtLeast(t + 1, of: n, probability: 1 - dropout) }
        // Dropouts are independent of the permutation, so the ring order itself serves.
        let graph = NeighbourGraph(harary: k, order: (0..<n).map(Int32.init))
        var aborts = 0
        var alive = [Bool](repeating: true, count: n)
        for _ in 0..<trials {
            for u in 0..<n { alive[u] = uniform() >= dropout }
            let remaining = alive.reduce(0) { $0 + ($1 ? 1 : 0) }
            let shortOfShares = (0..<n).contains { u in
                var left = 0
                graph.forEachNeighbour(of: u) { if alive[$0] { left += 1 } }
                return left < t
            }
            if remaining < t || shortOfShares { aborts += 1 }
        }
        return Double(aborts) / Double(max(trials, 1))
    }

    /// P(X >= t) for X ~ Binomial(k, p), summed in log space.
    public static func binomialAtLeast(_ t: Int, of k: Int, probability p: Double) -> Double {
        guard t > 0 else { return 1 }
        guard t <= k, p > 0 else { return 0 }
        guard p < 1 else { return 1 }
        let logChoose = { (i: Int) in lgamma(Double(k + 1)) - lgamma(Double(i + 1)) - lgamma(Double(k - i + 1)) }
        return min(1, (t...k).reduce(0.0) { $0 + exp(logChoose($1) + Double($1) * log(p) + Double(k - $1) * log1p(-p)) })
    }
}
