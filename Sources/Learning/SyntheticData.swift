#if canImport(Glibc)
import Glibc
#endif

/// FedProx's synthetic federated data (Li et al., MLSys 2020, section 5.1 and appendix C.1),
/// following the reference generator: 60 features, 10 classes; client k has
/// u_k ~ N(0, alpha), B_k ~ N(0, beta) (standard deviations, as in the reference code),
/// W_k, b_k ~ N(u_k, 1), v_k ~ N(B_k, 1) per feature, x ~ N(v_k, diag(j^-1.2)),
/// y = argmax(W_k^T x + b_k), and floor(lognormal(4, 2)) + 50 examples. The IID variant shares
/// one W, b ~ N(0, 1) and draws x ~ N(0, diag(j^-1.2)) on every client.
public enum SyntheticData {
    /// Features per example.
    public static let dimension = 60
    /// Classes.
    public static let classes = 10

    /// Which generator.
    public enum Kind: Sendable, Equatable {
        /// Synthetic(alpha, beta): alpha controls how much the clients' models differ, beta how
        /// much their features differ.
        case heterogeneous(alpha: Double, beta: Double)
        /// Synthetic-IID.
        case iid
    }

    /// `clients` clients' data, each split 90/10 into train and test.
    public static func generate(_ kind: Kind, clients: Int, random: any RandomSource) -> [ClientData] {
        let d = dimension, c = classes
        let counts = (0..<clients).map { _ in Int(random.lognormal(mu: 4, sigma: 2)) + 50 }
        let sd = (1...d).map { pow(Double($0), -1.2).squareRoot() }
        var meanW = [Double](repeating: 0, count: clients), meanX = [[Double]](repeating: [Double](repeating: 0, count: d), count: clients)
        var sharedW: [Double] = [], sharedB: [Double] = []
        switch kind {
        case .heterogeneous(let alpha, let beta):
            meanW = (0..<clients).map { _ in random.normal(mean: 0, sd: alpha) }
            let b = (0..<clients).map { _ in random.normal(mean: 0, sd: beta) }
            meanX = (0..<clients).map { k in (0..<d).map { _ in random.normal(mean: b[k], sd: 1) } }
        case .iid:
            sharedW = (0..<(d * c)).map { _ in random.normal(mean: 0, sd: 1) }
            sharedB = (0..<c).map { _ in random.normal(mean: 0, sd: 1) }
        }
        return (0..<clients).map { k in
            let w = sharedW.isEmpty ? (0..<(d * c)).map { _ in random.normal(mean: meanW[k], sd: 1) } : sharedW
            let b = sharedB.isEmpty ? (0..<c).map { _ in random.normal(mean: meanW[k], sd: 1) } : sharedB
            var features = [Double](repeating: 0, count: counts[k] * d)
            var labels = [Int32](repeating: 0, count: counts[k])
            for row in 0..<counts[k] {
                for j in 0..<d { features[row * d + j] = random.normal(mean: meanX[k][j], sd: sd[j]) }
                var best = 0, bestScore = -Double.infinity
                for cls in 0..<c {
                    var score = b[cls]
                    for j in 0..<d { score += features[row * d + j] * w[j * c + cls] }   // W is d x c, as x . W
                    if score > bestScore { best = cls; bestScore = score }
                }
                labels[row] = Int32(best)
            }
            return ClientData(splitting: LabelledData(features: features, labels: labels, dimension: d, classes: c), random: random)
        }
    }
}
