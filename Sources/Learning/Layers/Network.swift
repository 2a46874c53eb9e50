/// A feed-forward network of float32 layers (`Layer`) ending in softmax cross-entropy: the CNNs
/// and MLPs of the FL literature. Convolutions run as im2col and one OpenBLAS `sgemm` per batch;
/// every backward pass is analytic (checked against finite differences in the tests).
///
/// Tensors are height x width x channels per example, examples one after another. Parameters,
/// layer by layer: weights (`filters x kernel x kernel x channels` for a convolution,
/// `units x inputs` for a dense layer), then biases. Initial values follow PyTorch's defaults:
/// uniform in +-1/sqrt(fan-in) for weights and biases.
public struct NeuralNetwork: Model, Equatable {
    public typealias Scalar = Float

    /// One example's input.
    public let input: TensorShape
    public let layers: [Layer]
    public let classes: Int
    /// `shapes[0]` is the input; `shapes[l + 1]` what layer l produces.
    public let shapes: [TensorShape]
    /// Where each layer's weights start in the parameter vector (its biases follow them).
    let offsets: [Int]
    public let parameterCount: Int

    /// A named architecture on `input` with `classes` outputs.
    public init(preset: NetworkPreset, input: TensorShape, classes: Int) throws(NetworkError) {
        try self.init(input: input, layers: preset.layers(classes: classes), classes: classes)
    }

    /// Checks that `layers` run on `input` and end in a dense layer of `classes` units.
    public init(input: TensorShape, layers: [Layer], classes: Int) throws(NetworkError) {
        guard input.count > 0 else { throw NetworkError(message: "the input shape \(input) is empty") }
        var shapes = [input], offsets: [Int] = [], count = 0
        for (l, layer) in layers.enumerated() {
            let x = shapes[l]
            offsets.append(count)
            let y: TensorShape
            switch layer {
            case .conv2d(let filters, let kernel, let padding):
                guard filters >= 1, kernel >= 1 else { throw NetworkError(layer: l, message: "\(layer) needs at least one filter of at least 1x1") }
                if padding == .same {
                    guard kernel % 2 == 1 else { throw NetworkError(layer: l, message: "\(layer): same padding needs an odd kernel") }
                    y = TensorShape(height: x.height, width: x.width, channels: filters)
                } else {
                    guard x.height >= kernel, x.width >= kernel else {
                        throw NetworkError(layer: l, message: "\(layer) does not fit its \(x) input")
                    }
                    y = TensorShape(height: x.height - kernel + 1, width: x.width - kernel + 1, channels: filters)
                }
                count += filters * kernel * kernel * x.channels + filters
            case .maxPool(let size):
                guard size >= 1, x.height >= size, x.width >= size else {
                    throw NetworkError(layer: l, message: "\(layer) does not fit its \(x) input")
                }
                y = TensorShape(height: x.height / size, width: x.width / size, channels: x.channels)
            case .relu: y = x
            case .flatten: y = .vector(x.count)
            case .dense(let units):
                guard units >= 1 else { throw NetworkError(layer: l, message: "a dense layer needs at least one unit") }
                y = .vector(units)
                count += units * x.count + units
            }
            shapes.append(y)
        }
        guard case .dense(let units)? = layers.last, units == classes else {
            throw NetworkError(message: "the last layer must be dense with one unit per class (\(classes)), not \(layers.last.map(String.init(describing:)) ?? "nothing")")
        }
        self.input = input
        self.layers = layers
        self.classes = classes
        self.shapes = shapes
        self.offsets = offsets
        self.parameterCount = count
    }

    /// The sizes of the parameter vector's blocks in order: each weighted layer's weights, then
    /// its biases.
    public var parameterBlocks: [Int] {
        layers.indices.flatMap { l -> [Int] in
            switch layers[l] {
            case .conv2d(let filters, _, _): [filters * fanIn(l), filters]
            case .dense(let units): [units * fanIn(l), units]
            default: []
            }
        }
    }

