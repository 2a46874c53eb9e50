import Consensus
import Federation
import Learning
import SecureAggregation
import SimKernel
import TrainerBridge
#if canImport(Glibc)
import Glibc
#endif

extension World {
    /// Wraps `base` with the federated workload of `config` (streams `fl.data`, `fl.init`,
    /// `fl.selection`, `fl.stragglers`, `fl.batches`, `fl.device`, `fl.dropout`, `fl.latency`,
    /// and for the Python trainer `fl.client_seeds`, `fl.eval` and `fl.eval_seeds`), the dropout
    /// trace and the reward split.
    static func federated<Base: ConsensusProtocol>(_ base: Base, _ setup: RunSetup) throws -> FederatedChain<Base> {
        let config = setup.config
        let fl = config.federation
        let streams = RandomStreams(seed: config.seed)
        let data = fl.dataset
        let partition: Partition
        switch data.partition {
        case .iid: partition = .iid
        case .dirichlet: partition = .dirichlet(alpha: data.dirichletAlpha)
        case .shards: partition = .shards(perClient: data.shardsPerClient)
        case .labelsPerClient: partition = .labelsPerClient(data.labelsPerClient)
        case .quantitySkew: partition = .quantitySkew(alpha: data.dirichletAlpha)
        }
        // Each client's rows of the training and test sets, and those sets' labels.
        var rows: [ClientRows] = []
        var trainLabels: [Int32] = [], classes = 0
        do {
            switch data.kind {
            case .synthetic, .syntheticIid: break
            case .hdf5:
                let set = setup.federatedData!
                rows = try partition.clientRows(of: set, clients: fl.clients, random: streams.stream("fl.data"))
                (trainLabels, classes) = (set.labels, set.classes)
            case .fashionMnist:
                let set = setup.fashionMNIST!
                rows = try partition.clientRows(trainLabels: set.trainLabels, testCount: set.testLabels.count, classes: FashionMNIST.classes,
                                                clients: fl.clients, random: streams.stream("fl.data"))
                (trainLabels, classes) = (set.trainLabels, FashionMNIST.classes)
            }
        } catch let error as PartitionError {
            throw BuildError(description: "federation.dataset.partition: \(error.description)")
        }
        if let empty = rows.firstIndex(where: { $0.train.isEmpty || $0.test.isEmpty }) {
            throw BuildError(description: "federation.dataset.partition: client \(empty) gets \(rows[empty].train.count) training and \(rows[empty].test.count) test rows; every client needs both (use fewer clients or another partition)")
        }
        let strategy = fl.strategy.strategy
        let local = fl.local.training
        let malicious = Self.maliciousClients(fl, random: streams.stream("fl.attack.clients"))
        var learning: InMemoryFederation
        var labelCounts: [[Int]], testCounts: [Int]
        switch fl.trainer.kind {
        case .native:
            let clients: [ClientData]
            switch data.kind {
            case .synthetic, .syntheticIid:
                let kind: SyntheticData.Kind = data.kind == .syntheticIid ? .iid : .heterogeneous(alpha: data.alpha, beta: data.beta)
                clients = SyntheticData.generate(kind, clients: fl.clients, random: streams.stream("fl.data"))
            case .hdf5:
                let set = setup.federatedData!
                clients = rows.map { ClientData(train: set.subset($0.train), test: set.subset($0.test)) }
            case .fashionMnist:
                let train = setup.fashionMNIST!.train!, test = setup.fashionMNIST!.test!
                clients = rows.map { ClientData(train: train.subset($0.train), test: test.subset($0.test)) }
            }
            classes = clients[0].train.classes
            labelCounts = clients.map { Self.counts($0.train.labels, classes: classes) }
            testCounts = clients.map(\.test.count)
            let model = try fl.model.model(inputs: clients[0].train.dimension, classes: classes, dataset: data.kind)
            learning = InMemoryFederation(model: model, clients: try Self.poisoned(clients, fl.attack, malicious: malicious), strategy: strategy,
                                          local: local,
                                          clientsPerRound: fl.clientsPerRound, stragglerShare: fl.stragglers,
                                          initial: model.initialParameters(random: streams.stream("fl.init")),
                                          selection: streams.stream("fl.selection"), stragglers: streams.stream("fl.stragglers"),
                                          batches: streams.stream("fl.batches"))
        case .python:
            labelCounts = rows.map { Self.counts($0.train.map { trainLabels[$0] }, classes: classes) }
            testCounts = rows.map(\.test.count)
            var evaluators = Array(0..<fl.clients)
            if fl.trainer.evalClients > 0 {
                streams.stream("fl.eval").shuffle(&evaluators)
                evaluators = Array(evaluators.prefix(fl.trainer.evalClients)).sorted()
            }
            let cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
            let workers = min(fl.trainer.workers == 0 ? cores : fl.trainer.workers, max(fl.clientsPerRound, evaluators.count))
            var settings = PythonTrainerSettings(python: fl.trainer.python, module: setup.trainerModule!, workers: workers, timeoutS: fl.trainer.timeoutS,
                                                 flopsPerExample: fl.trainer.flopsPerExample, datasetKind: data.kind.rawValue,
                                                 datasetPath: setup.datasetPath,
                                                 local: local,
                                                 config: fl.trainer.config)
            settings.mu = strategy.proximalMu
            let trainer = try PythonTrainer(settings: settings, partitions: rows.map { ($0.train, $0.test) }, evaluators: evaluators,
                                            evaluationSeeds: streams.stream("fl.eval_seeds"))
            do {
                let initial = try trainer.initialParameters(seed: UInt64(streams.stream("fl.init").int(below: 1 << 31)))
                learning = InMemoryFederation(trainer: trainer, strategy: strategy, local: local, clientsPerRound: fl.clientsPerRound,
                                              stragglerShare: fl.stragglers, initial: initial, selection: streams.stream("fl.selection"),
                                              stragglers: streams.stream("fl.stragglers"), clientSeeds: streams.stream("fl.client_seeds"))
            } catch {
                trainer.close()
                throw error
            }
        }
        learning.measuresContributions = fl.rewardSplit == .contribution
        if fl.attack.kind != .none {
            learning.attack = fl.attack.attack
            learning.malicious = malicious
            learning.attackRandom = streams.stream("fl.attack")
            (learning.trainer as? NativeTrainer)?.measureSuccess(of: fl.attack.attack)
        }
        if fl.privacy.kind != .none {
            let privacy = CentralDP(clip: fl.privacy.clip, noiseMultiplier: fl.privacy.noiseMultiplier,
                                    samplingRate: Double(fl.clientsPerRound) / Double(fl.clients), clients: fl.clients)
            learning.privacy = privacy
            learning.privacyRandom = streams.stream("fl.privacy")
            learning.privacyDelta = fl.privacy.delta
            learning.noiseAtClients = fl.privacy.kind == .distributed
            let first = learning.epsilonAfterNextRound
            if fl.privacy.targetEpsilon > 0 && first > fl.privacy.targetEpsilon {
                learning.trainer.close()
                throw BuildError(description: "federation.privacy.target_epsilon: one round already spends epsilon \(first) (q \(privacy.samplingRate), z \(privacy.noiseMultiplier), delta \(fl.privacy.delta)); expected a budget of at least that, found \(fl.privacy.targetEpsilon)")
            }
        }
        if let defence = fl.strategy.robust.aggregation.makeAggregator() {
            if [.krum, .multiKrum, .bulyan].contains(fl.strategy.robust.kind), let reason = BLAS.unavailableReason {
                learning.trainer.close()
                throw BuildError(description: "federation.strategy.robust.kind: \(fl.strategy.robust.kind.rawValue) computes distances with OpenBLAS, which is unavailable: \(reason)")
            }
            learning.robust = defence
        }
        let speeds = fl.deviceGflops.drawPerNode(fl.clients, from: streams.stream("fl.device")).map { max($0, 1e-6) * 1e9 }
        var parameters = FederationParameters(aggregator: 0, clientNodes: Array(1...fl.clients), rounds: fl.rounds,
                                              confirmations: fl.confirmations, dropout: fl.dropout, deviceFlopsPerSecond: speeds,
                                              rewardPerRound: fl.rewardPerRound)
        parameters.aggregatorChoice = fl.aggregator
        parameters.minParticipants = fl.minParticipants
        parameters.committeeSize = fl.committeeSize
        parameters.recordFee = fl.recordFee
        parameters.rewardSplit = fl.rewardSplit
        parameters.targetEpsilon = fl.privacy.kind != .none ? fl.privacy.targetEpsilon : 0
        parameters.clientLabelCounts = labelCounts
        parameters.clientTestExamples = testCounts
        for (node, spans) in setup.offlineSpans { parameters.offline[node - 1] = spans }
        parameters.secureAggregation = fl.secureAggregation.settings
        parameters.slashing = fl.slashing.rule
        parameters.targetAccuracy = fl.targetAccuracy
        if fl.rentShare > 0 {
            var renters = [Bool](repeating: false, count: fl.clients)
            for client in sample(Int((fl.rentShare * Double(fl.clients)).rounded()), of: fl.clients, streams.stream("fl.renters")) {
                renters[Int(client)] = true
            }
            parameters.renters = renters
        }
        if fl.dataMarket {
            parameters.dataSourcing = dataSourcing(config, examples: (0..<learning.clientCount).map(learning.trainer.trainingExamples),
                                                   stakes: base.nodeColumns().first { $0.name == "stake" }?.values)
        }
        let maxWeight = (0..<learning.clientCount).map(learning.trainer.trainingExamples).max() ?? 1
        if let secure = parameters.secureAggregation,
           let problem = Quantizer.problem(clip: secure.clip, bits: secure.bits, maxWeight: maxWeight, clients: fl.clientsPerRound) {
            learning.trainer.close()
            throw BuildError(description: "federation.secure_aggregation.bits: \(problem)")
        }
        return FederatedChain(base: base, learning: learning, parameters: parameters, streams: streams)
    }

