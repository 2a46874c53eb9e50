import Federation
import Learning
import TrainerBridge

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
    /// The fee a round's record bids as a transaction (needs a transaction workload); 0: it
    /// rides in the first new block outside the mempool.
    public var recordFee: Double = 0
    /// Source every client's data through the data market (`workload.data_market`): a client
    /// trains only on a dataset it holds a grant for (docs/markets.md).
    public var dataMarket = false
    /// Share of clients without a device (drawn from stream `fl.renters`): they rent their
    /// training from `workload.compute_market` (docs/markets.md).
    public var rentShare: Double = 0
    /// The test accuracy whose first confirmed round gives `fl_time_to_accuracy_s`; 0: none.
    public var targetAccuracy: Double = 0
    /// `samples` or `contribution` (leave-one-out on the test data).
    public var rewardSplit: RewardSplit = .samples
    /// Secure aggregation of the updates (docs/secure-aggregation.md).
    public var secureAggregation = SecureAggregationConfig()
    /// Who trains: the Swift models or the researcher's own Python client (docs/federation.md).
    public var trainer = TrainerConfig()
    /// Malicious clients and their poisoning (docs/trust.md).
    public var attack = AttackConfig()
    /// Differential privacy of the released models (docs/trust.md).
    public var privacy = PrivacyConfig()
    /// Reputation from the defence's verdicts, stake slashing and exclusion (docs/trust.md).
    public var slashing = SlashingConfig()

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
    /// Multinomial logistic regression (float64).
    case logistic
    /// One hidden ReLU layer of `hidden` units (float64).
    case mlp
    /// NIID-Bench's simple-cnn (float32; 44,426 parameters on Fashion-MNIST).
    case simpleCnn = "simple_cnn"
    /// McMahan et al.'s CNN (float32; 1,663,370 parameters on Fashion-MNIST).
    case cnnMcmahan = "cnn_mcmahan"
    /// McMahan et al.'s 2NN (float32; 199,210 parameters on Fashion-MNIST).
    case mlp2nn = "mlp_2nn"
    /// The float32 network of `federation.model.layers`.
    case layers
}

public struct ModelConfig: Codable, Equatable, Sendable {
    public var kind: ModelKind = .logistic
    /// Hidden units of the MLP.
    public var hidden: Int = 32
    /// `kind: layers`: the layers, e.g. [conv2d 6 5, relu, max_pool 2, flatten, dense 10]
    /// (docs/learning.md); the last is dense with one unit per class.
    public var layers: [String] = []
    /// One example's [height, width, channels]; empty: the data's own (28 x 28 x 1 for
    /// Fashion-MNIST, a flat vector otherwise).
    public var inputShape: [Int] = []
    public init() {}
}

public struct StrategyConfig: Codable, Equatable, Sendable {
    public var kind: FederatedStrategy.Kind = .fedavg
    /// FedProx proximal coefficient.
    public var mu: Double = 0
    /// The server's step on the averaged update (FedAvgM, FedAdam, FedYogi, FedAdagrad,
    /// SCAFFOLD); 0: the algorithm's usual value (1; FedAdagrad 0.1; FedAdam and FedYogi 0.01).
    public var serverLearningRate: Double = 0
    /// FedAvgM's momentum; FedAdam, FedYogi and FedAdagrad's beta1.
    public var serverMomentum: Double = 0.9
    /// FedAdam and FedYogi's beta2.
    public var serverBeta2: Double = 0.99
    /// FedAdam, FedYogi and FedAdagrad's adaptivity tau.
    public var serverTau: Double = 1e-3
    /// The Byzantine-robust rule that replaces the weighted average (docs/trust.md).
    public var robust = RobustConfig()
    public init() {}

    /// The strategy these settings name.
    public var strategy: FederatedStrategy {
        FederatedStrategy(kind: kind, mu: mu, serverLearningRate: serverLearningRate > 0 ? serverLearningRate : nil,
                          serverMomentum: serverMomentum, serverBeta2: serverBeta2, serverTau: serverTau)
    }
}

/// `federation.strategy.robust`: the defence against poisoned updates.
public struct RobustConfig: Codable, Equatable, Sendable {
    /// `none`, `krum`, `multi_krum`, `median`, `trimmed_mean`, `norm_clip`, `centered_clip` or `bulyan`.
    public var kind: RobustAggregation.Kind = .none
    /// Attackers the rule must withstand (Krum, Multi-Krum, Bulyan).
    public var f: Int = 0
    /// Multi-Krum: updates averaged; 0: clients per round - f.
    public var m: Int = 0
    /// Trimmed mean: share cut at each end of every coordinate.
    public var beta: Double = 0.1
    /// Norm clip and centered clip: the L2 radius of an update.
    public var bound: Double = 1
    /// Centered clip: iterations per round.
    public var iterations: Int = 3
    public init() {}

