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

    /// Distributed DP: the noise sd each of the clients adds to every coordinate of its clipped
    /// update, z S / sqrt(t), so that any t or more shares sum to noise of sd at least z S.
    /// Secure aggregation completes only with at least its threshold t of survivors.
    public func noiseShareSD(survivorsAtLeast t: Int) -> Double { noiseMultiplier * clip / Double(max(1, t)).squareRoot() }

    /// One client's input to distributed DP: its `delta` clipped to L2 norm S, plus
    /// N(0, `shareSD`^2) per coordinate from `random`, in order.
    public func noisedShare(_ delta: [Double], shareSD: Double, random: any RandomSource) -> [Double] {
        var row = UpdateMatrix([delta])
        row.clipRows(toNorm: clip)
        return row.values.map { $0 + (shareSD > 0 ? random.normal(mean: 0, sd: shareSD) : 0) }
    }

    /// The new global model: `current` plus the clipped `deltas`' noised sum over q N. `random`
    /// draws the noise (one normal per parameter, in order).
    public func aggregate(_ deltas: UpdateMatrix, current: [Double], random: any RandomSource) -> [Double] {
        var clipped = deltas
        clipped.clipRows(toNorm: clip)
        let d = current.count
        var sum = [Double](repeating: 0, count: d)
        for r in 0..<clipped.rows {
            for j in 0..<d { sum[j] += clipped.values[r * d + j] }
        }
        let sd = noiseMultiplier * clip, denominator = samplingRate * Double(clients)
        var next = current
        for j in 0..<d { next[j] += (sum[j] + (sd > 0 ? random.normal(mean: 0, sd: sd) : 0)) / denominator }
        return next
    }
}
