import Consensus
import Ledger
import NetworkModel
import SimKernel

/// Builds the simulated world of a setup: nodes placed in regions, their peer graph, per-node
/// parameters and the consensus model.
///
/// Streams used: `net.placement`, `net.degree`, `net.topology`, `pow.hash_rate` (plus the
/// models' own).
public enum World {
    /// A world that cannot be built as configured (e.g. a disconnected graph with
    /// `on_disconnected: error`).
    public struct BuildError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The network of `setup`.
    public static func network(_ setup: RunSetup, streams: RandomStreams) throws -> Network {
        let config = setup.config.network
        let regions = Network.placeNodes(config.nodes, table: setup.regions, using: streams.stream("net.placement"))
        let repair = config.onDisconnected == .repair
        let topology: Topology
        if let edges = setup.edges {
            topology = Topology(nodeCount: config.nodes, edges: edges).repaired(repair, using: streams.stream("net.topology"))
        } else {
            let counts: [Int]
            switch config.degreeDistribution {
            case .fixed: counts = [Int](repeating: config.outboundPeers, count: config.nodes)
            case .btc2015:
                let degree = streams.stream("net.degree")
                counts = (0..<config.nodes).map { _ in DegreeDistribution.bitcoin2015.draw(using: degree) }
            }
            topology = Topology.random(outboundCounts: counts, inboundCap: config.inboundCap > 0 ? config.inboundCap : nil,
                                       repair: repair, using: streams.stream("net.topology"))
        }
        let components = topology.components().count
        if components > 1 {
            throw BuildError(description: "network.on_disconnected is error and the peer graph has \(components) components "
                             + "(raise network.outbound_peers, or set on_disconnected: repair)")
        }
        let latency = LatencyModel(table: setup.regions, distribution: config.latency.distribution,
                                   fixedMeanMs: config.latency.fixedMs > 0 ? config.latency.fixedMs : nil,
                                   sdFraction: config.latency.sdFraction)
        let links = LinkParameters(processing: SimDuration(milliseconds: config.processingMs),
                                   controlDelay: SimDuration(milliseconds: config.controlDelayMs), serialization: config.bandwidth,
                                   uplinkHold: config.uplinkHold)
        return Network(regionOfNode: regions, topology: topology, latency: latency, links: links)
    }

    /// The relay parameters of `config`, with the nodes whose receive times are kept
    /// (`output.receive_times_nodes` of them, drawn from stream `output.receive_times`).
    public static func relay(_ config: FedChainConfig, _ streams: RandomStreams) -> RelayParameters {
        let relay = config.network.relay
        var parameters = RelayParameters(relayProtocol: relay.protocol, invBytes: relay.invBytes, getdataBytes: relay.getdataBytes,
                                         compact: relay.compact)
        parameters.receiveTimesNodes = sample(config.output.receiveTimesNodes, of: config.network.nodes,
                                              streams.stream("output.receive_times"))
        return parameters
    }

    /// `count` distinct nodes of `n`, ascending (Floyd's algorithm: `count` draws, whatever n).
    static func sample(_ count: Int, of n: Int, _ stream: RandomStream) -> [Int32] {
        var chosen = Set<Int>()
        for j in (n - count)..<n {
            let t = stream.int(below: j + 1)
            chosen.insert(chosen.contains(t) ? j : t)
        }
        return chosen.sorted().map(Int32.init)
    }

    /// The proof-of-work model of `setup`.
    public static func proofOfWork(_ setup: RunSetup) throws -> NakamotoPoW {
        let config = setup.config
        let streams = RandomStreams(seed: config.seed)
        let network = try network(setup, streams: streams)
        var hashRate = try hashRates(config, streams)
        let attack = config.adversary
        let strategy: AdversaryStrategy
        switch attack.kind {
        case .none: strategy = .none
        case .selfish: strategy = .selfish(gamma: attack.gamma)
        case .doubleSpend: strategy = .doubleSpend(confirmations: attack.confirmations)
        }
        if attack.kind != .none {
            // Node 0 attacks; its hash rate makes its share of the total exactly `share`.
            hashRate[0] = attack.share / (1 - attack.share) * hashRate.dropFirst().reduce(0, +)
        }
        let pow = powParameters(setup)
        return NakamotoPoW(network: network, relay: relay(config, streams), hashRate: hashRate, pow: pow, energy: energy(config.energy),
                           adversary: strategy, attacker: 0, streams: streams)
    }

    /// The hierarchical model of `setup`: PoW parameters and hash rates from `consensus.pow`,
    /// stake and elections from `consensus.hierarchical`.
    public static func hierarchical(_ setup: RunSetup) throws -> HierarchicalConsensus {
        let config = setup.config
        let streams = RandomStreams(seed: config.seed)
        let network = try network(setup, streams: streams)
        let hashRate = try hashRates(config, streams)
        let h = config.consensus.hierarchical
        let stake = stakesWithAttackers(try stakes(h.stake, key: "consensus.hierarchical.stake", nodes: config.network.nodes,
                                                   from: streams.stream("hier.stake")), config)
        let parameters = HierarchicalParameters(clusters: h.clusters, representativesPerCluster: h.representativesPerCluster,
                                                electionPeriodBlocks: h.electionPeriodBlocks,
                                                rewardSplit: (h.rewardSplit.producer, h.rewardSplit.cluster, h.rewardSplit.foundation))
        return HierarchicalConsensus(network: network, relay: relay(config, streams), hashRate: hashRate, stake: stake,
                                     pow: powParameters(setup), hierarchical: parameters, energy: energy(config.energy), streams: streams)
    }

