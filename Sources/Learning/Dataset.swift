/// Labelled examples: features row-major (`count` x `dimension`) and a class per row.
public struct LabelledData: Sendable, Equatable {
    /// Features, row i at `features[i * dimension ..< (i + 1) * dimension]`.
    public var features: [Double]
    /// Class of each row, in 0..<classes.
    public var labels: [Int32]
    /// Features per example.
    public let dimension: Int
    /// Number of classes.
    public let classes: Int

    /// Creates a data set; sizes must agree.
    public init(features: [Double], labels: [Int32], dimension: Int, classes: Int) {
        precondition(features.count == labels.count * dimension, "features must be count x dimension")
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classes }, "labels must lie in 0..<classes")
        self.features = features
        self.labels = labels
        self.dimension = dimension
        self.classes = classes
    }

    /// Number of examples.
    public var count: Int { labels.count }

    /// The rows at `indices`, as a new data set.
    public func subset(_ indices: some Collection<Int>) -> LabelledData {
        var f: [Double] = []
        f.reserveCapacity(indices.count * dimension)
        for i in indices { f.append(contentsOf: features[(i * dimension)..<((i + 1) * dimension)]) }
        return LabelledData(features: f, labels: indices.map { labels[$0] }, dimension: dimension, classes: classes)
    }
}

/// One client's data: what it trains on and what it is tested on.
public struct ClientData: Sendable, Equatable {
    public var train: LabelledData
    public var test: LabelledData

    /// Creates a client's data.
    public init(train: LabelledData, test: LabelledData) {
        self.train = train
        self.test = test
    }

    /// Splits `data` after shuffling it with `random`: the first `trainFraction` (rounded down)
    /// trains, the rest tests (FedProx's 90/10 split).
    public init(splitting data: LabelledData, trainFraction: Double = 0.9, random: any RandomSource) {
        let (train, test) = Self.splitOrder(data.count, trainFraction: trainFraction, random: random)
        self.train = data.subset(train)
        self.test = data.subset(test)
    }

    /// Positions 0..<count shuffled with `random` and cut after the first `trainFraction`
    /// (rounded down): the training and the test positions.
    public static func splitOrder(_ count: Int, trainFraction: Double, random: any RandomSource) -> (train: [Int], test: [Int]) {
        var order = Array(0..<count)
        random.shuffle(&order)
        let trainCount = Int(Double(count) * trainFraction)
        return (Array(order[..<trainCount]), Array(order[trainCount...]))
    }
}
