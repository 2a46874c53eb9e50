import CGSL

/// How a federated round configures its clients and combines their updates: the settings a
/// config names. The algorithm itself is a `ServerStrategy`, made by `makeServer`.
public struct FederatedStrategy: Sendable, Equatable {
    /// The algorithms. A new one is a file with a `ServerStrategy` plus a case here and a line in
    /// `makeServer` (docs/extending.md).
    public enum Kind: String, Sendable, CaseIterable {
        /// McMahan et al. 2017: average weighted by sample count; stragglers are dropped.
        case fedavg
        /// Li et al. 2020: a proximal term mu keeps local models near the global one; stragglers'
        /// partial work is kept.
        case fedprox
        /// Karimireddy et al. 2020: control variates correct each client's drift.
        case scaffold
        /// Wang et al. 2020: updates normalised by the local steps each client took.
        case fednova
        /// Hsu et al. 2019: server momentum on the averaged update.
        case fedavgm
        /// Reddi et al. 2021: Adagrad, Adam and Yogi on the averaged update.
        case fedadagrad, fedadam, fedyogi
    }

    public var kind: Kind
    /// Proximal coefficient (FedProx).
    public var mu: Double
    /// The server's step on the averaged update (FedAvgM, FedOpt, SCAFFOLD's global step size);
    /// nil: the algorithm's usual value (`defaultServerLearningRate`).
    public var serverLearningRate: Double?
    /// FedAvgM's momentum; FedOpt's first-moment decay beta1.
    public var serverMomentum: Double
    /// FedAdam and FedYogi's second-moment decay beta2.
    public var serverBeta2: Double
    /// FedOpt's adaptivity tau (added to the root of the second moment).
    public var serverTau: Double

    /// Creates a strategy.
    public init(kind: Kind, mu: Double = 0, serverLearningRate: Double? = nil, serverMomentum: Double = 0.9,
                serverBeta2: Double = 0.99, serverTau: Double = 1e-3) {
        self.kind = kind
        self.mu = mu
        self.serverLearningRate = serverLearningRate
        self.serverMomentum = serverMomentum
        self.serverBeta2 = serverBeta2
        self.serverTau = serverTau
    }

    /// The server learning rate when none is set: 1 (plain averaging) except FedAdagrad (0.1),
    /// FedAdam and FedYogi (0.01), within the best ranges of Reddi et al. 2021's grids.
    public var defaultServerLearningRate: Double {
        switch kind {
        case .fedadagrad: 0.1
        case .fedadam, .fedyogi: 0.01
        default: 1
        }
    }

    /// The proximal coefficient clients train with.
    public var proximalMu: Double { kind == .fedprox ? mu : 0 }

    /// Whether a straggler's partial work enters the aggregate (FedProx, and FedNova, which
    /// normalises it).
    public var keepsStragglers: Bool { kind == .fedprox || kind == .fednova }

    /// Whether the new model depends on the updates only through their example-weighted
    /// average: what secure aggregation computes. SCAFFOLD (control variates, a uniform mean)
    /// and FedNova (per-client step normalisation) need each update.
    public var needsOnlyWeightedAverage: Bool { kind != .scaffold && kind != .fednova }

    /// Whether clients keep state between rounds that only the native trainer holds (SCAFFOLD).
    public var needsNativeTrainer: Bool { kind == .scaffold }

    /// Model-sized vectors sent each way per client on top of the model (SCAFFOLD: the control
    /// variate down, its change up).
    public var extraVectorsPerTransfer: Int { kind == .scaffold ? 1 : 0 }

    /// The algorithm's server side, starting from no history. `local` is the clients' training
    /// (SCAFFOLD and FedNova need its learning rate and momentum).
    public func makeServer(parameterCount: Int, clients: Int, local: LocalTraining) -> any ServerStrategy {
        let rate = serverLearningRate ?? defaultServerLearningRate
        switch kind {
        case .fedavg, .fedprox: return FedAvgServer()
        case .scaffold: return ScaffoldServer(parameterCount: parameterCount, clients: clients, local: local, serverLearningRate: rate)
        case .fednova: return FedNovaServer(momentum: local.momentum)
        case .fedavgm: return FedOptServer(.momentum, parameterCount: parameterCount, rate: rate, beta1: serverMomentum, beta2: serverBeta2, tau: serverTau)
        case .fedadagrad: return FedOptServer(.adagrad, parameterCount: parameterCount, rate: rate, beta1: serverMomentum, beta2: serverBeta2, tau: serverTau)
        case .fedadam: return FedOptServer(.adam, parameterCount: parameterCount, rate: rate, beta1: serverMomentum, beta2: serverBeta2, tau: serverTau)
        case .fedyogi: return FedOptServer(.yogi, parameterCount: parameterCount, rate: rate, beta1: serverMomentum, beta2: serverBeta2, tau: serverTau)
        }
    }
}

/// One client's update as the server receives it.
public struct ClientUpdate: Sendable, Equatable {
    public var client: Int
    public var parameters: [Double]
    public var examples: Int
    public var steps: Int

    /// Creates an update.
    public init(client: Int, parameters: [Double], examples: Int, steps: Int) {
        self.client = client
        self.parameters = parameters
        self.examples = examples
        self.steps = steps
    }
}

/// The server side of a federated algorithm: what it tells each client (`correction`) and how it
/// turns the updates that arrived into the next global model (`aggregate`). A value: its state
/// (moments, control variates) lives in it, and a copy can try an aggregation without
/// changing the original (leave-one-out contributions do).
public protocol ServerStrategy: Sendable {
    /// What `client` adds to each local step this round (SCAFFOLD's c - c_i); nil: nothing.
    func correction(for client: Int) -> [Double]?
    /// The next global model from `updates` (in plan order) and the `current` one. `average`,
    /// when given, is the updates' example-weighted average as computed elsewhere (by secure
    /// aggregation) and is what the strategy must use instead of the updates' parameters.
    mutating func aggregate(_ updates: [ClientUpdate], current: [Double], average: [Double]?) -> [Double]
}

extension ServerStrategy {
    public func correction(for client: Int) -> [Double]? { nil }
}

/// The example-weighted average of `updates`, summed in order; nil when no examples arrived.
func weightedAverage(_ updates: [ClientUpdate]) -> [Double]? {
    let total = updates.reduce(0) { $0 + $1.examples }
    guard total > 0, let first = updates.first else { return nil }
    var result = [Double](repeating: 0, count: first.parameters.count)
    for update in updates {
        cblas_daxpy(Int32(result.count), Double(update.examples) / Double(total), update.parameters, 1, &result, 1)
    }
    return result
}
