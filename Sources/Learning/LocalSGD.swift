/// Local training settings: epochs, batch size and the SGD optimiser (PyTorch's `SGD` semantics).
public struct LocalTraining: Sendable, Equatable {
    /// Local epochs E.
    public var epochs: Int
    /// Mini-batch size B.
    public var batchSize: Int
    /// SGD step size.
    public var learningRate: Double
    /// Heavy-ball momentum (0: plain SGD); the velocity starts at the first gradient, as in
    /// PyTorch, and each round's training starts a fresh one (NIID-Bench).
    public var momentum: Double
    /// L2 penalty added to the gradient (weight_decay x parameter).
    public var weightDecay: Double

    /// Creates local training settings.
    public init(epochs: Int, batchSize: Int, learningRate: Double, momentum: Double = 0, weightDecay: Double = 0) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// SGD steps `epochs` epochs over `examples` rows take (the last batch may be short).
    public func steps(epochs: Int, examples: Int) -> Int { epochs * ((examples + batchSize - 1) / batchSize) }
}

/// What one client's local training changes besides the model: the steps it took (FedNova and
/// SCAFFOLD need them).
public struct LocalResult: Sendable, Equatable {
    public var parameters: [Double]
    public var steps: Int
}

/// Mini-batch SGD on one client's data.
public enum LocalSGD {
    /// Runs `epochs` epochs of mini-batch SGD from `start`, reshuffling the rows each epoch with
    /// `random`. Each step adds to the gradient: weight decay, FedProx's proximal term
    /// mu (w - start) when `mu` > 0; momentum then applies; and after the step SCAFFOLD's
    /// `correction` (c - c_i) moves the model by -learning rate x correction (NIID-Bench's order).
    /// - Complexity: O(epochs x rows x model size).
    public static func train<M: Model>(_ model: M, from start: [Double], on data: LabelledData, epochs: Int,
                                       settings: LocalTraining, mu: Double = 0, correction: [Double]? = nil,
                                       random: any RandomSource, scratch: AnyObject) -> LocalResult {
        typealias S = M.Scalar
        var parameters = start.map { S($0) }
        let anchor = parameters
        let correction = correction?.map { S($0) }
        var gradient = [S](repeating: 0, count: parameters.count)
        var velocity = [S](repeating: 0, count: settings.momentum > 0 ? parameters.count : 0)
        let lr = S(settings.learningRate), momentum = S(settings.momentum), decay = S(settings.weightDecay), mu = S(mu)
        var order = Array(0..<data.count)
        var steps = 0
        for _ in 0..<epochs {
            random.shuffle(&order)
            for batchStart in stride(from: 0, to: order.count, by: settings.batchSize) {
                let rows = order[batchStart..<min(batchStart + settings.batchSize, order.count)]
                parameters.withUnsafeBufferPointer { p in
                    gradient.withUnsafeMutableBufferPointer { g in _ = model.loss(p, data, rows: rows, gradient: g, scratch: scratch) }
                }
                parameters.withUnsafeMutableBufferPointer { w in
                    gradient.withUnsafeMutableBufferPointer { g in
                        anchor.withUnsafeBufferPointer { a in
                            velocity.withUnsafeMutableBufferPointer { v in
                                step(w, g, a, v, lr: lr, momentum: momentum, decay: decay, mu: mu, first: steps == 0)
                            }
                        }
                    }
                    if let correction {
                        for i in 0..<w.count { w[i] -= lr * correction[i] }
                    }
                }
                steps += 1
            }
        }
        return LocalResult(parameters: parameters.map { Double($0) }, steps: steps)
    }

    /// One SGD step on every coordinate.
    @inline(__always)
    private static func step<S: BinaryFloatingPoint>(_ w: UnsafeMutableBufferPointer<S>, _ g: UnsafeMutableBufferPointer<S>,
                                                     _ anchor: UnsafeBufferPointer<S>, _ v: UnsafeMutableBufferPointer<S>,
                                                     lr: S, momentum: S, decay: S, mu: S, first: Bool) {
        if decay != 0 { for i in 0..<w.count { g[i] += decay * w[i] } }
        if mu != 0 { for i in 0..<w.count { g[i] += mu * (w[i] - anchor[i]) } }
        if momentum != 0 {
            if first {
                for i in 0..<w.count { v[i] = g[i] }
            } else {
                for i in 0..<w.count { v[i] = momentum * v[i] + g[i] }
            }
            for i in 0..<w.count { w[i] -= lr * v[i] }
        } else {
            for i in 0..<w.count { w[i] -= lr * g[i] }
        }
    }
}