    /// Whether each client is malicious: `federation.attack.clients`, or a `fraction` of the
    /// clients (rounded) drawn from `random`.
    static func maliciousClients(_ fl: FederationConfig, random: any RandomSource) -> [Bool] {
        var flags = [Bool](repeating: false, count: fl.clients)
        guard fl.attack.kind != .none else { return flags }
        var chosen = fl.attack.clients
        if chosen.isEmpty {
            var order = Array(0..<fl.clients)
            random.shuffle(&order)
            chosen = Array(order.prefix(Int((fl.attack.fraction * Double(fl.clients)).rounded())))
        }
        for client in chosen { flags[client] = true }
        return flags
    }

    /// `stake` with the malicious clients' nodes (client i on node i + 1) holding
    /// `federation.attack.stake_share` of the total, in proportion to their drawn stakes (evenly
    /// if those are all zero); unchanged without a share. The malicious clients are drawn as in
    /// `federated(_:_:)`, from a fresh `fl.attack.clients` stream of the run seed.
    static func stakesWithAttackers(_ stake: [Double], _ config: FedChainConfig) -> [Double] {
        let fl = config.federation
        guard fl.rounds > 0, fl.attack.stakeShare > 0 else { return stake }
        let malicious = maliciousClients(fl, random: RandomStreams(seed: config.seed).stream("fl.attack.clients"))
        let attackerNode = stake.indices.map { $0 >= 1 && $0 <= malicious.count && malicious[$0 - 1] }
        let total = stake.reduce(0, +)
        let held = zip(stake, attackerNode).filter(\.1).reduce(0) { $0 + $1.0 }
        let honest = total - held
        let attackers = attackerNode.filter { $0 }.count
        let share = fl.attack.stakeShare
        return stake.indices.map { node in
            if attackerNode[node] { return held > 0 ? stake[node] / held * share * total : share * total / Double(attackers) }
            return honest > 0 ? stake[node] / honest * (1 - share) * total : 0
        }
    }

