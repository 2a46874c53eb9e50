import Learning
import SimKernel

/// Who aggregates a round.
public enum AggregatorChoice: String, Sendable, CaseIterable {
    /// Always the same node (`FederationParameters.aggregator`).
    case fixed
    /// The producer of the tip of the fixed node's chain when the round starts.
    case blockProducer = "block_producer"
    /// A committee elected by the consensus: the distinct producers of the most recent blocks on
    /// the fixed node's chain (so hash power elects under PoW, stake under PoS). The most recent
    /// producer leads.
    case committee
}

/// How a round's reward is split among its participants.
public enum RewardSplit: String, Sendable, CaseIterable {
    /// By training examples.
    case samples
    /// By leave-one-out contribution: how much the test loss of the new model rises without the
    /// participant's update.
    case contribution
}

/// Where and how the federated workload runs.
public struct FederationParameters: Sendable, Equatable {
    /// The fixed aggregator, and the node whose chain view decides confirmations.
    public var aggregator: Int
    /// Who aggregates each round.
    public var aggregatorChoice: AggregatorChoice = .fixed
    /// Fewest updates a round needs; with fewer it fails and is retried with a new selection.
    public var minParticipants: Int = 1
    /// Client i lives on node `clientNodes[i]`.
    public var clientNodes: [Int]
    /// Rounds to run.
    public var rounds: Int
    /// Blocks a round's record needs on the aggregator's chain before the next round starts.
    public var confirmations: Int
    /// Probability that a training client goes offline before uploading.
    public var dropout: Double
    /// Each client's device speed, FLOP/s.
    public var deviceFlopsPerSecond: [Double]
    /// Reward paid per confirmed round, split among its participants by `rewardSplit`.
    public var rewardPerRound: Double
    /// How a round's reward is split (`contribution` needs the learning loop to measure
    /// contributions).
    public var rewardSplit: RewardSplit = .samples
    /// The privacy budget: no round starts that would take epsilon past it (0: none).
    public var targetEpsilon: Double = 0
    /// Committee members when `aggregatorChoice` is `committee`.
    public var committeeSize: Int = 1
    /// A dropout trace: client index -> spans during which the client is offline. A client
    /// offline when the model reaches it, or when it would upload, drops out of the round.
    public var offline: [Int: [OfflineSpan]] = [:]
    /// Secure aggregation of the updates, or nil for plain uploads.
    public var secureAggregation: SecureAggregationSettings?
    /// Reputation and slashing from the defence's verdicts, or nil for none.
    public var slashing: SlashingRule?
    /// The fee a round's record bids as a transaction in the mempool; 0: the record rides in the
    /// first new block outside the mempool (it takes no block space).
    public var recordFee: Double = 0
    /// Clients without a device of their own (empty: none): they rent their training from the
    /// chain's compute market (`ConsensusProtocol.rentCompute`), which does the work at its
    /// providers' speed once a match is confirmed.
    public var renters: [Bool] = []
    /// The test accuracy whose first confirmed round gives the time to accuracy; 0: none.
    public var targetAccuracy: Double = 0
    /// The data market the clients' data comes through, or nil: every client holds its data.
    public var dataSourcing: DataSourcing?
    /// Each client's training examples per class, for the record (`/fl/clients`); may be empty.
    public var clientLabelCounts: [[Int]] = []
    /// Each client's test examples, for the record.
    public var clientTestExamples: [Int] = []

    /// Creates federation parameters.
    public init(aggregator: Int, clientNodes: [Int], rounds: Int, confirmations: Int, dropout: Double, deviceFlopsPerSecond: [Double],
                rewardPerRound: Double = 1) {
        self.aggregator = aggregator
        self.clientNodes = clientNodes
        self.rounds = rounds
        self.confirmations = confirmations
        self.dropout = dropout
        self.deviceFlopsPerSecond = deviceFlopsPerSecond
        self.rewardPerRound = rewardPerRound
    }
}
