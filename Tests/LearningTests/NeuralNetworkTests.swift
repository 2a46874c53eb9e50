import Learning
import SimKernel
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class NeuralNetworkTests: XCTestCase {
    /// Random images of `shape` with `classes` labels.
    static func images(_ shape: TensorShape, count: Int, classes: Int, seed: UInt64) -> LabelledData {
        let random = RandomStreams(seed: seed).stream("images")
        return LabelledData(features: (0..<(count * shape.count)).map { _ in random.uniform() },
                            labels: (0..<count).map { _ in Int32(random.int(below: classes)) }, dimension: shape.count, classes: classes)
    }

    /// Loss and gradient of `network` at `parameters` on every row of `data`.
    static func lossAndGradient(_ network: NeuralNetwork, _ parameters: [Float], _ data: LabelledData, scratch: AnyObject) -> (Double, [Float]) {
        var gradient = [Float](repeating: 0, count: parameters.count)
        let loss = parameters.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in network.loss(p, data, rows: Array(0..<data.count)[...], gradient: g, scratch: scratch) }
        }
        return (loss, gradient)
    }

    /// Analytic gradients agree with central finite differences (h = 2e-3 in float32) for stacks
    /// that exercise every layer's backward pass: valid and same convolutions (im2col / col2im),
    /// max pools (a size-3 pool drops a remainder), ReLU, flatten and dense layers, a dense layer
    /// straight on an image, and the softmax loss. Float32 differences are noisy, so each layer's
    /// block of parameters is compared as a vector: relative error below 1 % (a 10 % error in one
    /// layer's backward pass shows as about 10 % in every block below it).
    func testGradientsMatchFiniteDifferences() throws {
        let cases: [(TensorShape, [Layer])] = [
            (TensorShape(height: 9, width: 9, channels: 2),
             [.conv2d(filters: 3, kernel: 3, padding: .valid), .relu, .maxPool(size: 2), .conv2d(filters: 4, kernel: 3, padding: .same),
              .relu, .maxPool(size: 3), .flatten, .dense(units: 5), .relu, .dense(units: 3)]),
            (TensorShape(height: 5, width: 4, channels: 3), [.conv2d(filters: 2, kernel: 3, padding: .same), .dense(units: 3)]),
            (.vector(7), [.dense(units: 6), .relu, .dense(units: 3)]),
        ]
        for (shape, layers) in cases {
            let network = try NeuralNetwork(input: shape, layers: layers, classes: 3)
            let data = Self.images(shape, count: 6, classes: 3, seed: 3)
            let random = RandomStreams(seed: 4).stream("params")
            let parameters = network.initialParameters(random: random).map { Float($0 + random.normal(mean: 0, sd: 0.2)) }
            let scratch = network.makeScratch()
            let (_, gradient) = Self.lossAndGradient(network, parameters, data, scratch: scratch)
            let h: Float = 2e-3
            let numeric = parameters.indices.map { i in
                var plus = parameters, minus = parameters
                plus[i] += h
                minus[i] -= h
                return (Self.lossAndGradient(network, plus, data, scratch: scratch).0 - Self.lossAndGradient(network, minus, data, scratch: scratch).0) / Double(2 * h)
            }
            var start = 0
            for block in network.parameterBlocks {
                let range = start..<(start + block)
                let error = range.reduce(0) { $0 + pow(Double(gradient[$1]) - numeric[$1], 2) }.squareRoot()
                let size = range.reduce(0) { $0 + numeric[$1] * numeric[$1] }.squareRoot()
                XCTAssertLessThan(error, 0.01 * size + 1e-6, "\(layers): parameters \(range)")
                start += block
            }
            XCTAssertEqual(start, parameters.count)
        }
    }

    /// The presets have the parameter counts their papers give on 28 x 28 x 1 with 10 classes.
    func testPresetParameterCounts() throws {
        let image = TensorShape(height: 28, width: 28, channels: 1)
        XCTAssertEqual(try NeuralNetwork(preset: .simpleCNN, input: image, classes: 10).parameterCount, 44_426)
        XCTAssertEqual(try NeuralNetwork(preset: .cnnMcMahan, input: image, classes: 10).parameterCount, 1_663_370)
        XCTAssertEqual(try NeuralNetwork(preset: .mlp2NN, input: image, classes: 10).parameterCount, 199_210)
        // Training FLOPs: simple-cnn's forward is 2 x (24*24*6*25 + 8*8*16*150 + 256*120 + 120*84 + 84*10) multiply-adds.
        let simple = try NeuralNetwork(preset: .simpleCNN, input: image, classes: 10)
        let forward = 2.0 * Double(24 * 24 * 6 * 25 + 8 * 8 * 16 * 150 + 256 * 120 + 120 * 84 + 84 * 10)
        XCTAssertEqual(simple.inferenceFlopsPerExample, forward)
        XCTAssertEqual(simple.flopsPerExample, 3 * forward - 2 * Double(24 * 24 * 6 * 25))
    }

    /// Config-style layer strings parse, and impossible stacks are refused naming the layer.
    func testLayerParsingAndShapeErrors() throws {
        XCTAssertEqual(try Layer(parsing: "conv2d 32 5 same"), .conv2d(filters: 32, kernel: 5, padding: .same))
        XCTAssertEqual(try Layer(parsing: "conv2d 6 5"), .conv2d(filters: 6, kernel: 5, padding: .valid))
        XCTAssertEqual(try Layer(parsing: "max_pool 2"), .maxPool(size: 2))
        XCTAssertEqual(try Layer(parsing: "dense 10"), .dense(units: 10))
        for bad in ["conv2d 6", "conv2d 6 5 full", "pool 2", "dense", "relu 3", ""] {
            XCTAssertThrowsError(try Layer(parsing: bad, at: 4)) { error in
                XCTAssertTrue("\(error)".hasPrefix("layer 4: expected"), "\(error)")
            }
        }
        let image = TensorShape(height: 6, width: 6, channels: 1)
        XCTAssertThrowsError(try NeuralNetwork(input: image, layers: [.conv2d(filters: 2, kernel: 7, padding: .valid), .dense(units: 2)], classes: 2)) {
            XCTAssertEqual("\($0)", "layer 0: conv2d 2 7 valid does not fit its 6x6x1 input")
        }
        XCTAssertThrowsError(try NeuralNetwork(input: image, layers: [.flatten, .dense(units: 3)], classes: 2)) {
            XCTAssertTrue("\($0)".contains("last layer must be dense with one unit per class (2)"), "\($0)")
        }
        XCTAssertThrowsError(try NeuralNetwork(input: image, layers: [.conv2d(filters: 2, kernel: 4, padding: .same), .dense(units: 2)], classes: 2))
    }

    /// SGD with momentum and weight decay follows PyTorch's rule, step by step: d = g + wd w;
    /// v = d on the first step, then m v + d; w -= lr v.
    func testMomentumAndWeightDecayFollowPyTorch() throws {
        let network = try NeuralNetwork(input: .vector(4), layers: [.dense(units: 3)], classes: 3)
        let data = Self.images(.vector(4), count: 8, classes: 3, seed: 5)
        let start = network.initialParameters(random: RandomStreams(seed: 6).stream("init"))
        let settings = LocalTraining(epochs: 1, batchSize: 4, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        let scratch = network.makeScratch()
        // Two steps on the batches a seeded shuffle gives, replayed by hand.
        let result = network.train(from: start, on: data, epochs: 1, settings: settings, mu: 0, correction: nil,
                                   random: RandomStreams(seed: 7).stream("batches"), scratch: scratch)
        XCTAssertEqual(result.steps, 2)
        var order = Array(0..<8)
        RandomStreams(seed: 7).stream("batches").shuffle(&order)
        var w = start.map { Float($0) }, v = [Float](repeating: 0, count: w.count)
        for (step, rows) in [order[0..<4], order[4..<8]].enumerated() {
            var g = [Float](repeating: 0, count: w.count)
            _ = w.withUnsafeBufferPointer { p in g.withUnsafeMutableBufferPointer { network.loss(p, data, rows: rows, gradient: $0, scratch: scratch) } }
            for i in w.indices {
                let d = g[i] + 0.01 * w[i]
                v[i] = step == 0 ? d : 0.9 * v[i] + d
                w[i] -= 0.1 * v[i]
            }
        }
        XCTAssertEqual(result.parameters, w.map { Double($0) })
    }

    /// Local training is a pure function of its inputs, and its bits are pinned: a reference
    /// run of simple-cnn (and of the float64 MLP) gives these FNV-1a digests of the trained
    /// parameters. A change means every model hash changed: a different BLAS kernel, summation
    /// order or initialisation. Only update the digests deliberately, saying why.
    func testReferenceRunsArePinned() throws {
        let image = TensorShape(height: 28, width: 28, channels: 1)
        let data = Self.images(image, count: 256, classes: 10, seed: 8)
        let settings = LocalTraining(epochs: 1, batchSize: 64, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-5)
        let models: [(any Model, String)] = [
            (try NeuralNetwork(preset: .simpleCNN, input: image, classes: 10), "5f0631f520cd6f33"),
            (DenseModel.mlp(inputs: 784, hidden: 32, classes: 10), "12cde192a6b313bc"),
        ]
        for (model, expected) in models {
            func run() -> [Double] {
                let start = model.initialParameters(random: RandomStreams(seed: 9).stream("init"))
                return model.train(from: start, on: data, epochs: 1, settings: settings, mu: 0.01, correction: nil,
                                   random: RandomStreams(seed: 10).stream("batches"), scratch: model.makeScratch()).parameters
            }
            let first = run()
            XCTAssertEqual(first, run())
            XCTAssertEqual(Self.digest(first), expected, "\(type(of: model))")
        }
        XCTAssertNil(BLAS.unavailableReason)
        // The pinning is set only around loading: processes FedChain starts later (a Python
        // trainer's workers) see the environment they were given (this assumes the test runner
        // was started without OPENBLAS_CORETYPE).
        XCTAssertNil(getenv("OPENBLAS_CORETYPE"))
    }

    /// FNV-1a (64 bits) of the parameters' IEEE bytes, little-endian, as hex.
    static func digest(_ values: [Double]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in values {
            var bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { for byte in $0 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 } }
        }
        return String(hash, radix: 16)
    }
}