    /// `clients` with the malicious ones' training labels flipped (`label_flip`); unchanged otherwise.
    private static func poisoned(_ clients: [ClientData], _ attack: AttackConfig, malicious: [Bool]) throws -> [ClientData] {
        guard attack.kind == .labelFlip, let classes = clients.first?.train.classes else { return clients }
        for (key, value) in [("source", attack.source), ("target", attack.target)] where value >= classes {
            throw BuildError(description: "federation.attack.\(key): expected a class from 0 to \(classes - 1) (the data has \(classes)), found \(value)")
        }
        let rule = attack.attack
        var result = clients
        for i in result.indices where malicious[i] {
            result[i].train.labels = result[i].train.labels.map { Int32(rule.poisonedLabel(Int($0), classes: classes)) }
        }
        return result
    }

    /// Examples per class.
    private static func counts(_ labels: some Sequence<Int32>, classes: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }
}

extension ModelConfig {
    /// The native model for data of `inputs` features and `classes` classes.
    func model(inputs: Int, classes: Int, dataset: DatasetKind) throws -> any Model {
        let shape: TensorShape
        if inputShape.count == 3 {
            shape = TensorShape(height: inputShape[0], width: inputShape[1], channels: inputShape[2])
            guard shape.count == inputs else {
                throw World.BuildError(description: "federation.model.input_shape: \(shape) holds \(shape.count) values, but the data has \(inputs) features per example")
            }
        } else {
            shape = dataset == .fashionMnist ? TensorShape(height: 28, width: 28, channels: 1) : .vector(inputs)
        }
        do {
            switch kind {
            case .logistic: return DenseModel.logisticRegression(inputs: inputs, classes: classes)
            case .mlp: return DenseModel.mlp(inputs: inputs, hidden: hidden, classes: classes)
            case .simpleCnn: return try NeuralNetwork(preset: .simpleCNN, input: shape, classes: classes)
            case .cnnMcmahan: return try NeuralNetwork(preset: .cnnMcMahan, input: shape, classes: classes)
            case .mlp2nn: return try NeuralNetwork(preset: .mlp2NN, input: shape, classes: classes)
            case .layers: return try NeuralNetwork(input: shape, layers: try layers.enumerated().map { try Layer(parsing: $1, at: $0) }, classes: classes)
            }
        } catch let error as NetworkError {
            // A list names the entry at fault; a preset names its layer in the message.
            let located = kind == .layers ? "federation.model.layers" + (error.layer.map { ".\($0)" } ?? "") + ": \(error.message)"
                                          : "federation.model.kind: \(error.description)"
            throw World.BuildError(description: "\(located) (input \(shape), \(classes) classes)")
        }
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
