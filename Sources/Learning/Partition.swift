/// One client's rows: indices into the dataset's training set and into its test set (the same
/// set when the dataset has only one).
public struct ClientRows: Sendable, Equatable {
    public var train: [Int]
    public var test: [Int]

    /// Creates a client's rows.
    public init(train: [Int], test: [Int]) {
        self.train = train
        self.test = test
    }
}

/// A partition that cannot be drawn for these data and clients.
public struct PartitionError: Error, CustomStringConvertible {
    public let description: String
}

/// How a labelled data set is spread over clients, with the semantics of NIID-Bench (Li et al.,
/// "Federated Learning on Non-IID Data Silos: An Experimental Study", ICDE 2022), so results
/// compare with the literature. Every draw comes from the caller's stream.
public enum Partition: Sendable, Equatable {
    /// Rows shuffled and dealt out evenly (NIID-Bench's `homo`).
    case iid
    /// Label skew (`noniid-labeldir`): for each class, the clients' shares of its rows are
    /// Dirichlet(alpha); a client already holding N/n rows receives no more; the whole draw is
    /// repeated until every client holds at least `minimumRows`.
    case dirichlet(alpha: Double)
    /// `#C=k` (`noniid-#label`): client i holds class i mod C plus k - 1 other random classes;
    /// each class's rows are split equally among the clients holding it (a class nobody drew
    /// is left out).
    case labelsPerClient(Int)
    /// Quantity skew (`iid-diff-quantity`): IID rows, client sizes in Dirichlet(alpha)
    /// proportions, redrawn until every client holds at least `minimumRows`.
    case quantitySkew(alpha: Double)
    /// McMahan et al.'s pathological non-IID split: rows sorted by label, cut into
    /// clients x `perClient` shards, `perClient` random shards per client.
    case shards(perClient: Int)

    /// NIID-Bench's smallest partition (its `min_require_size`).
    public static let minimumRows = 10
    /// Draws tried before a Dirichlet partition gives up.
    public static let maxRedraws = 10_000

    /// The rows of each of `clients` clients, for a set with `labels` in 0..<`classes`.
    public func assign(labels: [Int32], classes: Int, clients: Int, random: any RandomSource) throws -> [[Int]] {
        var rowsOf = [[Int]](repeating: [], count: clients)
        let n = labels.count
        switch self {
        case .iid:
            rowsOf = Self.dealt(n, clients: clients, random: random)
        case .dirichlet(let alpha):
            try Self.requireMinimum(n, clients, "dirichlet")
            let byClass = Self.rowsByClass(labels, classes: classes)
            for _ in 0..<Self.maxRedraws {
                rowsOf = [[Int]](repeating: [], count: clients)
                for var rows in byClass {
                    random.shuffle(&rows)
                    var weights = (0..<clients).map { _ in random.gamma(shape: alpha) }
                    // A client already at N/n rows receives none of this class.
                    for client in 0..<clients where Double(rowsOf[client].count) >= Double(n) / Double(clients) { weights[client] = 0 }
                    let cuts = Self.cuts(weights, count: rows.count)
                    for client in 0..<clients { rowsOf[client] += rows[cuts[client]..<cuts[client + 1]] }
                }
                if rowsOf.allSatisfy({ $0.count >= Self.minimumRows }) { return rowsOf }
            }
            throw PartitionError(description: "no Dirichlet(\(alpha)) draw in \(Self.maxRedraws) gave every client \(Self.minimumRows) rows; use a larger alpha or fewer clients")
        case .labelsPerClient(let k):
            guard (1...classes).contains(k) else {
                throw PartitionError(description: "labels_per_client must be from 1 to the \(classes) classes, found \(k)")
            }
            var holders = [[Int]](repeating: [], count: classes)
            for client in 0..<clients {
                var owned = [client % classes]
                while owned.count < k {
                    let label = random.int(below: classes)
                    if !owned.contains(label) { owned.append(label) }
                }
                for label in owned { holders[label].append(client) }
            }
            for (label, var rows) in Self.rowsByClass(labels, classes: classes).enumerated() where !holders[label].isEmpty {
                random.shuffle(&rows)
                let parts = holders[label].count
                for (j, client) in holders[label].enumerated() {
                    rowsOf[client] += rows[(j * rows.count / parts)..<((j + 1) * rows.count / parts)]
                }
            }
        case .quantitySkew(let alpha):
            try Self.requireMinimum(n, clients, "quantity_skew")
            var order = Array(0..<n)
            random.shuffle(&order)
            for _ in 0..<Self.maxRedraws {
                let cuts = Self.cuts((0..<clients).map { _ in random.gamma(shape: alpha) }, count: n)
                if (0..<clients).allSatisfy({ cuts[$0 + 1] - cuts[$0] >= Self.minimumRows }) {
                    return (0..<clients).map { Array(order[cuts[$0]..<cuts[$0 + 1]]) }
                }
            }
            throw PartitionError(description: "no Dirichlet(\(alpha)) draw of sizes in \(Self.maxRedraws) gave every client \(Self.minimumRows) rows; use a larger alpha or fewer clients")
        case .shards(let perClient):
            let order = labels.indices.sorted { (labels[$0], $0) < (labels[$1], $1) }
            let count = clients * perClient
            var shards = Array(0..<count)
            random.shuffle(&shards)
            for (i, shard) in shards.enumerated() {
                rowsOf[i / perClient] += order[(shard * order.count / count)..<((shard + 1) * order.count / count)]
            }
        }
        return rowsOf
    }

