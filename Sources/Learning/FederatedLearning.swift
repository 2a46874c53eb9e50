import CGSL

/// How a federated round combines client updates (the narrow strategy seam: configure the local
/// objective, aggregate the results).
public struct FederatedStrategy: Sendable, Equatable {
    /// The algorithms.
    public enum Kind: String, Sendable, CaseIterable {
        /// McMahan et al. 2017: average weighted by sample count; stragglers are dropped.
        case fedavg
        /// Li et al. 2020: a proximal term mu keeps local models near the global one; stragglers'
        /// partial work is kept.
        case fedprox
    }

    public var kind: Kind
    /// Proximal coefficient (FedProx).
    public var mu: Double

    /// Creates a strategy.
    public init(kind: Kind, mu: Double = 0) {
        self.kind = kind
        self.mu = mu
    }

    /// The proximal coefficient clients train with.
    public var proximalMu: Double { kind == .fedprox ? mu : 0 }

    /// Whether a straggler's partial work enters the aggregate.
    public var keepsStragglers: Bool { kind == .fedprox }

    /// The average of `updates` weighted by sample count, summed in the given order (so equal
    /// inputs give bit-identical results); `current` when there is none.
    public func aggregate(_ updates: [(parameters: [Double], samples: Int)], current: [Double]) -> [Double] {
        let total = updates.reduce(0) { $0 + $1.samples }
        guard total > 0 else { return current }
        var result = [Double](repeating: 0, count: current.count)
        for update in updates {
            cblas_daxpy(Int32(result.count), Double(update.samples) / Double(total), update.parameters, 1, &result, 1)
        }
        return result
    }
}

/// A round's plan: who was selected, who straggles, who trains and for how many epochs.
public struct RoundPlan: Sendable, Equatable {
    public var round: Int
    public var selected: [Int]
    public var stragglers: [Int]
    /// Clients that train and whose updates the strategy takes (FedAvg leaves stragglers out).
    public var training: [Int]
    /// Local epochs of each training client.
    public var epochs: [Int]
}

/// One round's outcome.
public struct RoundResult: Sendable, Equatable {
    public var round: Int
    /// Clients selected this round.
    public var selected: [Int]
    /// Selected clients that ran fewer epochs.
    public var stragglers: [Int]
    /// Clients whose updates entered the aggregate.
    public var aggregated: [Int]
    /// Training loss of the new global model over every client's training data.
    public var trainLoss: Double
    /// Test accuracy of the new global model over every client's test data.
    public var testAccuracy: Double
    /// Each aggregated client's leave-one-out contribution, in `aggregated` order; empty unless
    /// the loop measures contributions.
    public var contributions: [Double] = []
}

/// Federated training as a plain loop in memory: select clients, train locally, aggregate. The
/// simulator's federation (rounds as network and chain events) must give the same model.
public struct InMemoryFederation {
    public let model: DenseModel
    public let clients: [ClientData]
    public let strategy: FederatedStrategy
    public let local: LocalTraining
    public let clientsPerRound: Int
    /// Share of selected clients that are stragglers (run a random number of epochs in [1, E]).
    public let stragglerShare: Double
    /// The global model.
    public private(set) var parameters: [Double]
    /// Rounds run so far.
    public private(set) var round = 0
    /// Whether each round measures the leave-one-out contribution of every aggregated update
    /// (one extra aggregation and test evaluation per update).
    public var measuresContributions = false

    private let selection: any RandomSource
    private let stragglerDraws: any RandomSource
    private let batches: any RandomSource
    private let workspace = Workspace()
    private let allTrain: LabelledData
    private let allTest: LabelledData

