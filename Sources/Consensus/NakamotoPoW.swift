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
/// is its hash share over the block interval; blocks spread through the `BlockRelay`; each node
/// follows the longest chain it has connected, keeping the first-seen block among equals.
///
/// The per-node exponential clocks are simulated as their superposition: one "next block" event
/// at Exp(interval) whose finder is drawn by hash share. For memoryless clocks that is the same
/// process, with one pending mining event instead of N (and no rescheduling when tips change).
public struct NakamotoPoW: ConsensusProtocol {
    public private(set) var tree = BlockTree()
    public private(set) var relay: BlockRelay
    public private(set) var tipOfNode: [BlockID]
    /// Hash rate of each node, TH/s (only shares matter for block times at fixed difficulty).
    public let hashRate: [Double]
    /// The protocol's parameters.
    public let parameters: PoWParameters
    /// After each block: (creation time, height of that block, blocks produced so far).
    public private(set) var chainSeries: [(time: SimTime, height: Int32, blocks: Int32)] = []

    private let finder: WeightedChoice
    private let mining: RandomStream

    /// Creates the model; `streams` supplies `pow.mining` (and the relay's streams).
    public init(network: Network, relay parameters: RelayParameters, hashRate: [Double], pow: PoWParameters, streams: RandomStreams) {
        precondition(hashRate.count == network.nodeCount, "one hash rate per node")
        self.hashRate = hashRate
        self.parameters = pow
        self.finder = WeightedChoice(weights: hashRate)
        self.mining = streams.stream("pow.mining")
        self.tipOfNode = [BlockID](repeating: BlockTree.genesis, count: network.nodeCount)
        self.relay = BlockRelay(network: network, parameters: parameters, streams: streams)
        relay.addBlock(parent: -1, sizeBytes: 0, createdAt: .zero)
    }

    /// The network the blocks travel on.
    public var network: Network { relay.network }

    public mutating func start(scheduler: inout Scheduler) {
        scheduleNextBlock(&scheduler)
    }

    public mutating func handle(_ event: Event, scheduler: inout Scheduler) {
        if event.kind == ConsensusEventKind.blockFound {
            let miner = finder.draw(using: mining)
            let parent = tipOfNode[miner]
            let block = tree.append(parent: parent, producer: miner, at: scheduler.now, sizeBytes: parameters.blockSizeBytes,
                                    txCount: parameters.blockSizeBytes / max(parameters.txSizeBytes, 1))
            relay.addBlock(parent: parent, sizeBytes: parameters.blockSizeBytes, createdAt: scheduler.now)
            chainSeries.append((scheduler.now, tree.height[Int(block)], Int32(tree.count - 1)))
            relay.originate(block, at: miner, scheduler: &scheduler)
            if parameters.targetHeight.map({ Int(tree.height[Int(block)]) < $0 }) ?? true { scheduleNextBlock(&scheduler) }
        } else {
            precondition(RelayEventKind.contains(event.kind), "NakamotoPoW got unknown event kind \(event.kind)")
            relay.handle(event, scheduler: &scheduler)
        }
        adoptConnectedBlocks(&scheduler)
    }

    private mutating func scheduleNextBlock(_ scheduler: inout Scheduler) {
        let wait = SimDuration(seconds: mining.exponential(mean: parameters.blockInterval.seconds))
        scheduler.schedule(after: wait, target: 0, kind: ConsensusEventKind.blockFound)
    }

    /// Longest-chain fork choice on every block a node connected during this event; a block that
    /// becomes the node's tip is announced (Bitcoin nodes do not relay side-chain blocks).
    private mutating func adoptConnectedBlocks(_ scheduler: inout Scheduler) {
        for i in 0..<relay.connectedNow.count {
            let (node, block, source) = relay.connectedNow[i]
            guard tree.isBetter(block, than: tipOfNode[Int(node)]) else { continue }
            tipOfNode[Int(node)] = block
            relay.announce(block, from: Int(node), except: Int(source), scheduler: &scheduler)
        }
        relay.clearConnected()
    }
}
