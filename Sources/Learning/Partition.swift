#if canImport(Glibc)
import Glibc
#endif

/// How a labelled data set is spread over clients.
public enum Partition: Sendable, Equatable {
    /// Rows shuffled and dealt out evenly.
    case iid
    /// Label skew: for each class, the clients' shares of its rows are Dirichlet(alpha)
    /// (small alpha: each client holds few classes).
    case dirichlet(alpha: Double)
    /// McMahan et al.'s pathological non-IID split: rows sorted by label, cut into
    /// clients x `perClient` shards, `perClient` random shards per client.
    case shards(perClient: Int)

    /// Splits `data` over `clients` clients, each then split into train and test (`trainFraction`).
    public func split(_ data: LabelledData, clients: Int, trainFraction: Double = 0.9, random: any RandomSource) -> [ClientData] {
        var rowsOf = [[Int]](repeating: [], count: clients)
        switch self {
        case .iid:
            var order = Array(0..<data.count)
            random.shuffle(&order)
            for (i, row) in order.enumerated() { rowsOf[i % clients].append(row) }
        case .dirichlet(let alpha):
            for cls in 0..<data.classes {
                var rows = data.labels.indices.filter { data.labels[$0] == Int32(cls) }
                random.shuffle(&rows)
                let weights = (0..<clients).map { _ in random.gamma(shape: alpha) }
                let total = weights.reduce(0, +)
                var start = 0, cumulative = 0.0
                for client in 0..<clients {
                    cumulative += total > 0 ? weights[client] / total : 1 / Double(clients)
                    let end = client == clients - 1 ? rows.count : min(rows.count, Int((cumulative * Double(rows.count)).rounded()))
                    rowsOf[client] += rows[start..<max(start, end)]
                    start = max(start, end)
                }
            }
        case .shards(let perClient):
            let order = data.labels.indices.sorted { (data.labels[$0], $0) < (data.labels[$1], $1) }
            let count = clients * perClient
            var shards = Array(0..<count)
            random.shuffle(&shards)
            for (i, shard) in shards.enumerated() {
                rowsOf[i / perClient] += order[(shard * order.count / count)..<((shard + 1) * order.count / count)]
            }
        }
        return rowsOf.map { rows in ClientData(splitting: data.subset(rows), trainFraction: trainFraction, random: random) }
    }
}
