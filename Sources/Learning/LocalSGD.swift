import CGSL

/// Local training settings: FedProx's E, B and learning rate.
public struct LocalTraining: Sendable, Equatable {
    /// Local epochs E.
    public var epochs: Int
    /// Mini-batch size B.
    public var batchSize: Int
    /// SGD step size.
    public var learningRate: Double

    /// Creates local training settings.
    public init(epochs: Int, batchSize: Int, learningRate: Double) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
    }
}

/// Mini-batch SGD on one client's data.
public enum LocalSGD {
    /// Runs `epochs` epochs of mini-batch SGD from `start`, reshuffling the rows each epoch with
    /// `random`. With `mu` > 0 the objective gains FedProx's proximal term mu/2 |w - anchor|^2.
    /// - Complexity: O(epochs x rows x model size).
    public static func train(_ model: DenseModel, from start: [Double], on data: LabelledData, epochs: Int, batchSize: Int,
                             learningRate: Double, mu: Double = 0, anchor: [Double]? = nil, random: any RandomSource,
                             workspace: Workspace) -> [Double] {
        var parameters = start
        let anchor = anchor ?? start
        var gradient = [Double](repeating: 0, count: parameters.count)
        var order = Array(0..<data.count)
        for _ in 0..<epochs {
            random.shuffle(&order)
            for batchStart in stride(from: 0, to: order.count, by: batchSize) {
                let rows = order[batchStart..<min(batchStart + batchSize, order.count)]
                gradient.withUnsafeMutableBufferPointer { g in
                    _ = model.loss(parameters, data, rows: rows, gradient: g, workspace: workspace)
                }
                // w <- w - lr (g + mu (w - anchor)) = (1 - lr mu) w - lr g + lr mu anchor
                let n = Int32(parameters.count)
                if mu != 0 { cblas_dscal(n, 1 - learningRate * mu, &parameters, 1) }
                cblas_daxpy(n, -learningRate, gradient, 1, &parameters, 1)
                if mu != 0 { cblas_daxpy(n, learningRate * mu, anchor, 1, &parameters, 1) }
            }
        }
        return parameters
    }
}
