import CGSL

/// Poisoning by malicious clients (`federation.attack`). Malicious clients train like honest
/// ones (on flipped labels for `label_flip`) and then rewrite what they send. They collude: the
/// statistics ALIE and IPM need come from the honest updates all malicious clients of the round
/// computed (Baruch et al. 2019 and Xie et al. 2020 assume such knowledge).
public struct UpdateAttack: Sendable, Equatable {
    /// The attacks. Adding one: a case, its rewrite in `rewrite`, its config keys.
    public enum Kind: String, Sendable, CaseIterable {
        case none
        /// Data poisoning: malicious clients train with labels `source` -> `target`.
        case labelFlip = "label_flip"
        /// Sends the global model minus `boost` times its update.
        case signFlip = "sign_flip"
        /// Adds N(0, sigma^2) to every parameter of its trained model (Flower's FLANDERS baseline).
        case gaussian
        /// Model replacement (Bagdasaryan et al. 2020): its update times `boost`.
        case scaling
        /// A Little Is Enough (Baruch, Baruch and Goldberg 2019): mean - z sd of the colluders'
        /// honest updates, per coordinate, z from n and f unless given.
        case alie
        /// Inner product manipulation (Xie, Koyejo and Gupta 2020): -epsilon times the mean of the
        /// colluders' honest updates.
        case ipm
    }

    public var kind: Kind
    /// Gaussian: noise sd.
    public var sigma: Double
    /// Sign flip and scaling: the factor (0: the attack's usual one, 1 for sign flip and the
    /// round's number of updates n for scaling, which replaces the FedAvg model outright).
    public var boost: Double
    /// ALIE: z (0: from n and f, Baruch et al.'s z_max).
    public var z: Double
    /// IPM: epsilon.
    public var epsilon: Double
    /// Label flip: the class relabelled (-1: every class c becomes classes - 1 - c).
    public var source: Int
    /// Label flip: the label it gets.
    public var target: Int

    /// Creates an attack; by default none.
    public init(kind: Kind = .none, sigma: Double = 10, boost: Double = 0, z: Double = 0, epsilon: Double = 0.5, source: Int = -1, target: Int = 0) {
        self.kind = kind
        self.sigma = sigma
        self.boost = boost
        self.z = z
        self.epsilon = epsilon
        self.source = source
        self.target = target
    }

    /// Whether the attack changes the malicious clients' training data rather than their updates.
    public var poisonsData: Bool { kind == .labelFlip }

    /// The label a malicious client trains with in place of `label`.
    public func poisonedLabel(_ label: Int, classes: Int) -> Int {
        guard kind == .labelFlip else { return label }
        if source < 0 { return classes - 1 - label }
        return label == source ? target : label
    }

    /// ALIE's z_max for n updates of which f are malicious: s = floor(n/2 + 1) - f honest
    /// updates must be won over, z = Phi^-1((n - s) / n) (Baruch et al. 2019, Algorithm 3).
    public static func alieZ(n: Int, f: Int) -> Double {
        let s = n / 2 + 1 - f
        let p = Double(n - s) / Double(n)
        return p <= 0 ? 0 : p >= 1 ? 0 : gsl_cdf_ugaussian_Pinv(p)
    }

    /// Rewrites the updates of the `malicious` rows of `models` (trained models, in plan order),
    /// given the `global` model they started from. `random` is the attack's named stream.
    public func rewrite(_ models: inout [[Double]], malicious: [Bool], global: [Double], random: any RandomSource) {
        let attackers = malicious.indices.filter { malicious[$0] }
        guard !attackers.isEmpty, kind != .none, kind != .labelFlip else { return }
        let d = global.count
        switch kind {
        case .signFlip, .scaling:
            let magnitude = boost != 0 ? boost : kind == .signFlip ? 1 : Double(malicious.count)
            let factor = kind == .signFlip ? -magnitude : magnitude
            for i in attackers {
                for j in 0..<d { models[i][j] = global[j] + factor * (models[i][j] - global[j]) }
            }
        case .gaussian:
            for i in attackers {
                for j in 0..<d { models[i][j] += random.normal(mean: 0, sd: sigma) }
            }
        case .alie, .ipm:
            // The colluders' honest deltas: their mean and (ALIE) standard deviation per coordinate.
            var mean = [Double](repeating: 0, count: d), spread = [Double](repeating: 0, count: d)
            let count = Double(attackers.count)
            for i in attackers {
                for j in 0..<d { mean[j] += (models[i][j] - global[j]) / count }
            }
            if kind == .alie {
                for i in attackers {
                    for j in 0..<d {
                        let deviation = models[i][j] - global[j] - mean[j]
                        spread[j] += deviation * deviation / count
                    }
                }
            }
            let zValue = z > 0 ? z : Self.alieZ(n: malicious.count, f: attackers.count)
            var forged = global
            for j in 0..<d {
                forged[j] += kind == .alie ? mean[j] - zValue * spread[j].squareRoot() : -epsilon * mean[j]
            }
            for i in attackers { models[i] = forged }
        case .none, .labelFlip:
            break
        }
    }
}
