import Consensus
import Federation
import TrainerBridge
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

    /// The built-in defaults.
    public init() {}
}

/// Optional, larger outputs.
public struct OutputConfig: Codable, Equatable, Sendable {
    /// Keep every block's receive time at this many nodes, drawn from stream `output.receive_times`
    /// (`/chain/receive_times`); 0: none.
    public var receiveTimesNodes: Int = 0
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

/// Federated learning on the chain (docs/federation.md). Node 0 aggregates; client i lives on
/// node i + 1.
public struct FederationConfig: Codable, Equatable, Sendable {
    /// Rounds to run; 0: no federated learning.
    public var rounds: Int = 0
    /// Clients (each on its own node).
    public var clients: Int = 30
    /// Clients selected per round.
    public var clientsPerRound: Int = 10
    /// The data.
    public var dataset = DatasetConfig()
    /// The model.
    public var model = ModelConfig()
    /// FedAvg or FedProx.
    public var strategy = StrategyConfig()
    /// Local training.
    public var local = LocalConfig()
    /// Share of selected clients that straggle (run a random number of epochs in [1, E]).
    public var stragglers: Double = 0
    /// Probability that a training client goes offline before uploading.
    public var dropout: Double = 0
    /// A dropout trace (CSV `node,offline_from_s,offline_until_s`, relative to the config
    /// file); empty: none.
    public var dropoutTrace: String = ""
    /// Blocks a round's record needs before the next round starts.
    public var confirmations: Int = 1
    /// Who aggregates: `fixed` (node 0), `block_producer` (the producer of node 0's chain tip) or
    /// `committee` (the distinct producers of the latest blocks on node 0's chain).
    public var aggregator: AggregatorChoice = .fixed
    /// Members of the aggregating committee (`aggregator: committee`).
    public var committeeSize: Int = 3
    /// Fewest updates a round needs; with fewer it fails and is retried.
    public var minParticipants: Int = 1
    /// Device speed of each client, GFLOP/s.
    public var deviceGflops = DistributionConfig(distribution: .constant, mean: 1, sd: 0, min: 0.01, max: 0)
    /// Reward per confirmed round, split among its participants by `reward_split`.
    public var rewardPerRound: Double = 1
    /// `samples` or `contribution` (leave-one-out on the test data).
    public var rewardSplit: RewardSplit = .samples
    /// Secure aggregation of the updates (docs/secure-aggregation.md).
    public var secureAggregation = SecureAggregationConfig()
    /// Who trains: the Swift models or the researcher's own Python client (docs/federation.md).
    public var trainer = TrainerConfig()

