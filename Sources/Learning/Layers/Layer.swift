/// One layer of a `NeuralNetwork`, as a config names it. Convolutions and pools have stride 1 and
/// stride `size`; tensors are laid out height x width x channels.
public enum Layer: Sendable, Hashable, CustomStringConvertible {
    /// `filters` kernels of `kernel` x `kernel` over all input channels, with a bias each;
    /// `same` padding keeps the height and width (odd kernels), `valid` shrinks them by kernel - 1.
    case conv2d(filters: Int, kernel: Int, padding: Padding)
    /// The maximum of each `size` x `size` window (stride `size`; a remainder is dropped).
    case maxPool(size: Int)
    /// max(0, x).
    case relu
    /// Height x width x channels to one vector (a no-op on the data: the layout is already flat).
    case flatten
    /// A fully connected layer with a bias.
    case dense(units: Int)

    /// Reads a layer as a config writes it: `conv2d FILTERS KERNEL [valid|same]` (valid by
    /// default), `max_pool SIZE`, `relu`, `flatten`, `dense UNITS`. `index` names it in errors.
    public init(parsing text: String, at index: Int? = nil) throws(NetworkError) {
        let words = text.split(separator: " ").map(String.init)
        let numbers = words.dropFirst().compactMap { Int($0) }
        func fail(_ expected: String) -> NetworkError {
            NetworkError(layer: index, message: "expected \(expected), found '\(text)'")
        }
        switch words.first {
        case "conv2d":
            let padding = words.count == 4 ? Padding(rawValue: words[3]) : .valid
            guard numbers.count == 2, words.count == 3 || words.count == 4, let padding else {
                throw fail("conv2d FILTERS KERNEL [valid|same]")
            }
            self = .conv2d(filters: numbers[0], kernel: numbers[1], padding: padding)
        case "max_pool":
            guard numbers.count == 1, words.count == 2 else { throw fail("max_pool SIZE") }
            self = .maxPool(size: numbers[0])
        case "dense":
            guard numbers.count == 1, words.count == 2 else { throw fail("dense UNITS") }
            self = .dense(units: numbers[0])
        case "relu" where words.count == 1: self = .relu
        case "flatten" where words.count == 1: self = .flatten
        default: throw fail("one of conv2d FILTERS KERNEL [valid|same], max_pool SIZE, relu, flatten, dense UNITS")
        }
    }

    /// Convolution padding.
    public enum Padding: String, Sendable, Hashable, CaseIterable {
        case valid, same
    }

    public var description: String {
        switch self {
        case .conv2d(let filters, let kernel, let padding): "conv2d \(filters) \(kernel) \(padding.rawValue)"
        case .maxPool(let size): "max_pool \(size)"
        case .relu: "relu"
        case .flatten: "flatten"
        case .dense(let units): "dense \(units)"
        }
    }
}

/// The shape of one example's tensor: height x width x channels (a vector is 1 x 1 x n).
public struct TensorShape: Sendable, Hashable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int

    /// Creates a shape.
    public init(height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// A flat vector of `count` values.
    public static func vector(_ count: Int) -> TensorShape { TensorShape(height: 1, width: 1, channels: count) }

    /// Values in the tensor.
    public var count: Int { height * width * channels }

    public var description: String { "\(height)x\(width)x\(channels)" }
}

/// The named architectures of the FL literature.
public enum NetworkPreset: String, Sendable, CaseIterable {
    /// NIID-Bench's simple-cnn (Li et al. 2022): conv 6@5x5, pool 2, conv 16@5x5, pool 2, fc 120,
    /// fc 84, fc classes; 44,426 parameters on 28x28x1.
    case simpleCNN = "simple_cnn"
    /// McMahan et al. 2017's CNN: conv 32@5x5 same, pool 2, conv 64@5x5 same, pool 2, fc 512,
    /// fc classes; 1,663,370 parameters on 28x28x1.
    case cnnMcMahan = "cnn_mcmahan"
    /// McMahan et al. 2017's 2NN: fc 200, fc 200, fc classes; 199,210 parameters on 784 inputs.
    case mlp2NN = "mlp_2nn"

    /// The layers, ending in a dense layer of `classes` units.
    public func layers(classes: Int) -> [Layer] {
        switch self {
        case .simpleCNN:
            [.conv2d(filters: 6, kernel: 5, padding: .valid), .relu, .maxPool(size: 2),
             .conv2d(filters: 16, kernel: 5, padding: .valid), .relu, .maxPool(size: 2),
             .flatten, .dense(units: 120), .relu, .dense(units: 84), .relu, .dense(units: classes)]
        case .cnnMcMahan:
            [.conv2d(filters: 32, kernel: 5, padding: .same), .relu, .maxPool(size: 2),
             .conv2d(filters: 64, kernel: 5, padding: .same), .relu, .maxPool(size: 2),
             .flatten, .dense(units: 512), .relu, .dense(units: classes)]
        case .mlp2NN:
            [.flatten, .dense(units: 200), .relu, .dense(units: 200), .relu, .dense(units: classes)]
        }
    }
}

/// A layer list that cannot run on its input.
public struct NetworkError: Error, CustomStringConvertible, Sendable {
    /// The layer (0-based), if one layer is at fault.
    public var layer: Int?
    public var message: String

    public var description: String { layer.map { "layer \($0): \(message)" } ?? message }
}
