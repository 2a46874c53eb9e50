#if canImport(Glibc)
import Glibc
#endif

/// Buffers for a `NeuralNetwork`'s passes, grown on first use and reused: training allocates nothing
/// per batch. Not shared between threads.
public final class NetworkScratch {
    /// `values[l]`: the tensors entering layer l (`values[layers]`: the logits); `gradients[l]`
    /// the loss's gradient with respect to them.
    var values: [[Float]] = []
    var gradients: [[Float]] = []
    /// Per convolution: its im2col matrix (reused for the column gradient in the backward pass).
    var columns: [[Float]] = []
    /// Per max pool: the index in its input of each output's maximum.
    var argmax: [[Int32]] = []

    /// An empty scratch; buffers grow on first use.
    public init() {}

    func prepare(_ network: NeuralNetwork, rows: Int) {
        let layers = network.layers.count
        if values.count != layers + 1 {
            values = Array(repeating: [], count: layers + 1)
            gradients = Array(repeating: [], count: layers + 1)
            columns = Array(repeating: [], count: layers)
            argmax = Array(repeating: [], count: layers)
        }
        for (l, shape) in network.shapes.enumerated() where values[l].count < rows * shape.count {
            values[l] = [Float](repeating: 0, count: rows * shape.count)
            gradients[l] = [Float](repeating: 0, count: rows * shape.count)
        }
        for l in 0..<layers {
            let columnCount = network.columnCount(l) * rows
            if columns[l].count < columnCount { columns[l] = [Float](repeating: 0, count: columnCount) }
            if case .maxPool = network.layers[l], argmax[l].count < rows * network.shapes[l + 1].count {
                argmax[l] = [Int32](repeating: 0, count: rows * network.shapes[l + 1].count)
            }
        }
    }

    /// Mean cross-entropy of the logits of `rows`; with `gradient`, the logits' gradients
    /// ((softmax - one-hot) / rows) go into the last gradient buffer.
    func outputLoss(labels: [Int32], rows: ArraySlice<Int>, classes c: Int, gradient: Bool) -> Double {
        let n = rows.count, last = values.count - 1
        var loss = 0.0
        values[last].withUnsafeBufferPointer { z in
            gradients[last].withUnsafeMutableBufferPointer { g in
                for (r, row) in rows.enumerated() {
                    let logits = z.baseAddress! + r * c
                    var top = -Float.infinity
                    for k in 0..<c { top = max(top, logits[k]) }
                    var sum: Float = 0
                    for k in 0..<c { sum += expf(logits[k] - top) }
                    let label = Int(labels[row])
                    loss += Double(logf(sum) - (logits[label] - top))
                    guard gradient else { continue }
                    let scale = 1 / (sum * Float(n))
                    for k in 0..<c { g[r * c + k] = expf(logits[k] - top) * scale }
                    g[r * c + label] -= 1 / Float(n)
                }
            }
        }
        return loss / Double(n)
    }

    /// Rows whose largest logit is their label.
    func correctPredictions(labels: [Int32], rows: ArraySlice<Int>, classes c: Int) -> Int {
        var correct = 0
        values[values.count - 1].withUnsafeBufferPointer { z in
            for (r, row) in rows.enumerated() {
                var best = 0
                for k in 1..<c where z[r * c + k] > z[r * c + best] { best = k }
                if best == Int(labels[row]) { correct += 1 }
            }
        }
        return correct
    }
}

