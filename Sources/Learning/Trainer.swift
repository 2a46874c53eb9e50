/// One client's local training in a round, as the federation asks for it.
public struct FitTask: Sendable, Equatable {
    /// The client (0-based).
    public var client: Int
    /// The round (from 1).
    public var round: Int
    /// Local epochs (fewer for a straggler).
    public var epochs: Int
    /// The seed the client draws its randomness from (from a named stream, in plan order).
    public var seed: UInt64
    /// SCAFFOLD's drift correction c - c_i, added to every local step; nil for other strategies.
    public var correction: [Double]?

    /// Creates a task.
    public init(client: Int, round: Int, epochs: Int, seed: UInt64, correction: [Double]? = nil) {
        self.client = client
        self.round = round
        self.epochs = epochs
        self.seed = seed
        self.correction = correction
    }
}

/// What one client's local training returned.
public struct FitOutcome: Sendable, Equatable {
    /// The client's new model, flat.
    public var parameters: [Double]
    /// Examples the client trained on: its weight in the average.
    public var examples: Int
    /// Floating-point operations the training took (simulated compute time = FLOPs / device speed).
    public var flops: Double
    /// Local SGD steps taken (FedNova normalises by them; SCAFFOLD's control variates too).
    public var steps: Int

    /// Creates an outcome.
    public init(parameters: [Double], examples: Int, flops: Double, steps: Int = 1) {
        self.parameters = parameters
        self.examples = examples
        self.flops = flops
        self.steps = steps
    }
}

/// How good a global model is.
public struct ModelEvaluation: Sendable, Equatable {
    /// The loss recorded as `train_loss` (the native trainer: over every client's training data;
    /// the Python trainer: the example-weighted loss its clients' `evaluate` reports).
    public var trainLoss: Double
    /// The loss on test data, used for leave-one-out contributions.
    public var testLoss: Double
    /// Accuracy on test data.
    public var testAccuracy: Double
    /// Label flipping's success: the share of the test examples whose label the attack flips
    /// that the model predicts as the flipped label; nil without a label-flipping attack.
    public var attackSuccess: Double?

    /// Creates an evaluation.
    public init(trainLoss: Double, testLoss: Double, testAccuracy: Double, attackSuccess: Double? = nil) {
        self.trainLoss = trainLoss
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.attackSuccess = attackSuccess
    }
}

/// A failure of local training or evaluation, naming who and when.
public struct TrainerError: Error, CustomStringConvertible, Sendable {
    /// The client, if one client failed.
    public var client: Int?
    /// The round, if the failure happened in one.
    public var round: Int?
    /// What went wrong (may span lines, e.g. a Python traceback).
    public var message: String

    /// Creates an error.
    public init(client: Int? = nil, round: Int? = nil, _ message: String) {
        self.client = client
        self.round = round
        self.message = message
    }

    public var description: String {
        let place = [round.map { "round \($0)" }, client.map { "client \($0)" }].compactMap { $0 }.joined(separator: ", ")
        return place.isEmpty ? message : "\(place): \(message)"
    }
}

/// Local training and evaluation for the federation: the one door between the federated loop
/// (selection, aggregation, the chain) and whoever trains. `NativeTrainer` runs the Swift
/// models; the Python bridge (target `TrainerBridge`) runs a researcher's own client code.
///
/// A trainer must be a pure function of its inputs: the same tasks from the same global model
/// give the same outcomes, whatever else ran before.
public protocol Trainer: AnyObject {
    /// Number of clients.
    var clientCount: Int { get }
    /// Training examples each client holds (its partition), known before any training.
    func trainingExamples(of client: Int) -> Int
    /// Bytes the model takes on the wire (8 per parameter for doubles, 4 for float32, ...).
    var modelBytes: Int { get }
    /// Trains each task's client from `global`, returning outcomes in task order. A trainer that
    /// cannot apply a task's `correction` (SCAFFOLD) must fail rather than ignore it.
    func fit(_ tasks: [FitTask], from global: [Double], mu: Double) throws -> [FitOutcome]
    /// Evaluates a global model after `round`.
    func evaluate(_ parameters: [Double], round: Int) throws -> ModelEvaluation
    /// Releases what the trainer holds (worker processes); later calls fail.
    func close()
}

extension Trainer {
    /// Nothing to release.
    public func close() {}
}
