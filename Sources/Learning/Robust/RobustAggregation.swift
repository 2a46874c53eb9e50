/// Byzantine-robust aggregation (`federation.strategy.robust`): how the server combines the
/// clients' updates when some of them may be malicious.
///
/// A defence sees the updates as deltas from the current global model (one row each, in plan
/// order) and the clients' example counts, and returns the delta to apply and which updates it
/// accepted. Selection rules (Krum, Multi-Krum, Bulyan) reject whole updates; coordinate-wise
/// rules (median, trimmed mean) and clipping use every update and reject none.
public struct RobustAggregation: Sendable, Equatable {
    /// The defences. Adding one: a file with a `RobustAggregator` and a line in `makeAggregator`.
    public enum Kind: String, Sendable, CaseIterable {
        case none
        case krum
        case multiKrum = "multi_krum"
        case median
        case trimmedMean = "trimmed_mean"
        case normClip = "norm_clip"
        case centeredClip = "centered_clip"
        case bulyan
    }

    public var kind: Kind
    /// Attackers the defence is built to withstand (Krum, Multi-Krum, Bulyan).
    public var f: Int
    /// Multi-Krum: updates averaged (0: n - f).
    public var m: Int
    /// Trimmed mean: share of the values cut at each end of every coordinate, 0 <= beta < 0.5.
    public var beta: Double
    /// Norm clip and centered clip: the L2 radius tau.
    public var bound: Double
    /// Centered clip: clipping iterations L.
    public var iterations: Int

    /// Creates settings; by default no defence (the strategy's example-weighted average).
    public init(kind: Kind = .none, f: Int = 0, m: Int = 0, beta: Double = 0.1, bound: Double = 1, iterations: Int = 3) {
        self.kind = kind
        self.f = f
        self.m = m
        self.beta = beta
        self.bound = bound
        self.iterations = iterations
    }

    /// The defence's server side; nil for `none`.
    public func makeAggregator() -> (any RobustAggregator)? {
        switch kind {
        case .none: return nil
        case .krum: return KrumDefence(f: f, m: 1)
        case .multiKrum: return KrumDefence(f: f, m: m)
        case .median: return MedianDefence()
        case .trimmedMean: return TrimmedMeanDefence(beta: beta)
        case .normClip: return NormClipDefence(bound: bound)
        case .centeredClip: return CenteredClipDefence(bound: bound, iterations: iterations)
        case .bulyan: return BulyanDefence(f: f)
        }
    }

    /// Fewest updates the defence needs to tolerate `f` attackers as its paper states: Krum and
    /// Multi-Krum n >= 2f + 3 (Blanchard et al. 2017), Bulyan n >= 4f + 3 (El Mhamdi et al. 2018);
    /// trimmed mean keeps at least one value per coordinate. With fewer (clients dropped out),
    /// a round runs with the largest f the arrivals allow.
    public var minimumUpdates: Int {
        switch kind {
        case .krum, .multiKrum: return 2 * f + 3
        case .bulyan: return 4 * f + 3
        default: return 1
        }
    }
}

/// The updates of one round, one row per client, row-major and contiguous (so distances are
/// one matrix product).
public struct UpdateMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]

    /// A matrix of zeros.
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        values = [Double](repeating: 0, count: rows * columns)
    }

    /// The rows given.
    public init(_ rows: [[Double]]) {
        precondition(!rows.isEmpty && rows.allSatisfy { $0.count == rows[0].count }, "rows of equal length")
        self.rows = rows.count
        columns = rows[0].count
        values = rows.flatMap { $0 }
    }

    /// Each of `models` minus `current`, one row per model.
    public init(deltasOf models: [[Double]], from current: [Double]) {
        self.init(rows: models.count, columns: current.count)
        for (r, model) in models.enumerated() {
            for j in 0..<columns { values[r * columns + j] = model[j] - current[j] }
        }
    }

    /// Scales every row longer than `bound` (L2) down to that length.
    public mutating func clipRows(toNorm bound: Double) {
        let d = columns
        values.withUnsafeMutableBufferPointer { v in
            for r in 0..<rows {
                var norm = 0.0
                for j in 0..<d { norm += v[r * d + j] * v[r * d + j] }
                norm = norm.squareRoot()
                guard norm > bound else { continue }
                let scale = bound / norm
                for j in 0..<d { v[r * d + j] *= scale }
            }
        }
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] { Array(values[(i * columns)..<((i + 1) * columns)]) }
}

/// What a defence decided: the delta to add to the global model and, per update, whether it was used.
public struct RobustOutcome: Sendable, Equatable {
    public var delta: [Double]
    public var accepted: [Bool]
}

/// A Byzantine-robust aggregation rule. A value: state (centered clip's last aggregate) lives in it.
public protocol RobustAggregator: Sendable {
    /// The robust aggregate of `updates` (deltas from the global model) with `weights` (examples,
    /// one per row).
    mutating func aggregate(_ updates: UpdateMatrix, weights: [Double]) -> RobustOutcome
}
