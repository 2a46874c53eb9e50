import Consensus
import Federation
import Learning
import SecureAggregation
import SimKernel

extension World {
    /// Wraps `base` with the federated workload of `config` (streams `fl.data`, `fl.init`,
    /// `fl.selection`, `fl.stragglers`, `fl.batches`, `fl.device`, `fl.dropout`, `fl.latency`), the
    /// dropout trace and the reward split.
    static func federated<Base: ConsensusProtocol>(_ base: Base, _ setup: RunSetup) throws -> FederatedChain<Base> {
        let config = setup.config
        let fl = config.federation
        let streams = RandomStreams(seed: config.seed)
        let clients: [ClientData]
        let data = fl.dataset
        switch data.kind {
        case .synthetic, .syntheticIid:
            let kind: SyntheticData.Kind = data.kind == .syntheticIid ? .iid : .heterogeneous(alpha: data.alpha, beta: data.beta)
            clients = SyntheticData.generate(kind, clients: fl.clients, random: streams.stream("fl.data"))
        case .hdf5:
            let partition: Partition
            switch data.partition {
            case .iid: partition = .iid
            case .dirichlet: partition = .dirichlet(alpha: data.dirichletAlpha)
            case .shards: partition = .shards(perClient: data.shardsPerClient)
            }
            clients = partition.split(setup.federatedData!, clients: fl.clients, random: streams.stream("fl.data"))
        }
        let inputs = clients[0].train.dimension, classes = clients[0].train.classes
        let model = fl.model.kind == .mlp ? DenseModel.mlp(inputs: inputs, hidden: fl.model.hidden, classes: classes)
                                          : DenseModel.logisticRegression(inputs: inputs, classes: classes)
        var learning = InMemoryFederation(model: model, clients: clients, strategy: FederatedStrategy(kind: fl.strategy.kind, mu: fl.strategy.mu),
                                          local: LocalTraining(epochs: fl.local.epochs, batchSize: fl.local.batchSize, learningRate: fl.local.learningRate),
                                          clientsPerRound: fl.clientsPerRound, stragglerShare: fl.stragglers,
                                          initial: model.initialParameters(random: streams.stream("fl.init")),
                                          selection: streams.stream("fl.selection"), stragglers: streams.stream("fl.stragglers"),
                                          batches: streams.stream("fl.batches"))
        let speeds = fl.deviceGflops.drawPerNode(fl.clients, from: streams.stream("fl.device")).map { max($0, 1e-6) * 1e9 }
        var parameters = FederationParameters(aggregator: 0, clientNodes: Array(1...fl.clients), rounds: fl.rounds,
                                              confirmations: fl.confirmations, dropout: fl.dropout, deviceFlopsPerSecond: speeds,
                                              rewardPerRound: fl.rewardPerRound)
        parameters.aggregatorChoice = fl.aggregator
        parameters.minParticipants = fl.minParticipants
        parameters.committeeSize = fl.committeeSize
        parameters.rewardSplit = fl.rewardSplit
        learning.measuresContributions = fl.rewardSplit == .contribution
        for (node, spans) in setup.offlineSpans { parameters.offline[node - 1] = spans }
        parameters.secureAggregation = fl.secureAggregation.settings
        if let secure = parameters.secureAggregation,
           let problem = Quantizer.problem(clip: secure.clip, bits: secure.bits, maxWeight: clients.map(\.train.count).max() ?? 1,
                                           clients: fl.clientsPerRound) {
            throw BuildError(description: "federation.secure_aggregation.bits: \(problem)")
        }
        return FederatedChain(base: base, learning: learning, parameters: parameters, streams: streams)
    }
}

extension SecureAggregationConfig {
    /// The federation's settings; nil for `protocol: none`.
    var settings: SecureAggregationSettings? {
        let kind: SecAggProtocol
        switch `protocol` {
        case .none: return nil
        case .secagg: kind = .secagg
        case .secaggplus: kind = .secaggplus
        }
        var cost = SecAggCostModel()
        cost.keyGenerationS = self.cost.keyGenerationUs * 1e-6
        cost.keyAgreementS = self.cost.keyAgreementUs * 1e-6
        cost.aeadMessageS = self.cost.aeadMessageUs * 1e-6
        cost.fieldMultiplicationS = self.cost.fieldMultiplicationNs * 1e-9
        cost.prgBytesPerS = self.cost.prgGbS * 1e9
        return SecureAggregationSettings(kind: kind, threshold: threshold, neighbours: neighbours, clip: clip, bits: bits, timeoutS: timeoutS,
                                         cost: cost)
    }
}