    /// The defaults (off).
    public init() {}
}

/// Which data the clients hold.
public enum DatasetKind: String, ConfigChoice {
    /// FedProx Synthetic(alpha, beta).
    case synthetic
    /// FedProx Synthetic-IID.
    case syntheticIid = "synthetic_iid"
    /// A labelled HDF5 file (`X`, `y`), spread over clients by `partition`.
    case hdf5
    /// Fashion-MNIST's IDX files (Debian's `dataset-fashion-mnist`), its training set spread
    /// over clients by `partition`, its test set dealt out evenly.
    case fashionMnist = "fashion_mnist"
}

/// How a data set's rows are spread over clients (NIID-Bench's partitions, docs/federation.md).
public enum PartitionKind: String, ConfigChoice {
    case iid, dirichlet, shards
    case labelsPerClient = "labels_per_client"
    case quantitySkew = "quantity_skew"
}

extension FedChainConfig {
    /// The config with the keys that decide how a run executes but not what it computes
    /// (`federation.trainer.workers`, `federation.trainer.timeout_s`) at their defaults: what a
    /// run's file stores and its run id hashes, so 1 and 4 workers give the same bytes.
    public var withoutExecutionSettings: FedChainConfig {
        var config = self
        let defaults = TrainerConfig()
        config.federation.trainer.workers = defaults.workers
        config.federation.trainer.timeoutS = defaults.timeoutS
        return config
    }
}

/// Who trains.
public enum TrainerKind: String, ConfigChoice {
    /// The Swift models (`federation.model`).
    case native
    /// A Python module following Flower's NumPyClient convention, in worker processes.
    case python
}

/// `federation.trainer`.
public struct TrainerConfig: Codable, Equatable, Sendable {
    /// `native` or `python`.
    public var kind: TrainerKind = .native
    /// Python: the client module (relative to the config file).
    public var module: String = ""
    /// Python: worker processes; 0: one per core.
    public var workers: Int = 0
    /// Python: the interpreter (a name on PATH or a path).
    public var python: String = "python3"
    /// Python: FLOPs per example and epoch, for simulated compute time when `fit` reports no
    /// `metrics["flops"]`.
    public var flopsPerExample: Double = 0
    /// Python: clients that evaluate each global model (a fixed sample drawn once); 0: all.
    public var evalClients: Int = 0
    /// Python: the longest wait for one call's reply, in seconds of wall time (a hung client
    /// fails the run, naming itself).
    public var timeoutS: Double = 600
    /// Python: handed verbatim to `client_fn` in its config.
    public var config: [String: JSONValue] = [:]
    public init() {}
}

public struct DatasetConfig: Codable, Equatable, Sendable {
    public var kind: DatasetKind = .synthetic
    /// Synthetic: heterogeneity of the clients' models (standard deviation).
    public var alpha: Double = 1
    /// Synthetic: heterogeneity of the clients' features (standard deviation).
    public var beta: Double = 1
    /// HDF5: the file (relative to the config file); fashion_mnist: the directory of its IDX
    /// files (empty: Debian's /usr/share/datasets/fashion-mnist).
    public var path: String = ""
    /// HDF5: how rows are spread over clients.
    public var partition: PartitionKind = .iid
    /// dirichlet and quantity_skew: the concentration (small: strong skew).
    public var dirichletAlpha: Double = 0.5
    /// HDF5, shards: shards per client.
    public var shardsPerClient: Int = 2
    /// labels_per_client: the classes each client holds (NIID-Bench's #C=k).
    public var labelsPerClient: Int = 2
    public init() {}
}

public enum ModelKind: String, ConfigChoice {
    /// Multinomial logistic regression.
    case logistic
    /// One hidden ReLU layer.
    case mlp
}

public struct ModelConfig: Codable, Equatable, Sendable {
    public var kind: ModelKind = .logistic
    /// Hidden units of the MLP.
    public var hidden: Int = 32
    public init() {}
}

public struct StrategyConfig: Codable, Equatable, Sendable {
    public var kind: FederatedStrategy.Kind = .fedavg
    /// FedProx proximal coefficient.
    public var mu: Double = 0
    public init() {}
}

/// Which secure aggregation protocol, if any.
public enum SecureAggregationKind: String, ConfigChoice {
    case none, secagg, secaggplus
}

/// `federation.secure_aggregation`.
public struct SecureAggregationConfig: Codable, Equatable, Sendable {
    /// `none`, `secagg` (Bonawitz et al. 2017) or `secaggplus` (Bell et al. 2020).
    public var `protocol`: SecureAggregationKind = .none
    /// Shares needed to rebuild a secret; 0: a majority of each client's neighbours.
    public var threshold: Int = 0
    /// SecAgg+ neighbours per client; 0: the smallest even k >= log2 n.
    public var neighbours: Int = 0
    /// Update coordinates (model deltas) are clipped to [-clip, clip].
    public var clip: Double = 8
    /// Quantization levels per coordinate: 2^bits.
    public var bits: Int = 16
    /// How long the server waits for a stage's replies, in seconds; 0: it learns of dropouts at once.
    public var timeoutS: Double = 0
    /// Compute cost of the protocol's operations.
    public var cost = SecAggCostConfig()
    public init() {}
}

/// Compute time per operation (defaults: measured by `scripts/bench secagg` on one x86-64 core).
public struct SecAggCostConfig: Codable, Equatable, Sendable {
    public var keyGenerationUs: Double = 13
    public var keyAgreementUs: Double = 32
    public var aeadMessageUs: Double = 2
    public var fieldMultiplicationNs: Double = 5
    /// Mask expansion and adding, GB of keystream per second.
    public var prgGbS: Double = 3.5
    public init() {}
}

public struct LocalConfig: Codable, Equatable, Sendable {
    public var epochs: Int = 20
    public var batchSize: Int = 10
    public var learningRate: Double = 0.01
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
