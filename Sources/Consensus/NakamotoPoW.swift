import Ledger
import NetworkModel
import SimKernel

/// Parameters of Nakamoto proof of work with fixed difficulty.
public struct PoWParameters: Sendable, Equatable {
    /// Mean time between blocks for the whole network.
    public var blockInterval: SimDuration
    /// Size of every block, bytes.
    public var blockSizeBytes: Int
    /// Mean transaction size, bytes: a block holds `blockSizeBytes / txSizeBytes` transactions.
    public var txSizeBytes: Int
    /// Mining stops once a block of this height exists; in-flight blocks still propagate.
    /// Nil: mine until another stop condition ends the run.
    public var targetHeight: Int?

    /// Creates PoW parameters.
    public init(blockInterval: SimDuration, blockSizeBytes: Int, txSizeBytes: Int, targetHeight: Int?) {
        self.blockInterval = blockInterval
        self.blockSizeBytes = blockSizeBytes
        self.txSizeBytes = txSizeBytes
        self.targetHeight = targetHeight
    }
}

/// Nakamoto proof of work: each node finds its next block after an exponential time whose rate
/// is its hash share over the block interval; blocks spread by gossip; each node follows the
/// longest chain it has seen, keeping the first-seen block among equals.
///
/// The per-node exponential clocks are simulated as their superposition: one "next block" event
/// at Exp(interval) whose finder is drawn by hash share. For memoryless clocks that is the same
/// process, with one pending mining event instead of N (and no rescheduling when tips change).
public struct NakamotoPoW: ConsensusProtocol {
    public private(set) var tree = BlockTree()
    public private(set) var reach: ReachTracker
    public private(set) var tipOfNode: [BlockID]
    /// The network the blocks travel on.
    public let network: Network
    /// Hash rate of each node, TH/s (only shares matter for block times at fixed difficulty).
    public let hashRate: [Double]
    /// The protocol's parameters.
    public let parameters: PoWParameters
    /// After each block: (creation time, height of that block, blocks produced so far).
    public private(set) var chainSeries: [(time: SimTime, height: Int32, blocks: Int32)] = []

    private let finder: WeightedChoice
    private let mining: RandomStream
    private let latency: RandomStream

    /// Creates the model; `streams` supplies `pow.mining` and `net.latency`.
    public init(network: Network, hashRate: [Double], parameters: PoWParameters, streams: RandomStreams) {
        precondition(hashRate.count == network.nodeCount, "one hash rate per node")
        self.network = network
        self.hashRate = hashRate
        self.parameters = parameters
        self.finder = WeightedChoice(weights: hashRate)
        self.mining = streams.stream("pow.mining")
        self.latency = streams.stream("net.latency")
        self.tipOfNode = [BlockID](repeating: BlockTree.genesis, count: network.nodeCount)
        var reach = ReachTracker(nodeCount: network.nodeCount)
        reach.addItem(createdAt: .zero)
        for node in 0..<network.nodeCount {
            _ = reach.claim(node, 0)
            reach.receive(node, 0, at: .zero)
        }
        self.reach = reach
    }

    public mutating func start(scheduler: inout Scheduler) {
        scheduleNextBlock(&scheduler)
    }

    public mutating func handle(_ event: Event, scheduler: inout Scheduler) {
        switch event.kind {
        case ConsensusEventKind.blockFound:
            let miner = finder.draw(using: mining)
            let block = tree.append(parent: tipOfNode[miner], producer: miner, at: scheduler.now,
                                    sizeBytes: parameters.blockSizeBytes,
                                    txCount: parameters.blockSizeBytes / max(parameters.txSizeBytes, 1))
            reach.addItem(createdAt: scheduler.now)
            chainSeries.append((scheduler.now, tree.height[Int(block)], Int32(tree.count - 1)))
            _ = reach.claim(miner, Int(block))
            receive(block, at: miner, scheduler: &scheduler)
            if let target = parameters.targetHeight, tree.height[Int(block)] >= target { return }
            scheduleNextBlock(&scheduler)
        case ConsensusEventKind.blockArrival:
            receive(BlockID(event.payload), at: Int(event.target), scheduler: &scheduler)
        default:
            preconditionFailure("NakamotoPoW got unknown event kind \(event.kind)")
        }
    }

    private mutating func scheduleNextBlock(_ scheduler: inout Scheduler) {
        let wait = SimDuration(seconds: mining.exponential(mean: parameters.blockInterval.seconds))
        scheduler.schedule(after: wait, target: 0, kind: ConsensusEventKind.blockFound)
    }

    /// A node gets a block (once): it may switch tips, and relays the block to every neighbour
    /// that neither holds it nor is already receiving it.
    private mutating func receive(_ block: BlockID, at node: Int, scheduler: inout Scheduler) {
        reach.receive(node, Int(block), at: scheduler.now)
        if tree.isBetter(block, than: tipOfNode[node]) { tipOfNode[node] = block }
        for peer in network.topology.neighbours(of: node) where reach.claim(Int(peer), Int(block)) {
            scheduler.schedule(after: network.delay(from: node, to: Int(peer), using: latency),
                               target: UInt32(peer), kind: ConsensusEventKind.blockArrival,
                               payload: UInt32(block))
        }
    }
}