    /// The defence these settings name.
    public var aggregation: RobustAggregation {
        RobustAggregation(kind: kind, f: f, m: m, beta: beta, bound: bound, iterations: iterations)
    }
}

/// `federation.attack`: which clients are malicious and what they send.
public struct AttackConfig: Codable, Equatable, Sendable {
    /// `none`, `label_flip`, `sign_flip`, `gaussian`, `scaling`, `alie` or `ipm`.
    public var kind: UpdateAttack.Kind = .none
    /// Share of the clients that are malicious (drawn from the stream `fl.attack.clients`).
    public var fraction: Double = 0
    /// Or the malicious clients by index (0 ... clients - 1).
    public var clients: [Int] = []
    /// Gaussian: noise sd added to every parameter.
    public var sigma: Double = 10
    /// Sign flip and scaling: the factor on the update; 0: 1 for sign flip, the round's number
    /// of updates for scaling (model replacement).
    public var boost: Double = 0
    /// ALIE: z; 0: Baruch et al.'s z_max from the clients per round and the malicious among them.
    public var z: Double = 0
    /// IPM: epsilon.
    public var epsilon: Double = 0.5
    /// Label flip: the class relabelled; -1: every class c becomes classes - 1 - c.
    public var source: Int = -1
    /// Label flip: the label `source` gets.
    public var target: Int = 0
    /// PoS and hierarchical consensus: the share of the total stake the malicious clients' nodes
    /// hold (split among them in proportion to their drawn stakes, or evenly if those are all
    /// zero); 0: stakes as drawn.
    public var stakeShare: Double = 0
    public init() {}

    /// The attack these settings name.
    public var attack: UpdateAttack {
        UpdateAttack(kind: kind, sigma: sigma, boost: boost, z: z, epsilon: epsilon, source: source, target: target)
    }
}

/// `federation.slashing`: reputation, slashing and exclusion (`SlashingRule`); off unless
/// `fraction` or `exclusion_rounds` is above 0.
public struct SlashingConfig: Codable, Equatable, Sendable {
    /// Share of the node's current stake burned per slash.
    public var fraction: Double = 0
    /// Reputation below which a rejected client is slashed.
    public var threshold: Double = 0.5
    /// Weight of the old reputation when a verdict arrives.
    public var decay: Double = 0.8
    /// Rounds a slashed client sits out.
    public var exclusionRounds: Int = 0
    public init() {}

    /// Whether slashing is on.
    public var isOn: Bool { fraction > 0 || exclusionRounds > 0 }
    /// The rule these settings name, or nil when off.
    public var rule: SlashingRule? {
        isOn ? SlashingRule(fraction: fraction, threshold: threshold, decay: decay, exclusionRounds: exclusionRounds) : nil
    }
}

/// Which differential privacy, if any.
public enum PrivacyKind: String, ConfigChoice {
    /// No noise, no accounting.
    case none
    /// DP-FedAvg: clipping and Gaussian noise at the server, Poisson client sampling.
    case central
    /// DP-FedAvg with the noise added by the clients in shares under secure aggregation, so the
    /// server only ever sees a noised sum.
    case distributed
}

/// `federation.privacy`: DP-FedAvg (McMahan et al. 2018) and its RDP accountant.
public struct PrivacyConfig: Codable, Equatable, Sendable {
    public var kind: PrivacyKind = .none
    /// Clipping norm S of each update (model delta).
    public var clip: Double = 1
    /// Noise multiplier z: noise sd / S on the sum.
    public var noiseMultiplier: Double = 1
    /// delta of the reported (epsilon, delta).
    public var delta: Double = 1e-5
    /// Stop before the round that would take epsilon past this (0: no budget).
    public var targetEpsilon: Double = 0
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
    /// SGD momentum (NIID-Bench: 0.9).
    public var momentum: Double = 0
    /// SGD weight decay (NIID-Bench: 1e-5).
    public var weightDecay: Double = 0
    public init() {}

    /// The native trainer's (and the Python client's config's) local training.
    public var training: LocalTraining {
        LocalTraining(epochs: epochs, batchSize: batchSize, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
    }
}
