import Ledger
import NetworkModel
import SimKernel

/// What every block-producing protocol shares: the block tree, the relay, each node's tip, the
/// chain and energy series, and the energy meters.
public struct ChainState {
    /// Every block produced so far.
    public private(set) var tree = BlockTree()
    /// The relay; protocols pass it their relay events and tell it what to announce.
    public var relay: BlockRelay
    /// The chain each node follows.
    public var tipOfNode: [BlockID]
    /// Per-node energy meters.
    public var energy: EnergyMeters
    /// How work turns into joules.
    public let energyParameters: EnergyParameters
    /// Size of every block, bytes.
    public let blockSizeBytes: Int
    /// Transactions per block without a transaction workload (every block full).
    public let txPerBlock: Int
    /// The transaction workload and its mempool; nil: every block is full of `txPerBlock`
    /// notional transactions.
    public private(set) var transactions: TransactionPool?
    /// Bytes of a block's header, on top of its transactions, when blocks carry real ones.
    public static let headerBytes = 80
    /// After each block: (creation time, height of that block, blocks produced so far).
    public private(set) var chainSeries: [(time: SimTime, height: Int32, blocks: Int32)] = []
    /// After each block: (creation time, joules of all nodes so far, network included).
    public private(set) var energySeries: [(time: SimTime, joules: Double)] = []
    /// The full transaction propagation model's message latencies (stream `tx.gossip`).
    private var gossipStream: RandomStream?

    /// A chain holding only genesis, which every node follows; with `transactions`, blocks are
    /// filled from a mempool (streams `tx.arrivals`, `tx.fees` (sizes and fees),
    /// `tx.origins`, and `tx.sources` for the light propagation model).
    public init(network: Network, relay parameters: RelayParameters, energy: EnergyParameters, blockSizeBytes: Int, txSizeBytes: Int,
                transactions: TransactionParameters? = nil, streams: RandomStreams) {
        self.relay = BlockRelay(network: network, parameters: parameters, streams: streams)
        relay.addBlock(parent: -1, sizeBytes: 0, createdAt: .zero)
        self.tipOfNode = [BlockID](repeating: BlockTree.genesis, count: network.nodeCount)
        self.energy = EnergyMeters(nodeCount: network.nodeCount)
        self.energyParameters = energy
        self.blockSizeBytes = blockSizeBytes
        self.txPerBlock = blockSizeBytes / max(txSizeBytes, 1)
        self.transactions = transactions.map { workload in
            var visibility: TransactionVisibility?
            if case .light(let origins) = workload.propagation {
                visibility = Self.visibility(on: network, relay: parameters.relayProtocol, origins: origins, bytes: workload.size.mean,
                                             sampling: streams.stream("tx.sources"))
            }
            return TransactionPool(parameters: workload, nodeCount: network.nodeCount, visibility: visibility,
                                   arrivals: streams.stream("tx.arrivals"), draws: streams.stream("tx.fees"), origins: streams.stream("tx.origins"))
        }
        if self.transactions?.parameters.propagation == .full { gossipStream = streams.stream("tx.gossip") }
    }

    /// The full propagation model: gossips every transaction created by `time` and not yet
    /// gossiped, in id order (its messages are counted now, its arrival times are from its
    /// creation).
    private mutating func gossipTransactions(until time: SimTime) {
        guard let stream = gossipStream else { return }
        transactions!.arrive(until: time)
        while transactions!.gossiped < transactions!.count {
            let id = transactions!.gossiped
            let micros = relay.gossipTransaction(from: Int(transactions!.origin[id]), bytes: Int(transactions!.size[id]), using: stream)
            transactions!.setGossipArrivals(Int32(id), micros: micros)
        }
    }

    /// The light propagation model's table: `origins` nodes sampled from `sampling`, and the
    /// relay delay of a `bytes`-long message from each to every node.
    static func visibility(on network: Network, relay: RelayProtocol, origins: Int, bytes: Double, sampling: RandomStream) -> TransactionVisibility {
        let sources = sampling.sample(min(origins, network.nodeCount), from: network.nodeCount)
        var micros: [UInt32] = []
        micros.reserveCapacity(sources.count * network.nodeCount)
        for source in sources {
            for delay in network.relayDelays(from: source, bytes: Int(bytes.rounded()), relay: relay) {
                micros.append(UInt32(clamping: delay.nanoseconds / 1_000))
            }
        }
        return TransactionVisibility(sources: sources.map(Int32.init), delayMicros: micros, nodeCount: network.nodeCount)
    }

    /// Puts a transaction into the mempool at `time`; nil without a transaction workload.
    public mutating func submit(at time: SimTime, sizeBytes: Int, fee: Double, kind: TransactionKind, origin: Int, gas: Int) -> Int32? {
        guard transactions != nil else { return nil }
        return transactions!.submit(at: time, sizeBytes: sizeBytes, fee: fee, kind: kind, origin: origin, gas: gas)
    }

    /// The network the blocks travel on.
    public var network: Network { relay.network }

    /// A new block by `node` on `parent` at `time` (it still has to be originated at the node).
    public mutating func produce(on parent: BlockID, by node: Int, at time: SimTime, difficulty: Double) -> BlockID {
        var size = blockSizeBytes, txCount = txPerBlock
        if transactions != nil {
            gossipTransactions(until: time)
            let filled = transactions!.fill(BlockID(tree.count), parent: parent, by: node, at: time, in: tree,
                                            capacityBytes: blockSizeBytes - Self.headerBytes)
            (size, txCount) = (Self.headerBytes + filled.bytes, filled.count)
        }
        let block = tree.append(parent: parent, producer: node, at: time, sizeBytes: size, txCount: txCount, difficulty: difficulty)
        relay.addBlock(parent: parent, sizeBytes: size, createdAt: time)
        chainSeries.append((time, tree.height[Int(block)], Int32(tree.count - 1)))
        energySeries.append((time, energyJ(at: time)))
        return block
    }

    /// Joules of all nodes up to `time`: hashing, baseline, and the bytes sent so far.
    public func energyJ(at time: SimTime) -> Double {
        energy.totalJ(at: time) + Double(relay.trafficBytes) * energyParameters.networkJPerByte
    }
}
