import CGSL
import Foundation

/// How Rényi-DP guarantees become an (epsilon, delta) statement.
public enum RDPConversion: String, Sendable, CaseIterable {
    /// Mironov (2017), Proposition 3: epsilon = RDP(alpha) + log(1/delta) / (alpha - 1). What
    /// TensorFlow Privacy's tutorials quote.
    case classic
    /// Canonne, Kamath and Steinke (2020), Proposition 12 (also Asoodeh et al. 2020):
    /// epsilon = RDP(alpha) + log(1 - 1/alpha) - (log delta + log alpha) / (alpha - 1), and
    /// epsilon = 0 when delta already bounds the total-variation distance the KL divergence
    /// allows. Tighter; Google's `dp-accounting` reports this one.
    case improved
}

/// Rényi differential privacy accountant for the Poisson-sampled Gaussian mechanism (Mironov,
/// Talwar and Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism").
///
/// Each step releases a sum of contributions clipped to L2 norm S, with Gaussian noise of standard
/// deviation z S, where every contribution is included independently with probability q. The
/// accountant keeps the RDP of the composition at a fixed set of orders; RDP composes by addition.
public struct RDPAccountant: Sendable, Equatable {
    /// The orders `dp-accounting` uses by default: 1.1 ... 10.9 in steps of 0.1, 11 ... 63, and
    /// 128, 256, 512, 1024.
    public static let defaultOrders: [Double] = {
        let fine: [Double] = (1..<100).map { 1 + Double($0) / 10 }
        let whole: [Double] = (11..<64).map { Double($0) }
        return fine + whole + [128, 256, 512, 1024]
    }()

    /// The Rényi orders alpha (each > 1).
    public let orders: [Double]
    /// The composed RDP at each order.
    public private(set) var rdp: [Double]

    /// An accountant with nothing spent yet.
    public init(orders: [Double] = RDPAccountant.defaultOrders) {
        precondition(!orders.isEmpty && orders.allSatisfy { $0 > 1 }, "RDP orders must exceed 1")
        self.orders = orders
        rdp = [Double](repeating: 0, count: orders.count)
    }

    /// Adds `steps` releases of the sampled Gaussian mechanism with sampling rate `q` and noise
    /// multiplier `z` (noise sd / clipping norm).
    public mutating func compose(samplingRate q: Double, noiseMultiplier z: Double, steps: Int = 1) {
        precondition(steps >= 0)
        for (i, order) in orders.enumerated() {
            rdp[i] += Double(steps) * Self.rdp(samplingRate: q, noiseMultiplier: z, order: order)
        }
    }

    /// The smallest epsilon over the orders for `delta`, and the order that gives it.
    public func epsilon(delta: Double, conversion: RDPConversion = .improved) -> (epsilon: Double, order: Double) {
        precondition(delta > 0 && delta < 1, "delta must lie in (0, 1)")
        var best = (epsilon: Double.infinity, order: orders[0])
        for (order, r) in zip(orders, rdp) {
            let epsilon: Double
            switch conversion {
            case .classic:
                epsilon = r - log(delta) / (order - 1)
            case .improved:
                if r <= 0 || delta * delta + expm1(-r) > 0 {
                    epsilon = 0   // sqrt(1 - exp(-KL)) <= delta: nothing left to pay
                } else {
                    epsilon = r + log1p(-1 / order) - (log(delta) + log(order)) / (order - 1)
                }
            }
            if epsilon < best.epsilon { best = (epsilon, order) }
        }
        return (max(0, best.epsilon), best.order)
    }

    /// RDP at `order` of one release of the sampled Gaussian mechanism: log(A_alpha) / (alpha - 1),
    /// with A_alpha = E_{x ~ N(0, z^2)} [((1 - q) + q N(1, z^2)(x) / N(0, z^2)(x))^alpha].
    public static func rdp(samplingRate q: Double, noiseMultiplier z: Double, order alpha: Double) -> Double {
        precondition(q >= 0 && q <= 1 && z >= 0 && alpha > 1)
        if q == 0 { return 0 }
        if z == 0 { return .infinity }
        if q == 1 { return alpha / (2 * z * z) }
        let logA = alpha == alpha.rounded() ? logAIntegerOrder(q: q, z: z, alpha: Int(alpha)) : logAFractionalOrder(q: q, z: z, alpha: alpha)
        return logA / (alpha - 1)
    }

    /// Integer alpha: the binomial expansion, A = sum_i C(alpha, i) (1-q)^(alpha-i) q^i exp((i^2 - i) / (2 z^2)).
    private static func logAIntegerOrder(q: Double, z: Double, alpha: Int) -> Double {
        var total = LogSum()
        var logBinomial = 0.0   // log C(alpha, i)
        for i in 0...alpha {
            if i > 0 { logBinomial += log(Double(alpha - i + 1)) - log(Double(i)) }
            let d = Double(i)
            total.add(logBinomial + d * log(q) + Double(alpha - i) * log1p(-q) + (d * d - d) / (2 * z * z), sign: 1)
        }
        return total.value
    }

    /// Fractional alpha: the integral split at z0, where (1 - q) N(0) = q N(1), each side a
    /// convergent generalised-binomial series (Mironov, Talwar and Zhang 2019, Section 3.3). Terms
    /// for i > alpha alternate in sign and shrink; the series stops when both fall below e^-30.
    private static func logAFractionalOrder(q: Double, z: Double, alpha: Double) -> Double {
        var below = LogSum(), above = LogSum()
        let z0 = z * z * log(1 / q - 1) + 0.5
        let logQ = log(q), log1mQ = log1p(-q), scale = 1 / (2.0.squareRoot() * z)
        var logBinomial = 0.0, sign = 1.0   // log |C(alpha, i)| and its sign
        var i = 0
        while true {
            if i > 0 {
                let factor = (alpha - Double(i - 1)) / Double(i)
                logBinomial += log(abs(factor))
                if factor < 0 { sign = -sign }
            }
            let j = Double(i), k = alpha - j
            let termBelow = logBinomial + j * logQ + k * log1mQ + (j * j - j) / (2 * z * z) + gsl_sf_log_erfc((j - z0) * scale) - log(2.0)
            let termAbove = logBinomial + k * logQ + j * log1mQ + (k * k - k) / (2 * z * z) + gsl_sf_log_erfc((z0 - k) * scale) - log(2.0)
            below.add(termBelow, sign: sign)
            above.add(termAbove, sign: sign)
            if j > alpha && max(termBelow, termAbove) < -30 { break }
            i += 1
            precondition(i < 1_000_000, "the sampled-Gaussian RDP series did not converge (q \(q), z \(z), order \(alpha))")
        }
        var total = below
        total.add(above)
        return total.value
    }
}

/// A signed sum kept in log space: the positive and the negative parts separately.
private struct LogSum {
    private var positive = -Double.infinity, negative = -Double.infinity

    mutating func add(_ logMagnitude: Double, sign: Double) {
        if sign > 0 { positive = Self.logAdd(positive, logMagnitude) } else { negative = Self.logAdd(negative, logMagnitude) }
    }

    mutating func add(_ other: LogSum) {
        positive = Self.logAdd(positive, other.positive)
        negative = Self.logAdd(negative, other.negative)
    }

    /// log(positive part - negative part); the sums here are always positive.
    var value: Double { negative == -.infinity ? positive : positive + log1p(-exp(negative - positive)) }

    private static func logAdd(_ a: Double, _ b: Double) -> Double {
        let (high, low) = a >= b ? (a, b) : (b, a)
        return high == -.infinity ? high : high + log1p(exp(low - high))
    }
}
