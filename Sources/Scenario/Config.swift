import Consensus
import Federation
import Learning
import NetworkModel

/// A whole run's configuration, fully resolved: every key has a value (file, `--set`, or
/// default). Field names map to snake_case keys in YAML (`blockIntervalS` is `block_interval_s`).
/// The reference of every key is docs/config.md.
public struct FedChainConfig: Codable, Equatable, Sendable {
    /// Run seed; every random stream derives from it.
    public var seed: UInt64 = 42
    /// When the run ends.
    public var stop = StopConfig()
    /// Nodes, regions, peers and latency.
    public var network = NetworkConfig()
    /// Block production.
    public var consensus = ConsensusConfig()
    /// An attacking node (node 0), if any.
    public var adversary = AdversaryConfig()
    /// Federated learning on the chain (off while `rounds` is 0).
    public var federation = FederationConfig()
    /// How work turns into joules.
    public var energy = EnergyConfig()
    /// Optional outputs.
    public var output = OutputConfig()
    /// Transactions the chain carries (docs/transactions.md).
    public var workload = WorkloadConfig()

    /// The built-in defaults.
    public init() {}
}

/// Optional, larger outputs.
public struct OutputConfig: Codable, Equatable, Sendable {
    /// Keep every block's receive time at this many nodes, drawn from stream `output.receive_times`
    /// (`/chain/receive_times`); 0: none.
    public var receiveTimesNodes: Int = 0
    /// The share of transactions written to `/tx`, chosen by a hash of their id (the summary
    /// keys count every one).
    public var txSample: Double = 1
}

/// When a run ends; 0 means "no limit" for each key, and at least one must be set.
public struct StopConfig: Codable, Equatable, Sendable {
    /// Stop mining once the chain reaches this height; blocks in flight still propagate.
    public var blocks: Int = 100
    /// Stop at this simulated time, seconds.
    public var timeS: Double = 0
    /// Stop after this many events.
    public var events: UInt64 = 0

    /// The defaults (100 blocks).
    public init() {}
    /// Explicit limits.
    public init(blocks: Int, timeS: Double, events: UInt64) {
        self.blocks = blocks
        self.timeS = timeS
        self.events = events
    }
    /// No limit at all: the base under a user's `stop:` mapping, so naming one limit does not
    /// inherit the default block limit.
    public static let unlimited = StopConfig(blocks: 0, timeS: 0, events: 0)
}

/// How nodes pick their outbound peers.
public enum DegreeKind: String, ConfigChoice {
    /// Every node opens `outbound_peers` connections.
    case fixed
    /// Outbound counts from Bitcoin's 2015 degree distribution (Miller et al.; SimBlock).
    case btc2015 = "btc-2015"
}

/// What to do when the peer graph falls apart into several components.
public enum DisconnectedPolicy: String, ConfigChoice {
    /// Join the components with one extra edge each.
    case repair
    /// Stop with an error.
    case error
}

/// Nodes and links.
public struct NetworkConfig: Codable, Equatable, Sendable {
    /// Number of nodes.
    public var nodes: Int = 1000
    /// Region table: `btc-2019`, `btc-2015`, or a YAML file (path relative to the config file).
    public var regions: String = "btc-2019"
    /// How outbound peer counts are drawn.
    public var degreeDistribution: DegreeKind = .btc2015
    /// Connections each node opens when `degree_distribution` is `fixed`.
    public var outboundPeers: Int = 8
    /// Most inbound connections a node accepts; 0: no cap.
    public var inboundCap: Int = 0
    /// A file of explicit edges (two node ids per line); replaces the random graph when set.
    public var edgesFile: String = ""
    /// What a disconnected graph does.
    public var onDisconnected: DisconnectedPolicy = .repair
    /// Per-message latency.
    public var latency = LatencyConfig()
    /// When false, messages take no serialization time (latency-only links).
    public var bandwidth: Bool = true
    /// Processing time after a block message arrives, ms.
    public var processingMs: Double = 2
    /// Extra delay of small control messages (inv, getdata), ms.
    public var controlDelayMs: Double = 10
    /// How long a block occupies its sender's uplink: `serialization` or `delivery` (SimBlock).
    public var uplinkHold: UplinkHold = .serialization
    /// How blocks are passed on.
    public var relay = RelayConfig()

