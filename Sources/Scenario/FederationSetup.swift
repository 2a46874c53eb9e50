import Consensus
import Federation
import Learning
import SimKernel

extension World {
    /// Wraps `base` with the federated workload of `config` (streams `fl.data`, `fl.init`,
    /// `fl.selection`, `fl.stragglers`, `fl.batches`, `fl.device`, `fl.dropout`, `fl.latency`).
    static func federated<Base: ConsensusProtocol>(_ base: Base, _ config: FedChainConfig) -> FederatedChain<Base> {
        let fl = config.federation
        let streams = RandomStreams(seed: config.seed)
        let kind: SyntheticData.Kind = fl.dataset.kind == .syntheticIid ? .iid : .heterogeneous(alpha: fl.dataset.alpha, beta: fl.dataset.beta)
        let clients = SyntheticData.generate(kind, clients: fl.clients, random: streams.stream("fl.data"))
        let model = fl.model.kind == .mlp
            ? DenseModel.mlp(inputs: SyntheticData.dimension, hidden: fl.model.hidden, classes: SyntheticData.classes)
            : DenseModel.logisticRegression(inputs: SyntheticData.dimension, classes: SyntheticData.classes)
        let learning = InMemoryFederation(model: model, clients: clients, strategy: FederatedStrategy(kind: fl.strategy.kind, mu: fl.strategy.mu),
                                          local: LocalTraining(epochs: fl.local.epochs, batchSize: fl.local.batchSize, learningRate: fl.local.learningRate),
                                          clientsPerRound: fl.clientsPerRound, stragglerShare: fl.stragglers,
                                          initial: model.initialParameters(random: streams.stream("fl.init")),
                                          selection: streams.stream("fl.selection"), stragglers: streams.stream("fl.stragglers"),
                                          batches: streams.stream("fl.batches"))
        let speeds = fl.deviceGflops.drawPerNode(fl.clients, from: streams.stream("fl.device")).map { max($0, 1e-6) * 1e9 }
        let parameters = FederationParameters(aggregator: 0, clientNodes: Array(1...fl.clients), rounds: fl.rounds,
                                              confirmations: fl.confirmations, dropout: fl.dropout, deviceFlopsPerSecond: speeds,
                                              rewardPerRound: fl.rewardPerRound)
        return FederatedChain(base: base, learning: learning, parameters: parameters, streams: streams)
    }
}
