#if canImport(Glibc)
import Glibc
#endif
import Learning

/// How the Python trainer runs.
public struct PythonTrainerSettings: Sendable, Equatable {
    /// The interpreter (a name on PATH or a path).
    public var python: String
    /// The client module (an absolute path).
    public var module: String
    /// Worker processes (at least 1).
    public var workers: Int
    /// Longest wait for one call's reply, seconds.
    public var timeoutS: Double
    /// FLOPs per training example per epoch, when `fit` reports no `metrics["flops"]`.
    public var flopsPerExample: Double
    /// `dataset_kind` and `dataset_path` handed to `client_fn`.
    public var datasetKind: String
    public var datasetPath: String
    /// Local training settings handed to every `fit` (`batch_size`, `learning_rate`).
    public var local: LocalTraining
    /// `federation.trainer.config`, handed to `client_fn` verbatim.
    public var config: [String: JSONValue]
    /// The strategy's proximal coefficient, in `evaluate`'s config as in `fit`'s.
    public var mu: Double = 0

    /// Creates settings.
    public init(python: String, module: String, workers: Int, timeoutS: Double, flopsPerExample: Double, datasetKind: String,
                datasetPath: String, local: LocalTraining, config: [String: JSONValue]) {
        self.python = python
        self.module = module
        self.workers = workers
        self.timeoutS = timeoutS
        self.flopsPerExample = flopsPerExample
        self.datasetKind = datasetKind
        self.datasetPath = datasetPath
        self.local = local
        self.config = config
    }
}

/// A researcher's own client code (Flower's NumPyClient convention) in long-lived Python
/// worker processes. FedChain keeps everything else: selection, time, aggregation, the chain.
///
/// Every call builds a fresh client with `client_fn(cid, config)` after seeding Python's,
/// NumPy's and (if loaded) torch's generators from the call's seed, so a result depends only on
/// the request, never on which worker served it.
public final class PythonTrainer: Trainer {
    public let settings: PythonTrainerSettings
    /// Each client's rows of the dataset's training and test sets.
    public let partitions: [(train: [Int], test: [Int])]
    /// The clients that evaluate each global model.
    public let evaluators: [Int]
    /// The model's arrays, from the initial `get_parameters`.
    public private(set) var layout: [ArrayShape] = []
    private let evaluationSeeds: any RandomSource
    private let pool: WorkerPool
    private let indexBytes: [(train: [UInt8], test: [UInt8])]

    /// Starts the workers and loads the module in each. `evaluators` evaluate every global
    /// model; `evaluationSeeds` (a named stream) seeds their calls.
    public init(settings: PythonTrainerSettings, partitions: [(train: [Int], test: [Int])], evaluators: [Int],
                evaluationSeeds: any RandomSource) throws {
        precondition(settings.workers >= 1 && !partitions.isEmpty && !evaluators.isEmpty)
        self.settings = settings
        self.partitions = partitions
        self.evaluators = evaluators
        self.evaluationSeeds = evaluationSeeds
        indexBytes = partitions.map { (Self.int64Bytes($0.train), Self.int64Bytes($0.test)) }
        let request = Frame.encode(["op": .string("init"), "module": .string(settings.module), "dataset_kind": .string(settings.datasetKind),
                                    "dataset_path": .string(settings.datasetPath), "config": .object(settings.config)], arrays: [])
        pool = try WorkerPool(count: settings.workers, python: settings.python, timeoutS: settings.timeoutS, initRequest: request)
    }

    public var clientCount: Int { partitions.count }
    public func trainingExamples(of client: Int) -> Int { partitions[client].train.count }
    /// The model's arrays' bytes as they cross the wire (each in its own dtype).
    public var modelBytes: Int { layout.reduce(0) { $0 + $1.byteCount } }

    /// The initial global model: client 0's `get_parameters`, with `seed`. It fixes the
    /// model's arrays (their number, types and shapes) for the whole run.
    public func initialParameters(seed: UInt64) throws -> [Double] {
        let frame = try pool.dispatch([job(client: 0, round: nil, method: "get_parameters", call: ["seed": .int(Int64(seed))], parameters: [])])[0]
        guard !frame.arrays.isEmpty else { throw TrainerError(client: 0, "get_parameters returned no arrays") }
        layout = frame.arrays.map(\.shape)
        return try parameters(of: frame, client: 0, round: nil, method: "get_parameters")
    }