extension NeuralNetwork {
    /// Runs `rows` of `data` through every layer; the logits end in `s.values.last`.
    func forward(_ p: UnsafeBufferPointer<Float>, _ data: LabelledData, rows: ArraySlice<Int>, _ s: NetworkScratch) {
        let n = rows.count
        s.prepare(self, rows: n)
        let d = input.count
        precondition(data.dimension == d, "the data has \(data.dimension) features per example, the network's input \(input) \(d)")
        s.values[0].withUnsafeMutableBufferPointer { x in
            data.features.withUnsafeBufferPointer { f in
                for (r, row) in rows.enumerated() {
                    for i in 0..<d { x[r * d + i] = Float(f[row * d + i]) }
                }
            }
        }
        for l in layers.indices {
            let x = shapes[l], y = shapes[l + 1]
            s.values[l].withUnsafeBufferPointer { input in
                s.values[l + 1].withUnsafeMutableBufferPointer { output in
                    let a = input.baseAddress!, z = output.baseAddress!
                    switch layers[l] {
                    case .conv2d(let filters, let kernel, let padding):
                        let k = kernel * kernel * x.channels, positions = n * y.height * y.width
                        s.columns[l].withUnsafeMutableBufferPointer { col in
                            im2col(a, n: n, x, y, kernel: kernel, pad: padding == .same ? (kernel - 1) / 2 : 0, into: col.baseAddress!)
                            setBiases(z, rows: positions, p.baseAddress! + offsets[l] + filters * k, count: filters)
                            BLAS.sgemm(transposeB: true, m: positions, n: filters, k: k, col.baseAddress!, lda: k,
                                       p.baseAddress! + offsets[l], ldb: k, beta: 1, z, ldc: filters)
                        }
                    case .maxPool(let size):
                        s.argmax[l].withUnsafeMutableBufferPointer { arg in maxPool(a, n: n, x, y, size: size, into: z, argmax: arg.baseAddress!) }
                    case .relu:
                        for i in 0..<(n * x.count) { z[i] = max(a[i], 0) }
                    case .flatten:
                        z.update(from: a, count: n * x.count)
                    case .dense(let units):
                        setBiases(z, rows: n, p.baseAddress! + offsets[l] + units * x.count, count: units)
                        BLAS.sgemm(transposeB: true, m: n, n: units, k: x.count, a, lda: x.count, p.baseAddress! + offsets[l],
                                   ldb: x.count, beta: 1, z, ldc: units)
                    }
                }
            }
        }
    }

    /// Back-propagates the logits' gradients (in `s.gradients.last`) into `g`, the gradient of
    /// every parameter.
    func backward(_ p: UnsafeBufferPointer<Float>, _ n: Int, _ s: NetworkScratch, _ g: UnsafeMutableBufferPointer<Float>) {
        let first = firstTrainable
        for l in layers.indices.reversed() where l >= first {
            let x = shapes[l], y = shapes[l + 1], needsInput = l > first
            s.gradients[l + 1].withUnsafeBufferPointer { outputGradient in
                s.values[l].withUnsafeBufferPointer { input in
                    s.gradients[l].withUnsafeMutableBufferPointer { inputGradient in
                        let dy = outputGradient.baseAddress!, a = input.baseAddress!, dx = inputGradient.baseAddress!
                        switch layers[l] {
                        case .conv2d(let filters, let kernel, let padding):
                            let k = kernel * kernel * x.channels, positions = n * y.height * y.width
                            s.columns[l].withUnsafeMutableBufferPointer { col in
                                BLAS.sgemm(transposeA: true, m: filters, n: k, k: positions, dy, lda: filters, col.baseAddress!, ldb: k,
                                           beta: 0, g.baseAddress! + offsets[l], ldc: k)
                                columnSums(dy, rows: positions, count: filters, into: g.baseAddress! + offsets[l] + filters * k)
                                guard needsInput else { return }
                                // The columns are spent: their gradient overwrites them, then folds back.
                                BLAS.sgemm(m: positions, n: k, k: filters, dy, lda: filters, p.baseAddress! + offsets[l], ldb: k,
                                           beta: 0, col.baseAddress!, ldc: k)
                                col2im(col.baseAddress!, n: n, x, y, kernel: kernel, pad: padding == .same ? (kernel - 1) / 2 : 0, into: dx)
                            }
                        case .maxPool:
                            guard needsInput else { return }
                            dx.update(repeating: 0, count: n * x.count)
                            s.argmax[l].withUnsafeBufferPointer { arg in
                                for i in 0..<(n * y.count) { dx[Int(arg[i])] += dy[i] }
                            }
                        case .relu:
                            guard needsInput else { return }
                            for i in 0..<(n * x.count) { dx[i] = a[i] > 0 ? dy[i] : 0 }
                        case .flatten:
                            guard needsInput else { return }
                            dx.update(from: dy, count: n * x.count)
                        case .dense(let units):
                            BLAS.sgemm(transposeA: true, m: units, n: x.count, k: n, dy, lda: units, a, ldb: x.count,
                                       beta: 0, g.baseAddress! + offsets[l], ldc: x.count)
                            columnSums(dy, rows: n, count: units, into: g.baseAddress! + offsets[l] + units * x.count)
                            guard needsInput else { return }
                            BLAS.sgemm(m: n, n: x.count, k: units, dy, lda: units, p.baseAddress! + offsets[l], ldb: x.count,
                                       beta: 0, dx, ldc: x.count)
                        }
                    }
                }
            }
        }
    }