    /// Each client's rows of a single labelled set, each client's rows then shuffled and split
    /// into train (the first `trainFraction`, rounded down) and test (FedProx's 90/10 split).
    public func clientRows(of data: LabelledData, clients: Int, trainFraction: Double = 0.9,
                           random: any RandomSource) throws -> [ClientRows] {
        try assign(labels: data.labels, classes: data.classes, clients: clients, random: random).map { rows in
            let (train, test) = ClientData.splitOrder(rows.count, trainFraction: trainFraction, random: random)
            return ClientRows(train: train.map { rows[$0] }, test: test.map { rows[$0] })
        }
    }

    /// Each client's rows when the dataset has its own test set: training rows by this
    /// partition, test rows dealt out IID (so evaluating on every client covers the whole test
    /// set once, as NIID-Bench's global test accuracy does).
    public func clientRows(trainLabels: [Int32], testCount: Int, classes: Int, clients: Int,
                           random: any RandomSource) throws -> [ClientRows] {
        let train = try assign(labels: trainLabels, classes: classes, clients: clients, random: random)
        return zip(train, Self.dealt(testCount, clients: clients, random: random)).map { ClientRows(train: $0, test: $1) }
    }

    /// Splits `data` over `clients` clients, each then split into train and test (`trainFraction`).
    public func split(_ data: LabelledData, clients: Int, trainFraction: Double = 0.9, random: any RandomSource) throws -> [ClientData] {
        try clientRows(of: data, clients: clients, trainFraction: trainFraction, random: random).map {
            ClientData(train: data.subset($0.train), test: data.subset($0.test))
        }
    }

    /// Rows 0..<count shuffled and dealt out to `clients` in turn.
    private static func dealt(_ count: Int, clients: Int, random: any RandomSource) -> [[Int]] {
        var order = Array(0..<count)
        random.shuffle(&order)
        var rowsOf = [[Int]](repeating: [], count: clients)
        for (i, row) in order.enumerated() { rowsOf[i % clients].append(row) }
        return rowsOf
    }

    private static func requireMinimum(_ rows: Int, _ clients: Int, _ name: String) throws {
        guard rows >= minimumRows * clients else {
            throw PartitionError(description: "\(name) gives every client at least \(minimumRows) rows (NIID-Bench's rule), so \(clients) clients need \(minimumRows * clients) rows; the data have \(rows)")
        }
    }

    private static func rowsByClass(_ labels: [Int32], classes: Int) -> [[Int]] {
        var rows = [[Int]](repeating: [], count: classes)
        for (row, label) in labels.enumerated() { rows[Int(label)].append(row) }
        return rows
    }

    /// Cut points 0 = c0 <= c1 <= ... <= cn = count splitting `count` rows in proportion to
    /// `weights` (NIID-Bench's cumulative sum, truncated).
    private static func cuts(_ weights: [Double], count: Int) -> [Int] {
        let total = weights.reduce(0, +)
        var cuts = [0], cumulative = 0.0
        for (i, w) in weights.enumerated() {
            cumulative += total > 0 ? w / total : 1 / Double(weights.count)
            cuts.append(i == weights.count - 1 ? count : min(count, max(cuts.last!, Int(cumulative * Double(count)))))
        }
        return cuts
    }
}