    public func fit(_ tasks: [FitTask], from global: [Double], mu: Double) throws -> [FitOutcome] {
        // A NumPyClient has no place for SCAFFOLD's correction; dropping it would train another algorithm.
        if let task = tasks.first(where: { $0.correction != nil }) {
            throw TrainerError(client: task.client, round: task.round, "the Python trainer cannot apply SCAFFOLD's control variates (use the native trainer)")
        }
        let arrays = wireArrays(global)
        let jobs = tasks.map { task in
            job(client: task.client, round: task.round, method: "fit",
                call: ["round": .int(Int64(task.round)), "seed": .int(Int64(task.seed)), "epochs": .int(Int64(task.epochs)),
                       "batch_size": .int(Int64(settings.local.batchSize)), "learning_rate": .double(settings.local.learningRate),
                       "momentum": .double(settings.local.momentum), "weight_decay": .double(settings.local.weightDecay),
                       "mu": .double(mu)],
                parameters: arrays)
        }
        let frames = try pool.dispatch(jobs)
        return try zip(tasks, frames).map { task, frame in
            let examples = try self.examples(frame, client: task.client, round: task.round, method: "fit")
            let metrics = frame.header["metrics"] as? [String: Any] ?? [:]
            let reported = (metrics["flops"] as? Double) ?? (metrics["flops"] as? Int).map(Double.init)
            let flops = reported.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
                ?? Double(task.epochs) * Double(examples) * settings.flopsPerExample
            // SGD steps, for FedNova: the client's own count, else what E epochs of batch B take.
            let reportedSteps = (metrics["steps"] as? Int).flatMap { $0 > 0 ? $0 : nil }
            return FitOutcome(parameters: try parameters(of: frame, client: task.client, round: task.round, method: "fit"),
                              examples: examples, flops: flops,
                              steps: reportedSteps ?? settings.local.steps(epochs: task.epochs, examples: examples))
        }
    }

    /// The example-weighted loss and `metrics["accuracy"]` of every evaluator's `evaluate`
    /// (NaN accuracy when a client reports none). Its config holds the same keys as `fit`'s.
    public func evaluate(_ parameters: [Double], round: Int) throws -> ModelEvaluation {
        let arrays = wireArrays(parameters)
        let jobs = evaluators.map { client in
            job(client: client, round: round, method: "evaluate",
                call: ["round": .int(Int64(round)), "seed": .int(Int64(evaluationSeeds.int(below: 1 << 31))),
                       "epochs": .int(Int64(settings.local.epochs)), "batch_size": .int(Int64(settings.local.batchSize)),
                       "learning_rate": .double(settings.local.learningRate), "mu": .double(settings.mu)],
                parameters: arrays)
        }
        var lossSum = 0.0, accuracySum = 0.0, total = 0
        for (client, frame) in zip(evaluators, try pool.dispatch(jobs)) {
            let examples = try self.examples(frame, client: client, round: round, method: "evaluate")
            guard let loss = Self.number(frame.header["loss"]) else {
                throw TrainerError(client: client, round: round, "evaluate returned no loss")
            }
            let accuracy = Self.number((frame.header["metrics"] as? [String: Any])?["accuracy"]) ?? .nan
            lossSum += loss * Double(examples)
            accuracySum += accuracy * Double(examples)
            total += examples
        }
        let loss = lossSum / Double(total)
        return ModelEvaluation(trainLoss: loss, testLoss: loss, testAccuracy: accuracySum / Double(total))
    }

    public func close() { pool.close() }

    // MARK: - Arrays on the wire

    private func job(client: Int, round: Int?, method: String, call: [String: JSONValue],
                     parameters: [(shape: ArrayShape, bytes: [UInt8])]) -> WorkerPool.Job {
        let indices = indexBytes[client]
        let arrays = [(ArrayShape(type: .int64, shape: [partitions[client].train.count]), indices.train),
                      (ArrayShape(type: .int64, shape: [partitions[client].test.count]), indices.test)] + parameters
        let bytes = Frame.encode(["op": .string(method), "cid": .int(Int64(client)), "call": .object(call)], arrays: arrays)
        return WorkerPool.Job(client: client, round: round, method: method, bytes: bytes)
    }

