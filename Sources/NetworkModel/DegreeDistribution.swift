import SimKernel

/// A distribution of outbound connection counts given as a cumulative distribution over
/// degrees 1, 2, ..., k.
public struct DegreeDistribution: Sendable, Equatable {
    /// `cdf[i]` is P(degree <= i + 1); non-decreasing, ending at 1.
    public let cdf: [Double]

    /// Creates the distribution; `cdf` must be non-decreasing in [0, 1] and end at 1.
    public init(cdf: [Double]) {
        precondition(!cdf.isEmpty && abs(cdf.last! - 1) < 1e-9, "a CDF ends at 1")
        precondition(zip(cdf, cdf.dropFirst()).allSatisfy { $0 <= $1 } && cdf.allSatisfy { $0 >= 0 }, "a CDF is non-decreasing")
        self.cdf = cdf
    }

    /// Probability of each degree 1...k.
    public var probabilities: [Double] { zip(cdf, [0] + cdf.dropLast()).map { $0 - $1 } }

    /// One degree, by inverse transform of a uniform draw.
    public func draw(using stream: RandomStream) -> Int {
        let u = stream.uniform()
        for (i, c) in cdf.enumerated() where u < c { return i + 1 }
        return cdf.count
    }

    /// Bitcoin's outbound degree in 2015 (Miller et al.), as used by SimBlock.
    public static let bitcoin2015 = DegreeDistribution(cdf: [
        0.025, 0.050, 0.075, 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70,
        0.80, 0.85, 0.90, 0.95, 0.97, 0.97, 0.98, 0.99, 0.995, 1.0,
    ])

    /// The built-in distributions by name.
    public static let builtIn: [String: DegreeDistribution] = ["btc-2015": .bitcoin2015]
}