    // MARK: - Kernels

    /// Every row of `z` (rows x count) set to the biases.
    private func setBiases(_ z: UnsafeMutablePointer<Float>, rows: Int, _ biases: UnsafePointer<Float>, count: Int) {
        for r in 0..<rows { (z + r * count).update(from: biases, count: count) }
    }

    /// The sums of each column of `m` (rows x count), summed row by row.
    private func columnSums(_ m: UnsafePointer<Float>, rows: Int, count: Int, into sums: UnsafeMutablePointer<Float>) {
        sums.update(repeating: 0, count: count)
        for r in 0..<rows {
            let row = m + r * count
            for j in 0..<count { sums[j] += row[j] }
        }
    }

    /// One row per output position (example, y, x), one column per kernel tap (ky, kx, channel):
    /// the input under the kernel, zero outside the image. Each kernel row is one contiguous
    /// span of the input (kernel x channels values), copied at once.
    private func im2col(_ a: UnsafePointer<Float>, n: Int, _ x: TensorShape, _ y: TensorShape, kernel: Int, pad: Int,
                        into col: UnsafeMutablePointer<Float>) {
        let c = x.channels, span = kernel * c, rowLength = kernel * span
        var out = col
        for b in 0..<n {
            let image = a + b * x.count
            for oy in 0..<y.height {
                for ox in 0..<y.width {
                    let left = ox - pad, skipLeft = max(0, -left), skipRight = max(0, left + kernel - x.width)
                    for ky in 0..<kernel {
                        let iy = oy + ky - pad
                        let dest = out + ky * span
                        guard iy >= 0 && iy < x.height else {
                            for i in 0..<span { dest[i] = 0 }
                            continue
                        }
                        for i in 0..<(skipLeft * c) { dest[i] = 0 }
                        let source = image + (iy * x.width + left) * c
                        for i in (skipLeft * c)..<((kernel - skipRight) * c) { dest[i] = source[i] }
                        for i in ((kernel - skipRight) * c)..<span { dest[i] = 0 }
                    }
                    out += rowLength
                }
            }
        }
    }

    /// The adjoint of `im2col`: each column entry added back to the input position it came from.
    private func col2im(_ col: UnsafePointer<Float>, n: Int, _ x: TensorShape, _ y: TensorShape, kernel: Int, pad: Int,
                        into dx: UnsafeMutablePointer<Float>) {
        let c = x.channels, span = kernel * c, rowLength = kernel * span
        dx.update(repeating: 0, count: n * x.count)
        var from = col
        for b in 0..<n {
            let image = dx + b * x.count
            for oy in 0..<y.height {
                for ox in 0..<y.width {
                    let left = ox - pad, skipLeft = max(0, -left), skipRight = max(0, left + kernel - x.width)
                    for ky in 0..<kernel {
                        let iy = oy + ky - pad
                        guard iy >= 0 && iy < x.height else { continue }
                        let source = from + ky * span, target = image + (iy * x.width + left) * c
                        for i in (skipLeft * c)..<((kernel - skipRight) * c) { target[i] += source[i] }
                    }
                    from += rowLength
                }
            }
        }
    }

    /// Max over `size` x `size` windows; `argmax` gets each maximum's index in the batch's input
    /// (the first on ties, as PyTorch). Channels are innermost, so each window position is a
    /// contiguous run of `channels` values compared at once.
    private func maxPool(_ a: UnsafePointer<Float>, n: Int, _ x: TensorShape, _ y: TensorShape, size: Int,
                         into z: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>) {
        let c = x.channels, rowStride = x.width &* c
        var out = z, arg = argmax
        for b in 0..<n {
            let base = b &* x.count
            for oy in 0..<y.height {
                for ox in 0..<y.width {
                    let corner = base &+ (oy &* size &* x.width &+ ox &* size) &* c
                    for ch in 0..<c { out[ch] = a[corner &+ ch]; arg[ch] = Int32(truncatingIfNeeded: corner &+ ch) }
                    for dy in 0..<size {
                        for dx in 0..<size where dy != 0 || dx != 0 {
                            let at = corner &+ dy &* rowStride &+ dx &* c
                            for ch in 0..<c where a[at &+ ch] > out[ch] {
                                out[ch] = a[at &+ ch]
                                arg[ch] = Int32(truncatingIfNeeded: at &+ ch)
                            }
                        }
                    }
                    out += c
                    arg += c
                }
            }
        }
    }
}
