/// A classifier over a flat parameter vector that the native trainer trains: `DenseModel`
/// (float64 logistic regression and MLP) and `NeuralNetwork` (float32 layers: CNNs, the 2NN).
///
/// The federation keeps every global model as `[Double]`; a float32 model converts at the edges
/// of local training (exactly, since every float32 is a double), so aggregation, secure
/// aggregation and the chain's records are the same for both.
public protocol Model: Sendable {
    /// The arithmetic of training.
    associatedtype Scalar: BinaryFloatingPoint & Sendable
    /// Number of parameters.
    var parameterCount: Int { get }
    /// Floating-point operations of one example's training pass (forward and backward), for the
    /// simulated compute time.
    var flopsPerExample: Double { get }
    /// Initial parameters drawn from `random`.
    func initialParameters(random: any RandomSource) -> [Double]
    /// Fresh buffers reused across batches (one set per trainer; not shared between threads).
    func makeScratch() -> AnyObject
    /// Mean cross-entropy over `rows` of `data`; when `gradient` is given, the gradient of that
    /// mean is written into it (overwriting).
    func loss(_ parameters: UnsafeBufferPointer<Scalar>, _ data: LabelledData, rows: ArraySlice<Int>,
              gradient: UnsafeMutableBufferPointer<Scalar>?, scratch: AnyObject) -> Double
    /// Mean loss and accuracy over every row of `data`.
    func evaluate(_ parameters: [Double], _ data: LabelledData, scratch: AnyObject) -> (loss: Double, accuracy: Double)
    /// Local training of one client (`LocalSGD.train`; models need not implement it).
    func train(from start: [Double], on data: LabelledData, epochs: Int, settings: LocalTraining, mu: Double,
               correction: [Double]?, random: any RandomSource, scratch: AnyObject) -> LocalResult
}

extension Model {
    /// Bytes of one parameter on the wire.
    public var bytesPerParameter: Int { MemoryLayout<Scalar>.size }

    // A requirement with a default, so each concrete model gets its own specialised copy of the
    // generic loop (called through `any Model`, an unspecialised one would be many times slower).
    public func train(from start: [Double], on data: LabelledData, epochs: Int, settings: LocalTraining, mu: Double,
                      correction: [Double]?, random: any RandomSource, scratch: AnyObject) -> LocalResult {
        LocalSGD.train(self, from: start, on: data, epochs: epochs, settings: settings, mu: mu, correction: correction,
                       random: random, scratch: scratch)
    }
}
