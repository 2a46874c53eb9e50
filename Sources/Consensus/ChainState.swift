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
    /// Transactions per block.
    public let txPerBlock: Int
    /// After each block: (creation time, height of that block, blocks produced so far).
    public private(set) var chainSeries: [(time: SimTime, height: Int32, blocks: Int32)] = []
    /// After each block: (creation time, joules of all nodes so far, network included).
    public private(set) var energySeries: [(time: SimTime, joules: Double)] = []

    /// A chain holding only genesis, which every node follows.
    public init(network: Network, relay parameters: RelayParameters, energy: EnergyParameters, blockSizeBytes: Int, txSizeBytes: Int,
                streams: RandomStreams) {
        self.relay = BlockRelay(network: network, parameters: parameters, streams: streams)
        relay.addBlock(parent: -1, sizeBytes: 0, createdAt: .zero)
        self.tipOfNode = [BlockID](repeating: BlockTree.genesis, count: network.nodeCount)
        self.energy = EnergyMeters(nodeCount: network.nodeCount)
        self.energyParameters = energy
        self.blockSizeBytes = blockSizeBytes
        self.txPerBlock = blockSizeBytes / max(txSizeBytes, 1)
    }

    /// The network the blocks travel on.
    public var network: Network { relay.network }

    /// A new block by `node` on `parent` at `time` (it still has to be originated at the node).
    public mutating func produce(on parent: BlockID, by node: Int, at time: SimTime, difficulty: Double) -> BlockID {
        let block = tree.append(parent: parent, producer: node, at: time, sizeBytes: blockSizeBytes, txCount: txPerBlock,
                                difficulty: difficulty)
        relay.addBlock(parent: parent, sizeBytes: blockSizeBytes, createdAt: time)
        chainSeries.append((time, tree.height[Int(block)], Int32(tree.count - 1)))
        energySeries.append((time, energyJ(at: time)))
        return block
    }

    /// Joules of all nodes up to `time`: hashing, baseline, and the bytes sent so far.
    public func energyJ(at time: SimTime) -> Double {
        energy.totalJ(at: time) + Double(relay.traffic.totalBytes) * energyParameters.networkJPerByte
    }
}
