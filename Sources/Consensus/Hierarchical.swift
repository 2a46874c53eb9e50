#if canImport(Glibc)
import Glibc
#endif
import Ledger
import NetworkModel
import SimKernel

/// Parameters of hierarchical consensus.
public struct HierarchicalParameters: Sendable, Equatable {
    /// Clusters the nodes are split into at each election.
    public var clusters: Int
    /// Representatives each cluster elects.
    public var representativesPerCluster: Int
    /// Blocks between elections.
    public var electionPeriodBlocks: Int
    /// Shares of a block reward: its producer, the producer's cluster (split evenly among the
    /// cluster's nodes), and a foundation. They sum to 1.
    public var rewardSplit: (producer: Double, cluster: Double, foundation: Double)

    /// Creates hierarchical parameters.
    public init(clusters: Int, representativesPerCluster: Int, electionPeriodBlocks: Int,
                rewardSplit: (producer: Double, cluster: Double, foundation: Double)) {
        self.clusters = clusters
        self.representativesPerCluster = representativesPerCluster
        self.electionPeriodBlocks = electionPeriodBlocks
        self.rewardSplit = rewardSplit
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.clusters == b.clusters && a.representativesPerCluster == b.representativesPerCluster
            && a.electionPeriodBlocks == b.electionPeriodBlocks && a.rewardSplit == b.rewardSplit
    }
}

/// Hierarchical consensus in the style of the Matrix AI network: at genesis and then every
/// `electionPeriodBlocks` blocks, the nodes are split into random clusters, each cluster elects
/// representatives with probability proportional to stake (weighted sampling without
/// replacement), and only representatives mine, by proof of work. Everyone else is idle (baseline
/// power only) but still relays blocks over the peer graph; representatives also relay among
/// themselves over direct links. A wrapper around `NakamotoPoW`.
///
/// The randomness of an election is a stream named by the block that triggers it
/// (`hier.election.<block id>`), as a chain's own randomness would be: reproducible, and
/// different on a different fork. The election takes effect for every node when the first block
/// of an election height is produced (a global view; see docs/consensus.md).
public struct HierarchicalConsensus: ConsensusProtocol {
    /// The proof of work among representatives.
    public private(set) var pow: NakamotoPoW
    /// Stake of each node, as configured.
    public let stake: [Double]
    /// Stake burned from each node so far (`slash`); the next election uses `stake - slashed`.
    public private(set) var slashed: [Double]
    /// The protocol's parameters.
    public let parameters: HierarchicalParameters
    /// Elections held so far (genesis included).
    public private(set) var elections = 0
    /// How many times each node was elected.
    public private(set) var timesElected: [Int]
    /// Per election: each node's cluster.
    public private(set) var clusterOf: [[Int32]] = []
    /// Per election: the chance each node had to be elected (exact when one representative per
    /// cluster: its stake over its cluster's stake).
    public private(set) var electionChance: [[Double]] = []

    private var electionOfBlock: [Int32] = [0]
    private var lastElectionHeight = 0
    private let streams: RandomStreams

    /// Creates the model; `hashRate` is what a node hashes at while it is a representative.
    public init(network: Network, relay: RelayParameters, hashRate: [Double], stake: [Double], pow: PoWParameters,
                hierarchical: HierarchicalParameters, energy: EnergyParameters = .none, streams: RandomStreams) {
        precondition(stake.count == network.nodeCount && stake.contains { $0 > 0 }, "one stake per node, not all zero")
        self.pow = NakamotoPoW(network: network, relay: relay, hashRate: hashRate, pow: pow, energy: energy, streams: streams)
        self.stake = stake
        self.slashed = [Double](repeating: 0, count: stake.count)
        self.parameters = hierarchical
        self.timesElected = [Int](repeating: 0, count: network.nodeCount)
        self.streams = streams
    }

    public var chain: ChainState { pow.chain }

    public mutating func submitTransaction(at time: SimTime, sizeBytes: Int, fee: Double, kind: TransactionKind, origin: Int, gas: Int) -> Int32? {
        pow.submitTransaction(at: time, sizeBytes: sizeBytes, fee: fee, kind: kind, origin: origin, gas: gas)
    }

