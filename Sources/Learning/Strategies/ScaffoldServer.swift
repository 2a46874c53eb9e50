/// SCAFFOLD (Karimireddy et al. 2020, option II), as NIID-Bench runs it. The server keeps the
/// control variate c and each client's c_i; a client adds c - c_i to every local step. After a
/// client of K steps at learning rate lr returns y_i from x:
/// c_i+ = c_i - c + (x - y_i) / (K lr); x += eta sum_i p_i (y_i - x), with p_i the example shares
/// of the updates that arrived (NIID-Bench weights the models as FedAvg does; the paper's plain
/// mean is the same for equal shares); c += sum_i (c_i+ - c_i) / N over all N clients.
///
/// The server holds every c_i, so the state is the server's: a client whose update is lost keeps
/// its old c_i (it never reported a new one). Both directions carry one extra model-sized vector.
public struct ScaffoldServer: ServerStrategy {
    public let clients: Int
    public let learningRate: Double
    public let serverLearningRate: Double
    private var global: [Double]
    private var perClient: [[Double]]

    /// Creates the server with all control variates zero.
    public init(parameterCount: Int, clients: Int, local: LocalTraining, serverLearningRate: Double) {
        self.clients = clients
        learningRate = local.learningRate
        self.serverLearningRate = serverLearningRate
        global = [Double](repeating: 0, count: parameterCount)
        perClient = Array(repeating: [], count: clients)
    }

    public func correction(for client: Int) -> [Double]? {
        let own = perClient[client]
        return own.isEmpty ? global : global.indices.map { global[$0] - own[$0] }
    }

    public mutating func aggregate(_ updates: [ClientUpdate], current: [Double], average: [Double]?) -> [Double] {
        precondition(average == nil, "SCAFFOLD needs each update, not their average")
        let total = updates.reduce(0) { $0 + $1.examples }
        guard total > 0 else { return current }
        var change = [Double](repeating: 0, count: current.count)
        var next = current
        for update in updates {
            let share = serverLearningRate * Double(update.examples) / Double(total)
            let scale = 1 / (Double(max(update.steps, 1)) * learningRate)
            if perClient[update.client].isEmpty { perClient[update.client] = [Double](repeating: 0, count: current.count) }
            for i in current.indices {
                // c_i+ - c_i = (x - y_i) / (K lr) - c
                let delta = (current[i] - update.parameters[i]) * scale - global[i]
                perClient[update.client][i] += delta
                change[i] += delta
                next[i] += share * (update.parameters[i] - current[i])
            }
        }
        for i in global.indices { global[i] += change[i] / Double(clients) }
        return next
    }
}