    /// The mempool's workload: the configured transactions, or an empty one for contract calls.
    static func transactionWorkload(_ setup: RunSetup) -> TransactionParameters? {
        setup.config.workload.transactions.parameters(trace: setup.transactionTrace, 
                                                            carriesCalls: setup.config.workload.computeMarket.isOn || setup.config.federation.dataMarket)
    }

    /// The PoW parameters of `setup`.
    static func powParameters(_ setup: RunSetup) -> PoWParameters {
        let config = setup.config
        return PoWParameters(
            blockInterval: SimDuration(seconds: config.consensus.blockIntervalS),
            blockSizeBytes: config.consensus.blockSizeBytes,
            txSizeBytes: config.consensus.txSizeBytes,
            targetHeight: config.stop.blocks > 0 ? config.stop.blocks : nil,
            retargetBlocks: config.consensus.pow.retargetBlocks,
            retargetClamp: config.consensus.pow.retargetClamp,
            hashRateChanges: config.consensus.pow.hashRateChanges.map { (SimTime.zero + SimDuration(seconds: $0.atS), $0.factor) },
            transactions: transactionWorkload(setup))
    }

    /// The proof-of-stake model of `setup`.
    public static func proofOfStake(_ setup: RunSetup) throws -> ProofOfStake {
        let config = setup.config
        let streams = RandomStreams(seed: config.seed)
        let network = try network(setup, streams: streams)
        let stake = stakesWithAttackers(try stakes(config.consensus.pos.stake, key: "consensus.pos.stake", nodes: config.network.nodes,
                                                   from: streams.stream("pos.stake")), config)
        let pos = config.consensus.pos
        var parameters = PoSParameters(mode: pos.mode, slot: SimDuration(seconds: pos.slotS), activeSlotCoefficient: pos.activeSlotCoefficient,
                                       slotsPerEpoch: pos.slotsPerEpoch, blockSizeBytes: config.consensus.blockSizeBytes,
                                       txSizeBytes: config.consensus.txSizeBytes, targetHeight: config.stop.blocks > 0 ? config.stop.blocks : nil)
        parameters.transactions = transactionWorkload(setup)
        return ProofOfStake(network: network, relay: relay(config, streams), stake: stake, pos: parameters, energy: energy(config.energy),
                            streams: streams)
    }

    /// Per-node hash rates: the pools' rates for the first nodes, draws for the rest; an error
    /// when no node can mine.
    static func hashRates(_ config: FedChainConfig, _ streams: RandomStreams) throws -> [Double] {
        let pow = config.consensus.pow
        var rates = pow.hashRateThS.drawPerNode(config.network.nodes, from: streams.stream("pow.hash_rate"))
        for (node, rate) in pow.poolsThS.enumerated() { rates[node] = rate }
        guard rates.contains(where: { $0 > 0 }) else {
            throw BuildError(description: "consensus.pow.hash_rate_th_s and pools_th_s gave every node zero hash rate: no one can mine")
        }
        return rates
    }

    /// One stake per node; an error when every node drew zero.
    static func stakes(_ distribution: DistributionConfig, key: String, nodes: Int, from stream: RandomStream) throws -> [Double] {
        let stake = distribution.drawPerNode(nodes, from: stream)
        guard stake.contains(where: { $0 > 0 }) else { throw BuildError(description: "\(key) gave every node zero stake") }
        return stake
    }

    /// The energy parameters of `config`.
    static func energy(_ config: EnergyConfig) -> EnergyParameters {
        EnergyParameters(efficiencyJPerTH: config.efficiencyJPerTh, pue: config.pue, baselineW: config.baselineW.byRole,
                         networkJPerByte: config.networkJPerByte)
    }
}

extension DistributionConfig {
    /// One value per node, in node order, from `stream`.
    public func drawPerNode(_ count: Int, from stream: RandomStream) -> [Double] {
        (0..<count).map { _ in draw(using: stream) }
    }

    /// The law these settings describe.
    public var law: ValueLaw {
        switch distribution {
        case .constant: return .constant(mean)
        case .normal: return .normal(mean: mean, sd: sd, min: min, max: max)
        case .exponential: return .exponential(mean: mean, min: min, max: max)
        case .uniform: return .uniform(min: min, max: max)
        }
    }

    /// One draw: `mean` for a constant; otherwise clipped to [min, max] (max 0: no upper bound).
    public func draw(using stream: RandomStream) -> Double { law.draw(using: stream) }
}
