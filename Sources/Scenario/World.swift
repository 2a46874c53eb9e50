import Consensus
import NetworkModel
import SimKernel

/// Builds the simulated world of a config: nodes placed in regions, their peer graph, per-node
/// parameters and the consensus model.
///
/// Streams used: `net.placement`, `net.topology`, `pow.hash_rate` (plus the model's own).
public enum World {
    /// The network of `config`.
    public static func network(_ config: NetworkConfig, streams: RandomStreams) -> Network {
        let table = RegionTable.builtIn[config.regions]!
        let regions = Network.placeNodes(config.nodes, table: table, using: streams.stream("net.placement"))
        let topology = Topology.random(nodeCount: config.nodes, outbound: config.outboundPeers,
                                       using: streams.stream("net.topology"))
        let fixed = config.latency.fixedMs > 0 ? config.latency.fixedMs : nil
        return Network(regionOfNode: regions, topology: topology,
                       latency: LatencyModel(table: table, distribution: config.latency.distribution, fixedMeanMs: fixed))
    }

    /// The proof-of-work model of `config`.
    public static func proofOfWork(_ config: FedChainConfig) -> NakamotoPoW {
        let streams = RandomStreams(seed: config.seed)
        let network = network(config.network, streams: streams)
        let hashStream = streams.stream("pow.hash_rate")
        let hashRate = (0..<config.network.nodes).map { _ in config.consensus.pow.hashRateThS.draw(using: hashStream) }
        let parameters = PoWParameters(
            blockInterval: SimDuration(seconds: config.consensus.blockIntervalS),
            blockSizeBytes: config.consensus.blockSizeBytes,
            txSizeBytes: config.consensus.txSizeBytes,
            targetHeight: config.stop.blocks > 0 ? config.stop.blocks : nil)
        return NakamotoPoW(network: network, hashRate: hashRate, parameters: parameters, streams: streams)
    }
}

extension DistributionConfig {
    /// One draw, clipped to [min, max] (max 0: no upper bound).
    public func draw(using stream: RandomStream) -> Double {
        let raw: Double
        switch distribution {
        case .constant: raw = mean
        case .normal: raw = stream.normal(mean: mean, sd: sd)
        case .exponential: raw = stream.exponential(mean: mean)
        case .uniform: return stream.uniform(min, max)
        }
        let upper = max > 0 ? max : .infinity
        return Swift.min(Swift.max(raw, min), upper)
    }
}