    /// `flat` cut into the layout's arrays, each converted to its type (integers rounded).
    func wireArrays(_ flat: [Double]) -> [(shape: ArrayShape, bytes: [UInt8])] {
        var offset = 0
        return layout.map { shape in
            let bytes = [UInt8](unsafeUninitializedCapacity: shape.byteCount) { buffer, initialized in
                flat.withUnsafeBufferPointer { all in
                    let source = all.baseAddress! + offset, raw = UnsafeMutableRawPointer(buffer.baseAddress!), n = shape.count
                    // Plain loops over typed pointers: the compiler vectorises them.
                    switch shape.type {
                    case .float32:
                        let target = raw.assumingMemoryBound(to: Float.self)
                        for i in 0..<n { target[i] = Float(source[i]) }
                    case .float64:
                        raw.copyMemory(from: source, byteCount: n * 8)
                    case .int32:
                        let target = raw.assumingMemoryBound(to: Int32.self)
                        for i in 0..<n { target[i] = Self.integer(source[i]) }
                    case .int64:
                        let target = raw.assumingMemoryBound(to: Int64.self)
                        for i in 0..<n { target[i] = Self.integer(source[i]) }
                    }
                }
                initialized = shape.byteCount
            }
            offset += shape.count
            return (shape, bytes)
        }
    }

    /// `value` rounded to the nearest integer of type `T`, saturating at its bounds (an average
    /// of integer arrays, e.g. BatchNorm's batch counters, is always in range; this is a guard).
    private static func integer<T: FixedWidthInteger>(_ value: Double) -> T {
        let rounded = value.rounded()
        if rounded >= Double(T.max) { return T.max }
        if rounded <= Double(T.min) || rounded.isNaN { return T.min }
        return T(rounded)
    }

    /// The reply's arrays as one flat vector, after checking them against the layout: the
    /// same number of arrays, types and shapes, and finite values.
    private func parameters(of frame: Frame, client: Int, round: Int?, method: String) throws -> [Double] {
        guard frame.arrays.count == layout.count else {
            throw TrainerError(client: client, round: round, "\(method) returned \(frame.arrays.count) arrays, expected \(layout.count) (as get_parameters)")
        }
        for (k, (array, expected)) in zip(frame.arrays, layout).enumerated() where array.shape != expected {
            throw TrainerError(client: client, round: round, "\(method) returned array \(k) as \(array.shape), expected \(expected)")
        }
        let total = layout.reduce(0) { $0 + $1.count }
        // x - x is 0 for finite x and NaN otherwise, so one sum tells whether all are finite.
        var finiteCheck = 0.0
        let flat = [Double](unsafeUninitializedCapacity: total) { buffer, initialized in
            var offset = 0
            for (array, shape) in zip(frame.arrays, layout) {
                let target = buffer.baseAddress! + offset, n = shape.count
                array.bytes.withUnsafeBytes { raw in
                    switch shape.type {
                    case .float32:
                        let source = raw.baseAddress!.assumingMemoryBound(to: Float.self)
                        for i in 0..<n { target[i] = Double(source[i]) }
                    case .float64:
                        UnsafeMutableRawPointer(target).copyMemory(from: raw.baseAddress!, byteCount: n * 8)
                    case .int32:
                        let source = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
                        for i in 0..<n { target[i] = Double(source[i]) }
                    case .int64:
                        let source = raw.baseAddress!.assumingMemoryBound(to: Int64.self)
                        for i in 0..<n { target[i] = Double(source[i]) }
                    }
                }
                for i in 0..<n { finiteCheck += target[i] - target[i] }
                offset += n
            }
            initialized = total
        }
        if !finiteCheck.isFinite || finiteCheck != 0, let bad = flat.firstIndex(where: { !$0.isFinite }) {
            var k = 0, start = 0
            while start + layout[k].count <= bad { start += layout[k].count; k += 1 }
            throw TrainerError(client: client, round: round,
                               "\(method) returned \(flat[bad]) in array \(k) at flat index \(bad - start); parameters must be finite")
        }
        return flat
    }

    private func examples(_ frame: Frame, client: Int, round: Int, method: String) throws -> Int {
        guard let examples = frame.header["num_examples"] as? Int, examples > 0 else {
            throw TrainerError(client: client, round: round,
                               "\(method) returned num_examples \(frame.header["num_examples"].map { "\($0)" } ?? "none"); expected a positive integer")
        }
        return examples
    }

    /// A header number; non-finite values arrive as the strings NaN, Infinity, -Infinity.
    private static func number(_ value: Any?) -> Double? {
        switch value {
        case let v as Double: v
        case let v as Int: Double(v)
        case let v as String: ["NaN": .nan, "Infinity": .infinity, "-Infinity": -.infinity][v]
        default: nil
        }
    }

    private static func int64Bytes(_ values: [Int]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: values.count * 8)
        bytes.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: Int64(v).littleEndian, toByteOffset: 8 * i, as: Int64.self) }
        }
        return bytes
    }
}