    /// The defaults.
    public init() {}
}

/// Per-message latency around the region table's mean.
public struct LatencyConfig: Codable, Equatable, Sendable {
    /// Distribution around the mean.
    public var distribution: LatencyDistribution = .pareto
    /// When > 0, every link's mean latency in ms (replaces the region table's).
    public var fixedMs: Double = 0
    /// Standard deviation of `normal` latency as a fraction of the mean.
    public var sdFraction: Double = 0.1

    /// The defaults.
    public init() {}
}

/// The block relay protocol.
public struct RelayConfig: Codable, Equatable, Sendable {
    /// `inv` (inv -> getdata -> block) or `push` (unsolicited whole blocks).
    public var `protocol`: RelayProtocol = .inv
    /// Size of an inv message, bytes.
    public var invBytes: Int = 61
    /// Size of a getdata or getblocktxn message, bytes.
    public var getdataBytes: Int = 61
    /// Compact blocks (defaults: SimBlock's 2019 scenario).
    public var compact = CompactBlockParameters.simblock2019

    /// The defaults.
    public init() {}
}

/// The attacks the simulator runs.
public enum AdversaryKind: String, ConfigChoice {
    case none
    /// Eyal-Sirer selfish mining.
    case selfish
    /// Rosenfeld's double-spend race.
    case doubleSpend = "double_spend"
}

/// An attacking node: node 0, with hash share `share` (PoW).
public struct AdversaryConfig: Codable, Equatable, Sendable {
    /// Which attack.
    public var kind: AdversaryKind = .none
    /// The attacker's share of the total hash rate (its hash rate is set to give it).
    public var share: Double = 0
    /// Selfish mining: share of honest miners that mine on the attacker's block in a tie.
    public var gamma: Double = 0
    /// Double spend: blocks the merchant waits for.
    public var confirmations: Int = 6

    /// The defaults (no attack).
    public init() {}
}

/// How work turns into joules (sources: docs/energy.md).
public struct EnergyConfig: Codable, Equatable, Sendable {
    /// Mining hardware efficiency, J/TH (Antminer S19 Pro: 29.5).
    public var efficiencyJPerTh: Double = 29.5
    /// Power usage effectiveness of mining facilities.
    public var pue: Double = 1.05
    /// Baseline power by role, W.
    public var baselineW = BaselineConfig()
    /// Network energy per byte sent, J (0.06 kWh/GB, Aslan et al. 2017, for 2015).
    public var networkJPerByte: Double = 2.16e-4

    /// The defaults.
    public init() {}
}

/// Baseline power of a node by role, W.
public struct BaselineConfig: Codable, Equatable, Sendable {
    public var fullNode: Double = 10
    public var miner: Double = 10
    public var validator: Double = 10
    public var representative: Double = 10
    public var idle: Double = 5

    /// The defaults.
    public init() {}

    /// Watts in `NodeRole` order.
    public var byRole: [Double] { [fullNode, miner, validator, representative, idle] }
}

/// The consensus protocols the simulator runs.
public enum ConsensusKind: String, ConfigChoice {
    case pow
    case pos
    case hierarchical
}

/// Block production, common to every protocol, and each protocol's own section.
public struct ConsensusConfig: Codable, Equatable, Sendable {
    /// Which protocol.
    public var kind: ConsensusKind = .pow
    /// Target mean time between blocks, seconds.
    public var blockIntervalS: Double = 600
    /// Size of every block, bytes.
    public var blockSizeBytes: Int = 535_000
    /// Mean transaction size, bytes (a block holds block_size_bytes / tx_size_bytes).
    public var txSizeBytes: Int = 500
    /// Proof of work.
    public var pow = PoWConfig()
    /// Proof of stake.
    public var pos = PoSConfig()
    /// Hierarchical clusters, stake-elected representatives, PoW among them.
    public var hierarchical = HierarchicalConfig()