    /// Creates the loop; `selection`, `stragglers` and `batches` are three named streams.
    public init(model: DenseModel, clients: [ClientData], strategy: FederatedStrategy, local: LocalTraining, clientsPerRound: Int,
                stragglerShare: Double, initial: [Double], selection: any RandomSource, stragglers: any RandomSource,
                batches: any RandomSource) {
        precondition(clientsPerRound >= 1 && clientsPerRound <= clients.count, "1 ... clients per round")
        self.model = model
        self.clients = clients
        self.strategy = strategy
        self.local = local
        self.clientsPerRound = clientsPerRound
        self.stragglerShare = stragglerShare
        self.parameters = initial
        self.selection = selection
        self.stragglerDraws = stragglers
        self.batches = batches
        allTrain = Self.concatenate(clients.map(\.train))
        allTest = Self.concatenate(clients.map(\.test))
    }

    /// Runs one round and returns what happened: `planRound`, `train`, `finishRound`.
    public mutating func runRound() -> RoundResult {
        let plan = planRound()
        return finishRound(plan, updates: train(plan))
    }

    /// Starts the next round: selects clients (uniformly, without replacement) and stragglers
    /// with their epochs.
    public mutating func planRound() -> RoundPlan {
        round += 1
        var order = Array(clients.indices)
        selection.shuffle(&order)
        let selected = Array(order.prefix(clientsPerRound)).sorted()
        let stragglerCount = Int((Double(selected.count) * stragglerShare).rounded())
        var shuffled = selected
        stragglerDraws.shuffle(&shuffled)
        let stragglers = Set(shuffled.prefix(stragglerCount))
        var epochs: [Int] = []
        var training: [Int] = []
        for client in selected {
            let straggles = stragglers.contains(client)
            let e = straggles ? 1 + stragglerDraws.int(below: local.epochs) : local.epochs
            if straggles && !strategy.keepsStragglers { continue }
            training.append(client)
            epochs.append(e)
        }
        return RoundPlan(round: round, selected: selected, stragglers: stragglers.sorted(), training: training, epochs: epochs)
    }

    /// Gives up the round just planned (too few updates arrived): the model stays and the next
    /// `planRound` plans the same round number again, with fresh draws.
    public mutating func abandonRound() { round -= 1 }

    /// Trains every client of `plan` from the current global model, in plan order.
    public func train(_ plan: RoundPlan) -> [[Double]] {
        zip(plan.training, plan.epochs).map { client, epochs in
            LocalSGD.train(model, from: parameters, on: clients[client].train, epochs: epochs, batchSize: local.batchSize,
                           learningRate: local.learningRate, mu: strategy.proximalMu, random: batches, workspace: workspace)
        }
    }

    /// Aggregates the updates that arrived (`delivered[i]` says whether `plan.training[i]`'s
    /// did; all by default), moves the global model and evaluates it. `aggregate`, when given,
    /// is the new model as computed elsewhere (by secure aggregation) and replaces the strategy's.
    public mutating func finishRound(_ plan: RoundPlan, updates: [[Double]], delivered: [Bool]? = nil, aggregate: [Double]? = nil) -> RoundResult {
        var arrived: [(parameters: [Double], samples: Int)] = []
        var aggregated: [Int] = []
        for (i, client) in plan.training.enumerated() where delivered?[i] ?? true {
            arrived.append((updates[i], clients[client].train.count))
            aggregated.append(client)
        }
        let previous = parameters
        parameters = aggregate ?? strategy.aggregate(arrived, current: parameters)
        let train = model.evaluate(parameters, allTrain, workspace: workspace)
        let test = model.evaluate(parameters, allTest, workspace: workspace)
        var result = RoundResult(round: plan.round, selected: plan.selected, stragglers: plan.stragglers, aggregated: aggregated,
                                 trainLoss: train.loss, testAccuracy: test.accuracy)
        if measuresContributions {
            result.contributions = arrived.indices.map { left in
                var others = arrived
                others.remove(at: left)
                let without = model.evaluate(strategy.aggregate(others, current: previous), allTest, workspace: workspace)
                return max(0, without.loss - test.loss)
            }
        }
        return result
    }

    private static func concatenate(_ parts: [LabelledData]) -> LabelledData {
        LabelledData(features: parts.flatMap(\.features), labels: parts.flatMap(\.labels), dimension: parts[0].dimension,
                     classes: parts[0].classes)
    }
}
