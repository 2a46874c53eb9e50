import CGSL

/// Hands out independent random streams by stable name, all derived from one run seed.
///
/// The stream for a name depends only on `(seed, name)`, so adding a node or a component (a new
/// name) never changes the draws of another stream. Names follow a dotted scheme such as
/// `"pow.mining"` or `"net.latency"`; see docs/ARCHITECTURE.md for the list in use.
///
/// ```swift
/// let streams = RandomStreams(seed: 42)
/// let mining = streams.stream("pow.mining")
/// let wait = mining.exponential(mean: 600)
/// ```
public struct RandomStreams: Sendable {
    /// The run seed every stream derives from.
    public let seed: UInt64

    /// Creates the stream factory of a run.
    public init(seed: UInt64) { self.seed = seed }

    /// A fresh generator for `name`; two calls with the same name give identical sequences.
    public func stream(_ name: String) -> RandomStream {
        RandomStream(seed: StableHash.streamSeed(runSeed: seed, name: name))
    }
}

/// One random stream: a GSL Mersenne Twister (MT19937) and the distributions the models draw.
///
/// GSL's MT19937 takes a 32-bit seed: the 64-bit stream digest is folded to 32 bits, so two
/// names share a sequence with probability 2^-32 per pair (documented in docs/ARCHITECTURE.md).
public final class RandomStream {
    @usableFromInline let rng: UnsafeMutablePointer<gsl_rng>

    /// Creates a stream from a 64-bit seed (normally through `RandomStreams.stream(_:)`).
    public init(seed: UInt64) {
        guard let rng = gsl_rng_alloc(cgsl_rng_mt19937()) else { fatalError("gsl_rng_alloc failed: out of memory") }
        self.rng = rng
        gsl_rng_set(rng, UInt(truncatingIfNeeded: (seed >> 32) ^ (seed & 0xffff_ffff)))
    }

    deinit { gsl_rng_free(rng) }

    /// Uniform on [0, 1).
    @inlinable public func uniform() -> Double { gsl_rng_uniform(rng) }

    /// Uniform on (0, 1): never exactly 0, for logarithms and inverse powers.
    @inlinable public func uniformPositive() -> Double { gsl_rng_uniform_pos(rng) }

    /// Uniform on [low, high).
    @inlinable public func uniform(_ low: Double, _ high: Double) -> Double { gsl_ran_flat(rng, low, high) }

    /// A uniform integer in 0..<bound; `bound` must be in 1...2^32 - 1 (MT19937 draws 32 bits).
    @inlinable public func int(below bound: Int) -> Int {
        precondition(bound > 0 && bound < 1 << 32, "int(below:) bound out of range")
        return Int(gsl_rng_uniform_int(rng, UInt(bound)))
    }

    /// Exponential with the given mean.
    @inlinable public func exponential(mean: Double) -> Double { gsl_ran_exponential(rng, mean) }

    /// Normal (Gaussian) with the given mean and standard deviation (ziggurat method).
    @inlinable public func normal(mean: Double, sd: Double) -> Double { mean + gsl_ran_gaussian_ziggurat(rng, sd) }

    /// Lognormal: exp of a normal with mean `mu` and standard deviation `sigma`.
    @inlinable public func lognormal(mu: Double, sigma: Double) -> Double { gsl_ran_lognormal(rng, mu, sigma) }

    /// Geometric: the number of trials up to and including the first success, each succeeding
    /// with probability `p` (so at least 1).
    @inlinable public func geometric(_ p: Double) -> Int { Int(gsl_ran_geometric(rng, p)) }

    /// Gamma with the given shape and scale 1 (Marsaglia-Tsang, through GSL).
    @inlinable public func gamma(shape: Double) -> Double { gsl_ran_gamma(rng, shape, 1) }

    /// Pareto (type I) with shape `alpha` and scale (minimum) `scale`.
    @inlinable public func pareto(shape alpha: Double, scale: Double) -> Double { gsl_ran_pareto(rng, alpha, scale) }

    /// `count` distinct indices from 0..<population, in increasing order, each subset equally likely.
    /// - Complexity: O(population).
    public func sample(_ count: Int, from population: Int) -> [Int] {
        precondition(count >= 0 && count <= population, "cannot sample \(count) of \(population)")
        guard count > 0 else { return [] }
        var source = Array(0..<population)
        var chosen = [Int](repeating: 0, count: count)
        source.withUnsafeMutableBytes { src in
            chosen.withUnsafeMutableBytes { dst in
                _ = gsl_ran_choose(rng, dst.baseAddress, count, src.baseAddress, population, MemoryLayout<Int>.stride)
            }
        }
        return chosen
    }

    /// Shuffles `values` in place (Fisher-Yates through GSL).
    public func shuffle<T>(_ values: inout [T]) {
        let count = values.count
        guard count > 1 else { return }
        values.withUnsafeMutableBytes { buf in
            gsl_ran_shuffle(rng, buf.baseAddress, count, MemoryLayout<T>.stride)
        }
    }
}

/// Draws indices with probability proportional to fixed weights (GSL's Walker alias table).
///
/// Set up once in O(n); each draw is O(1).
public final class WeightedChoice {
    private let table: UnsafeMutablePointer<gsl_ran_discrete_t>
    /// Number of choices.
    public let count: Int

    /// Prepares a table for `weights`, which must be non-negative, finite, not all zero.
    public init(weights: [Double]) {
        precondition(!weights.isEmpty && weights.allSatisfy { $0 >= 0 && $0.isFinite } && weights.contains { $0 > 0 },
                     "WeightedChoice needs non-negative finite weights, not all zero")
        guard let table = weights.withUnsafeBufferPointer({ gsl_ran_discrete_preproc($0.count, $0.baseAddress) }) else {
            fatalError("gsl_ran_discrete_preproc failed")
        }
        self.table = table
        self.count = weights.count
    }

    deinit { gsl_ran_discrete_free(table) }

    /// One index, drawn from `stream`.
    public func draw(using stream: RandomStream) -> Int {
        Int(gsl_ran_discrete(stream.rng, table))
    }
}