    /// Fan-in of layer `l`'s units (conv2d and dense).
    private func fanIn(_ l: Int) -> Int {
        if case .conv2d(_, let kernel, _) = layers[l] { return kernel * kernel * shapes[l].channels }
        return shapes[l].count
    }

    /// The first layer with parameters: nothing below it needs a gradient.
    var firstTrainable: Int {
        layers.firstIndex { if case .conv2d = $0 { true } else if case .dense = $0 { true } else { false } } ?? layers.count
    }

    /// Multiply-adds x 2 of one example's forward pass through layer `l`.
    private func forwardFlops(_ l: Int) -> Double {
        switch layers[l] {
        case .conv2d(let filters, _, _): 2 * Double(shapes[l + 1].height * shapes[l + 1].width * filters * fanIn(l))
        case .dense(let units): 2 * Double(units * shapes[l].count)
        default: 0
        }
    }

    /// Training FLOPs per example: each weighted layer's forward product, its weight gradient,
    /// and (above the first weighted layer) its input gradient; element-wise work is left out.
    public var flopsPerExample: Double {
        layers.indices.reduce(0) { $0 + forwardFlops($1) * ($1 > firstTrainable ? 3 : 2) }
    }

    /// Forward FLOPs per example (inference).
    public var inferenceFlopsPerExample: Double { layers.indices.reduce(0) { $0 + forwardFlops($1) } }

    public func initialParameters(random: any RandomSource) -> [Double] {
        var parameters = [Double](repeating: 0, count: parameterCount)
        for l in layers.indices {
            let weights: Int, biases: Int
            switch layers[l] {
            case .conv2d(let filters, _, _): (weights, biases) = (filters * fanIn(l), filters)
            case .dense(let units): (weights, biases) = (units * fanIn(l), units)
            default: continue
            }
            let bound = 1 / Double(fanIn(l)).squareRoot()
            for i in offsets[l]..<(offsets[l] + weights + biases) { parameters[i] = Double(Float(bound * (2 * random.uniform() - 1))) }
        }
        return parameters
    }

    public func makeScratch() -> AnyObject { NetworkScratch() }

    public func loss(_ parameters: UnsafeBufferPointer<Float>, _ data: LabelledData, rows: ArraySlice<Int>,
                     gradient: UnsafeMutableBufferPointer<Float>?, scratch: AnyObject) -> Double {
        let s = unsafeDowncast(scratch, to: NetworkScratch.self)
        forward(parameters, data, rows: rows, s)
        let n = rows.count
        let loss = s.outputLoss(labels: data.labels, rows: rows, classes: classes, gradient: gradient != nil)
        if let gradient { backward(parameters, n, s, gradient) }
        return loss
    }

    public func evaluate(_ parameters: [Double], _ data: LabelledData, scratch: AnyObject) -> (loss: Double, accuracy: Double) {
        guard data.count > 0 else { return (0, 0) }
        let s = unsafeDowncast(scratch, to: NetworkScratch.self)
        let p = parameters.map { Float($0) }
        let rows = Array(0..<data.count)
        // Batches small enough that the largest network's buffers stay near 64 MB.
        let perExample = shapes.reduce(0) { $0 + 2 * $1.count } + layers.indices.reduce(0) { $0 + columnCount($1) }
        let chunk = max(1, min(512, 16_000_000 / max(perExample, 1)))
        var lossSum = 0.0, correct = 0
        p.withUnsafeBufferPointer { p in
            for start in stride(from: 0, to: rows.count, by: chunk) {
                let batch = rows[start..<min(start + chunk, rows.count)]
                forward(p, data, rows: batch, s)
                correct += s.correctPredictions(labels: data.labels, rows: batch, classes: classes)
                lossSum += s.outputLoss(labels: data.labels, rows: batch, classes: classes, gradient: false) * Double(batch.count)
            }
        }
        return (lossSum / Double(data.count), Double(correct) / Double(data.count))
    }

    /// im2col values per example of layer `l` (0 unless a convolution).
    func columnCount(_ l: Int) -> Int {
        guard case .conv2d = layers[l] else { return 0 }
        return shapes[l + 1].height * shapes[l + 1].width * fanIn(l)
    }
}
