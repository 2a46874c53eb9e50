/// DP-FedAvg with central noise (McMahan, Ramage, Talwar and Zhang, ICLR 2018, "Learning
/// differentially private recurrent language models"): every client is sampled independently
/// with probability q, each update (model delta) is clipped to L2 norm S, and the server adds
/// N(0, (z S)^2) to their sum and divides by the expected number of clients q N (the fixed
/// denominator of the paper's estimator, which keeps the sensitivity S / (q N)). The
/// `RDPAccountant` then charges one sampled Gaussian mechanism (q, z) per round.
public struct CentralDP: Sendable, Equatable {
    /// Clipping norm S of an update.
    public var clip: Double
    /// Noise multiplier z: the noise sd over S.
    public var noiseMultiplier: Double
    /// Sampling probability q of each client per round.
    public var samplingRate: Double
    /// Clients N the sample is drawn from.
    public var clients: Int

    /// Creates the mechanism.
    public init(clip: Double, noiseMultiplier: Double, samplingRate: Double, clients: Int) {
        precondition(clip > 0 && noiseMultiplier >= 0 && samplingRate > 0 && samplingRate <= 1 && clients > 0)
        self.clip = clip
        self.noiseMultiplier = noiseMultiplier
        self.samplingRate = samplingRate
        self.clients = clients
    }

    /// The new global model: `current` plus the clipped updates' noised sum over q N. `random`
    /// draws the noise (one normal per parameter, in order).
    public func aggregate(_ models: [[Double]], current: [Double], random: any RandomSource) -> [Double] {
        let d = current.count
        var sum = [Double](repeating: 0, count: d)
        for model in models {
            var norm = 0.0
            for j in 0..<d { norm += (model[j] - current[j]) * (model[j] - current[j]) }
            let scale = min(1, clip / max(norm.squareRoot(), .leastNormalMagnitude))
            for j in 0..<d { sum[j] += scale * (model[j] - current[j]) }
        }
        let sd = noiseMultiplier * clip, denominator = samplingRate * Double(clients)
        var next = current
        for j in 0..<d { next[j] += (sum[j] + (sd > 0 ? random.normal(mean: 0, sd: sd) : 0)) / denominator }
        return next
    }
}
