/// A law one value is drawn from (a hash rate, a stake, a fee, a size): clipped to [min, max]
/// where it has bounds (max 0: no upper bound).
public enum ValueLaw: Sendable, Equatable {
    /// Always the value.
    case constant(Double)
    /// Normal(mean, sd), clipped.
    case normal(mean: Double, sd: Double, min: Double, max: Double)
    /// Exponential with `mean`, clipped.
    case exponential(mean: Double, min: Double, max: Double)
    /// Uniform on [min, max].
    case uniform(min: Double, max: Double)

    /// An unclipped exponential.
    public static func exponential(mean: Double) -> ValueLaw { .exponential(mean: mean, min: 0, max: 0) }

    /// One draw from `stream` (a constant draws nothing).
    public func draw(using stream: RandomStream) -> Double {
        switch self {
        case .constant(let value): return value
        case .uniform(let low, let high): return stream.uniform(low, high)
        case .normal(let mean, let sd, let low, let high): return Self.clip(stream.normal(mean: mean, sd: sd), low, high)
        case .exponential(let mean, let low, let high): return Self.clip(stream.exponential(mean: mean), low, high)
        }
    }

    /// The mean before clipping.
    public var mean: Double {
        switch self {
        case .constant(let value): return value
        case .uniform(let low, let high): return (low + high) / 2
        case .normal(let mean, _, _, _), .exponential(let mean, _, _): return mean
        }
    }

    /// The smallest value a draw can take.
    public var lowerBound: Double {
        switch self {
        case .constant(let value): return value
        case .uniform(let low, _), .normal(_, _, let low, _), .exponential(_, let low, _): return low
        }
    }

    /// The largest value a draw can take (infinity when unbounded).
    public var upperBound: Double {
        switch self {
        case .constant(let value): return value
        case .uniform(_, let high): return high
        case .normal(_, _, _, let high), .exponential(_, _, let high): return high > 0 ? high : .infinity
        }
    }

    private static func clip(_ raw: Double, _ low: Double, _ high: Double) -> Double {
        Swift.min(Swift.max(raw, low), high > 0 ? high : .infinity)
    }
}
