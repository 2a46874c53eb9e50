#if canImport(Glibc)
import Glibc
#endif

/// Server optimisers on the pseudo-gradient delta = (weighted average of the updates) - x:
/// FedAvgM (Hsu et al. 2019: v = beta v + delta, x += eta v) and Reddi et al. 2021's Algorithm 2,
/// FedAdagrad, FedAdam and FedYogi (m = beta1 m + (1 - beta1) delta; v by the rule below;
/// x += eta m / (sqrt(v) + tau)). Moments start at zero and carry over between rounds.
public struct FedOptServer: ServerStrategy {
    /// The second-moment rule.
    public enum Rule: Sendable {
        /// FedAvgM: heavy-ball momentum, no second moment.
        case momentum
        /// v += delta^2.
        case adagrad
        /// v = beta2 v + (1 - beta2) delta^2.
        case adam
        /// v -= (1 - beta2) delta^2 sign(v - delta^2).
        case yogi
    }

    public let rule: Rule
    public let rate: Double, beta1: Double, beta2: Double, tau: Double
    private var first: [Double]
    private var second: [Double]

    /// Creates the optimiser with zero moments.
    public init(_ rule: Rule, parameterCount: Int, rate: Double, beta1: Double, beta2: Double, tau: Double) {
        self.rule = rule
        self.rate = rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.tau = tau
        first = [Double](repeating: 0, count: parameterCount)
        second = [Double](repeating: 0, count: rule == .momentum ? 0 : parameterCount)
    }

    public mutating func aggregate(_ updates: [ClientUpdate], current: [Double], average: [Double]?) -> [Double] {
        guard let average = average ?? weightedAverage(updates) else { return current }
        var next = current
        for i in current.indices {
            let delta = average[i] - current[i]
            switch rule {
            case .momentum:
                first[i] = beta1 * first[i] + delta
                next[i] += rate * first[i]
                continue
            case .adagrad: second[i] += delta * delta
            case .adam: second[i] = beta2 * second[i] + (1 - beta2) * delta * delta
            case .yogi:
                let square = delta * delta
                second[i] -= (1 - beta2) * square * (second[i] - square).signum
            }
            first[i] = beta1 * first[i] + (1 - beta1) * delta
            next[i] += rate * first[i] / (second[i].squareRoot() + tau)
        }
        return next
    }
}

extension Double {
    /// -1, 0 or 1.
    fileprivate var signum: Double { self > 0 ? 1 : (self < 0 ? -1 : 0) }
}
