#if canImport(Glibc)
import Glibc
#endif

/// A classifier with a flat parameter vector: multinomial logistic regression (no hidden layer)
/// or an MLP with one ReLU hidden layer, softmax output and mean cross-entropy loss. Gradients
/// are analytic (backpropagation); matrix products go through OpenBLAS `dgemm` (`BLAS`).
///
/// Parameter layout, layer by layer: weights (inputs x outputs, row-major), then biases.
public struct DenseModel: Model, Equatable {
    public typealias Scalar = Double

    /// Layer widths from input to output, e.g. [60, 10] or [60, 32, 10].
    public let widths: [Int]

    /// Multinomial logistic regression.
    public static func logisticRegression(inputs: Int, classes: Int) -> DenseModel { DenseModel(widths: [inputs, classes]) }

    /// One hidden ReLU layer of `hidden` units.
    public static func mlp(inputs: Int, hidden: Int, classes: Int) -> DenseModel { DenseModel(widths: [inputs, hidden, classes]) }

    /// Creates a model with the given layer widths (at least input and output).
    public init(widths: [Int]) {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 > 0 }, "a model needs positive input and output widths")
        self.widths = widths
    }

    /// Number of parameters.
    public var parameterCount: Int { zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 } }

    /// Floating-point operations of one example's forward and backward pass (about 3 x 2 x
    /// weights), for compute-time models.
    public var flopsPerExample: Double { 6 * Double(zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 }) }

    /// Initial parameters: zeros for logistic regression (as FedProx), He-scaled normal weights
    /// for hidden layers.
    public func initialParameters(random: any RandomSource) -> [Double] {
        guard widths.count > 2 else { return [Double](repeating: 0, count: parameterCount) }
        var parameters: [Double] = []
        for (inputs, outputs) in zip(widths, widths.dropFirst()) {
            let sd = (2 / Double(inputs)).squareRoot()
            parameters += (0..<(inputs * outputs)).map { _ in random.normal(mean: 0, sd: sd) }
            parameters += [Double](repeating: 0, count: outputs)
        }
        return parameters
    }

    public func makeScratch() -> AnyObject { Workspace() }

    public func loss(_ parameters: UnsafeBufferPointer<Double>, _ data: LabelledData, rows: ArraySlice<Int>,
                     gradient: UnsafeMutableBufferPointer<Double>?, scratch: AnyObject) -> Double {
        loss(parameters, data, rows: rows, gradient: gradient, workspace: unsafeDowncast(scratch, to: Workspace.self))
    }

    public func evaluate(_ parameters: [Double], _ data: LabelledData, scratch: AnyObject) -> (loss: Double, accuracy: Double) {
        evaluate(parameters, data, workspace: unsafeDowncast(scratch, to: Workspace.self))
    }

    /// Mean cross-entropy of `rows` of `data`; when `gradient` is given, the gradient of that
    /// mean is written into it (overwriting).
    public func loss(_ parameters: [Double], _ data: LabelledData, rows: some Collection<Int>,
                     gradient: UnsafeMutableBufferPointer<Double>? = nil, workspace: Workspace) -> Double {
        parameters.withUnsafeBufferPointer { loss($0, data, rows: rows, gradient: gradient, workspace: workspace) }
    }

    private func loss(_ p: UnsafeBufferPointer<Double>, _ data: LabelledData, rows: some Collection<Int>,
                      gradient: UnsafeMutableBufferPointer<Double>?, workspace: Workspace) -> Double {
        precondition(p.count == parameterCount && data.dimension == widths[0] && data.classes == widths.last!)
        let n = rows.count
        guard n > 0 else { return 0 }
        workspace.prepare(widths: widths, rows: n)
        // Gather the batch into the first activation buffer, one row copy each.
        let d = widths[0]
        workspace.activations[0].withUnsafeMutableBufferPointer { x in
            data.features.withUnsafeBufferPointer { f in
                for (r, row) in rows.enumerated() { (x.baseAddress! + r * d).update(from: f.baseAddress! + row * d, count: d) }
            }
        }
        forward(p, workspace, n)
        let loss = softmaxLoss(workspace, labels: data.labels, rows: rows, n)
        if let gradient { backward(p, workspace, n, gradient) }
        return loss
    }

    /// Classes predicted for every row of `data`, and the accuracy against its labels.
    public func evaluate(_ parameters: [Double], _ data: LabelledData, workspace: Workspace) -> (loss: Double, accuracy: Double) {
        guard data.count > 0 else { return (0, 0) }
        var lossSum = 0.0, correct = 0
        let chunk = 512
        for start in stride(from: 0, to: data.count, by: chunk) {
            let rows = start..<min(start + chunk, data.count)
            lossSum += loss(parameters, data, rows: rows, workspace: workspace) * Double(rows.count)
            let c = widths.last!
            let output = workspace.activations[widths.count - 1]
            for (r, row) in rows.enumerated() {
                var best = 0
                for k in 1..<c where output[r * c + k] > output[r * c + best] { best = k }
                if best == Int(data.labels[row]) { correct += 1 }
            }
        }
        return (lossSum / Double(data.count), Double(correct) / Double(data.count))
    }

    // MARK: - Passes

    /// Offsets of each layer's weights and biases in the flat parameter vector.
    private func offsets() -> [(weights: Int, biases: Int)] {
        var result: [(Int, Int)] = []
        var at = 0
        for (inputs, outputs) in zip(widths, widths.dropFirst()) {
            result.append((at, at + inputs * outputs))
            at += inputs * outputs + outputs
        }
        return result
    }

    private func forward(_ p: UnsafeBufferPointer<Double>, _ w: Workspace, _ n: Int) {
        for (l, offset) in offsets().enumerated() {
            let inputs = widths[l], outputs = widths[l + 1]
            w.activations[l].withUnsafeBufferPointer { a in
                w.activations[l + 1].withUnsafeMutableBufferPointer { z in
                    for r in 0..<n { for k in 0..<outputs { z[r * outputs + k] = p[offset.biases + k] } }
                    BLAS.dgemm(m: n, n: outputs, k: inputs, a.baseAddress!, lda: inputs, p.baseAddress! + offset.weights, ldb: outputs,
                               beta: 1, z.baseAddress!, ldc: outputs)
                    if l + 1 < widths.count - 1 { for i in 0..<(n * outputs) where z[i] < 0 { z[i] = 0 } }   // ReLU
                }
            }
        }
    }

    /// Turns the output logits into probabilities in place and returns the mean cross-entropy.
    private func softmaxLoss(_ w: Workspace, labels: [Int32], rows: some Collection<Int>, _ n: Int) -> Double {
        let c = widths.last!
        var loss = 0.0
        w.activations[widths.count - 1].withUnsafeMutableBufferPointer { z in
            for (r, row) in rows.enumerated() {
                var top = -Double.infinity
                for k in 0..<c { top = max(top, z[r * c + k]) }
                var sum = 0.0
                for k in 0..<c { z[r * c + k] = exp(z[r * c + k] - top); sum += z[r * c + k] }
                for k in 0..<c { z[r * c + k] /= sum }
                loss -= log(max(z[r * c + Int(labels[row])], 1e-300))
            }
        }
        w.labelsOfBatch.removeAll(keepingCapacity: true)
        for row in rows { w.labelsOfBatch.append(labels[row]) }
        return loss / Double(n)
    }

    private func backward(_ p: UnsafeBufferPointer<Double>, _ w: Workspace, _ n: Int, _ g: UnsafeMutableBufferPointer<Double>) {
        let layers = widths.count - 1, c = widths.last!
        // delta of the output: (probabilities - one-hot) / n
        w.deltas[layers].withUnsafeMutableBufferPointer { delta in
            w.activations[layers].withUnsafeBufferPointer { prob in
                for i in 0..<(n * c) { delta[i] = prob[i] / Double(n) }
                for r in 0..<n { delta[r * c + Int(w.labelsOfBatch[r])] -= 1 / Double(n) }
            }
        }
        let offsets = offsets()
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let inputs = widths[l], outputs = widths[l + 1], offset = offsets[l]
            w.deltas[l + 1].withUnsafeBufferPointer { delta in
                w.activations[l].withUnsafeBufferPointer { a in
                    // dW = A^T delta; db = column sums of delta.
                    BLAS.dgemm(transposeA: true, m: inputs, n: outputs, k: n, a.baseAddress!, lda: inputs, delta.baseAddress!, ldb: outputs,
                               beta: 0, g.baseAddress! + offset.weights, ldc: outputs)
                    for k in 0..<outputs {
                        var sum = 0.0
                        for r in 0..<n { sum += delta[r * outputs + k] }
                        g[offset.biases + k] = sum
                    }
                    guard l > 0 else { return }
                    // delta of the layer below: (delta W^T) masked by ReLU.
                    w.deltas[l].withUnsafeMutableBufferPointer { below in
                        BLAS.dgemm(transposeB: true, m: n, n: inputs, k: outputs, delta.baseAddress!, lda: outputs,
                                   p.baseAddress! + offset.weights, ldb: outputs, beta: 0, below.baseAddress!, ldc: inputs)
                        for i in 0..<(n * inputs) where a[i] <= 0 { below[i] = 0 }
                    }
                }
            }
        }
    }
}

/// Scratch buffers reused across batches, so training allocates nothing per batch. Not shared
/// between threads.
public final class Workspace {
    var activations: [[Double]] = []
    var deltas: [[Double]] = []
    var labelsOfBatch: [Int32] = []

    /// An empty workspace; buffers grow on first use.
    public init() {}

    func prepare(widths: [Int], rows: Int) {
        if activations.count != widths.count {
            activations = widths.map { _ in [] }
            deltas = widths.map { _ in [] }
        }
        for (i, width) in widths.enumerated() where activations[i].count < rows * width {
            activations[i] = [Double](repeating: 0, count: rows * width)
            deltas[i] = [Double](repeating: 0, count: rows * width)
        }
    }
}