    public func blockWorkJ(_ block: BlockID) -> Double { pow.blockWorkJ(block) }

    public mutating func stopProducing() { pow.stopProducing() }

    public mutating func start(scheduler: inout Scheduler) {
        elect(triggeredBy: BlockTree.genesis, &scheduler)
        pow.start(scheduler: &scheduler)
    }

    public mutating func handle(_ event: Event, scheduler: inout Scheduler) -> Bool {
        let before = pow.chain.tree.count
        guard pow.handle(event, scheduler: &scheduler) else { return false }
        for block in before..<pow.chain.tree.count {
            electionOfBlock.append(Int32(elections - 1))
            let height = Int(pow.chain.tree.height[block])
            // The first block to reach an election height triggers it; a competing block at the
            // same height does not elect again.
            if height % parameters.electionPeriodBlocks == 0 && height > lastElectionHeight {
                lastElectionHeight = height
                elect(triggeredBy: BlockID(block), &scheduler)
            }
        }
        return true
    }

    /// Burns `fraction` of `node`'s stake; the next election uses what is left.
    public mutating func slash(_ node: Int, fraction: Double, scheduler: inout Scheduler) -> Double {
        let burned = (stake[node] - slashed[node]) * min(max(fraction, 0), 1)
        slashed[node] += burned
        return burned
    }

    /// Splits the nodes into clusters and elects each cluster's representatives by their current
    /// stake.
    private mutating func elect(triggeredBy block: BlockID, _ scheduler: inout Scheduler) {
        let random = streams.stream("hier.election.\(block)")
        let stake = zip(self.stake, slashed).map { $0 - $1 }
        var order = Array(0..<stake.count)
        random.shuffle(&order)
        var cluster = [Int32](repeating: 0, count: stake.count)
        var chance = [Double](repeating: 0, count: stake.count)
        var representative = [Bool](repeating: false, count: stake.count)
        let c = parameters.clusters
        for k in 0..<c {
            let members = order[(k * order.count / c)..<((k + 1) * order.count / c)]
            for node in members { cluster[node] = Int32(k) }
            let clusterStake = members.reduce(0) { $0 + stake[$1] }
            // Efraimidis-Spirakis: the r largest keys log(u) / stake are a weighted sample
            // without replacement.
            let keys = members.map { node in (node, stake[node] > 0 ? log(random.uniformPositive()) / stake[node] : -Double.infinity) }
            for (node, key) in keys.sorted(by: { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }).prefix(parameters.representativesPerCluster)
            where key > -Double.infinity {
                representative[node] = true
                timesElected[node] += 1
            }
            for node in members where clusterStake > 0 { chance[node] = stake[node] / clusterStake }
        }
        if !pow.hashRate.indices.contains(where: { representative[$0] && pow.hashRate[$0] > 0 }) {
            representative = pow.hashRate.map { $0 > 0 }   // no elected node can hash: fall back to every miner
        }
        clusterOf.append(cluster)
        electionChance.append(chance)
        elections += 1
        pow.setActiveMiners(representative, roles: (.representative, .idle), overlay: true, scheduler: &scheduler)
    }

    /// Block rewards per node over the main chain, in block rewards (a block is worth 1).
    public func rewards() -> [Double] {
        let tree = pow.chain.tree
        let main = tree.mainChainMask(tip: tree.bestTip())
        var reward = [Double](repeating: 0, count: stake.count)
        let split = parameters.rewardSplit
        for block in 1..<tree.count where main[block] {
            let producer = Int(tree.producer[block])
            reward[producer] += split.producer
            let clusters = clusterOf[Int(electionOfBlock[block])]
            let mates = clusters.indices.filter { clusters[$0] == clusters[producer] }
            for node in mates { reward[node] += split.cluster / Double(mates.count) }
        }
        return reward
    }

    public func nodeColumns() -> [(name: String, values: [Double])] {
        pow.nodeColumns() + [("stake", stake), ("times_elected", timesElected.map(Double.init)), ("reward", rewards())]
    }

    public func summary(at time: SimTime) -> [(key: String, value: Double)] {
        [("elections", Double(elections)),
         ("representatives", Double(pow.activeMiner.filter { $0 }.count))]
    }
}
