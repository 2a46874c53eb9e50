import Ledger
import NetworkModel
import SimKernel

/// The seam every consensus protocol implements (PoW now; PoS and hierarchical later): a
/// simulation model that produces blocks into a `BlockTree` and spreads them with a `BlockRelay`.
public protocol ConsensusProtocol: SimModel {
    /// Schedules the protocol's first events (the first mining draw, the first slot, ...).
    mutating func start(scheduler: inout Scheduler)
    /// Every block produced so far.
    var tree: BlockTree { get }
    /// The relay: who holds which block, how fast blocks spread, bytes per node.
    var relay: BlockRelay { get }
    /// The chain each node currently follows.
    var tipOfNode: [BlockID] { get }
}

/// Event kinds of block-producing protocols (below `RelayEventKind.base`).
public enum ConsensusEventKind {
    /// Some miner found a block (PoW; payload: the draw's generation).
    public static let blockFound: UInt16 = 1
    /// Every node's hash rate changes (payload: index of the change).
    public static let hashRateChange: UInt16 = 2
}