    /// The defaults.
    public init() {}
}

/// Hierarchical consensus (defaults after the Matrix AI network: 21 miners, elections every 100
/// blocks, rewards 40 % producer / 50 % elected / 10 % foundation). Representatives hash at
/// `consensus.pow.hash_rate_th_s`; difficulty follows `consensus.pow`.
public struct HierarchicalConfig: Codable, Equatable, Sendable {
    /// Clusters per election.
    public var clusters: Int = 3
    /// Representatives each cluster elects.
    public var representativesPerCluster: Int = 7
    /// Blocks between elections.
    public var electionPeriodBlocks: Int = 100
    /// Shares of a block reward.
    public var rewardSplit = RewardSplitConfig()
    /// Per-node stake (elections are weighted by it).
    public var stake = DistributionConfig(distribution: .exponential, mean: 1, sd: 0, min: 0, max: 0)

    /// The defaults.
    public init() {}
}

/// Shares of a block reward; they sum to 1.
public struct RewardSplitConfig: Codable, Equatable, Sendable {
    public var producer: Double = 0.4
    /// Split evenly among the producer's cluster.
    public var cluster: Double = 0.5
    public var foundation: Double = 0.1

    /// The defaults.
    public init() {}
}

/// Proof of stake (docs/consensus.md).
public struct PoSConfig: Codable, Equatable, Sendable {
    /// `praos` (slot lottery) or `ethereum` (proposer per slot, committees, finality).
    public var mode: PoSMode = .praos
    /// Slot length, seconds (Praos mainnet 1, Ethereum 12).
    public var slotS: Double = 1
    /// Praos: active slot coefficient f (mainnet 0.05).
    public var activeSlotCoefficient: Double = 0.05
    /// Ethereum: slots per epoch.
    public var slotsPerEpoch: Int = 32
    /// Per-node stake.
    public var stake = DistributionConfig(distribution: .constant, mean: 1, sd: 0, min: 0, max: 0)

    /// The defaults.
    public init() {}
}

/// Proof of work.
public struct PoWConfig: Codable, Equatable, Sendable {
    /// Per-node hash rate, TH/s.
    public var hashRateThS = DistributionConfig(distribution: .normal, mean: 100, sd: 25, min: 1, max: 0)
    /// Hash rates of pools, TH/s: node i gets entry i (i < count); the rest draw from `hash_rate_th_s`.
    public var poolsThS: [Double] = []
    /// Blocks per difficulty epoch (Bitcoin: 2016); 0: fixed difficulty.
    public var retargetBlocks: Int = 2016
    /// Largest factor of one retarget (Bitcoin: 4).
    public var retargetClamp: Double = 4
    /// Changes of every node's hash rate over time, relative to the initial rates.
    public var hashRateChanges: [HashRateChange] = []

    /// The defaults.
    public init() {}
}

/// From `at_s` on, every node's hash rate is `factor` times its initial rate.
public struct HashRateChange: Codable, Equatable, Sendable {
    public var atS: Double
    public var factor: Double
    /// Creates a change.
    public init(atS: Double, factor: Double) {
        self.atS = atS
        self.factor = factor
    }
}

/// Shapes of per-node parameter distributions.
public enum DistributionKind: String, ConfigChoice {
    /// Every node gets `mean`.
    case constant
    /// Normal(mean, sd), clipped to [min, max] (max 0: no upper clip).
    case normal
    /// Exponential with `mean`, clipped to [min, max].
    case exponential
    /// Uniform on [min, max].
    case uniform
}

/// A distribution of a per-node value (hash rate, ...), drawn once per node.
public struct DistributionConfig: Codable, Equatable, Sendable {
    public var distribution: DistributionKind
    public var mean: Double
    public var sd: Double
    public var min: Double
    /// Upper bound; 0 means none (except for uniform, which needs min < max).
    public var max: Double

    /// Creates a distribution description.
    public init(distribution: DistributionKind, mean: Double, sd: Double, min: Double, max: Double) {
        self.distribution = distribution
        self.mean = mean
        self.sd = sd
        self.min = min
        self.max = max
    }
}
