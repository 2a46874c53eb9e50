import SimKernel

/// How one message's propagation latency is drawn around a link's mean.
public enum LatencyDistribution: String, Sendable, CaseIterable {
    /// Exactly the mean.
    case constant
    /// Normal around the mean with standard deviation `sdFraction` x mean, truncated at zero.
    case normal
    /// SimBlock's model: Pareto with minimum `mean - 5 ms` and shape `0.2 * mean` (mean in ms).
    case pareto
}

/// Per-message latency: a region-to-region mean (or one fixed mean for every link) and a
/// distribution around it.
public struct LatencyModel: Sendable {
    /// Mean latency per region pair, ms.
    public var table: RegionTable
    /// The distribution around the mean.
    public var distribution: LatencyDistribution
    /// When set, every link has this mean (ms) instead of the table's.
    public var fixedMeanMs: Double?
    /// Standard deviation of the `normal` distribution as a fraction of the mean.
    public var sdFraction: Double

    /// Creates a latency model.
    public init(table: RegionTable, distribution: LatencyDistribution, fixedMeanMs: Double? = nil, sdFraction: Double = 0.1) {
        self.table = table
        self.distribution = distribution
        self.fixedMeanMs = fixedMeanMs
        self.sdFraction = sdFraction
    }

    /// Mean latency between two regions, ms.
    @inlinable public func meanMs(from sender: Int, to receiver: Int) -> Double {
        fixedMeanMs ?? table.meanLatencyMs(from: sender, to: receiver)
    }

    /// One message's latency from a node in region `sender` to one in `receiver`.
    @inlinable
    public func draw(from sender: Int, to receiver: Int, using stream: RandomStream) -> SimDuration {
        let mean = meanMs(from: sender, to: receiver)
        switch distribution {
        case .constant:
            return SimDuration(milliseconds: mean)
        case .normal:
            return SimDuration(milliseconds: stream.normal(mean: mean, sd: sdFraction * mean))
        case .pareto:
            // Shape 0.2*mean keeps the Pareto mean a*x_m/(a-1) close to the table value; for very
            // small means (shape <= 1, infinite mean) fall back to the mean itself.
            let shape = 0.2 * mean
            guard shape > 1, mean > 5 else { return SimDuration(milliseconds: mean) }
            return SimDuration(milliseconds: stream.pareto(shape: shape, scale: mean - 5))
        }
    }
}
