import Ledger
import NetworkModel
import SimKernel

/// The seam every consensus protocol implements (PoW now; PoS and hierarchical later): a
/// simulation model that produces blocks into a `BlockTree` and spreads them over a network.
public protocol ConsensusProtocol: SimModel {
    /// Schedules the protocol's first events (the first mining draw, the first slot, ...).
    mutating func start(scheduler: inout Scheduler)
    /// Every block produced so far.
    var tree: BlockTree { get }
    /// Who holds which block, and how fast blocks spread.
    var reach: ReachTracker { get }
    /// The chain each node currently follows.
    var tipOfNode: [BlockID] { get }
}

/// Event kinds shared by block-producing protocols.
public enum ConsensusEventKind {
    /// Some miner found a block (PoW).
    public static let blockFound: UInt16 = 1
    /// A block reaches a node (`target` = node, `payload` = block id).
    public static let blockArrival: UInt16 = 2
}
