import Ledger
import NetworkModel
import SimKernel

/// The seam every consensus protocol implements (PoW, PoS, ...): a simulation model that
/// produces blocks into a shared `ChainState` and decides what each node announces.
public protocol ConsensusProtocol: SimModel {
    /// Schedules the protocol's first events (the first mining draw, the first slot, ...).
    mutating func start(scheduler: inout Scheduler)
    /// Blocks, relay, tips, series and energy meters.
    var chain: ChainState { get }
    /// The protocol's own per-node values for `/nodes` (e.g. `hash_rate_th_s`, `stake`).
    func nodeColumns() -> [(name: String, values: [Double])]
    /// The protocol's own summary keys at the end of a run (e.g. `empty_slot_rate`).
    func summary(at time: SimTime) -> [(key: String, value: Double)]
    /// Joules of work that producing `block` cost (PoW: its difficulty's hashes; PoS: none).
    func blockWorkJ(_ block: BlockID) -> Double
    /// Stops producing blocks (blocks in flight still propagate), e.g. when a federated
    /// workload on the chain is done.
    mutating func stopProducing()
    /// Bytes each node sent for a workload riding on the chain (e.g. federated learning), on top
    /// of block relay; counted in network energy. Empty when there is none.
    func workloadBytesSent() -> [Int]
    /// Burns `fraction` of the stake `node` holds now (a penalty, e.g. for a poisoned update)
    /// and returns the stake burned: 0 for a protocol without stake. Elections use the reduced
    /// stake from the next epoch (PoS) or election (hierarchical), never within the current one.
    mutating func slash(_ node: Int, fraction: Double, scheduler: inout Scheduler) -> Double
    /// Puts a transaction (a round record, a contract call) into the mempool at `time`, from
    /// `origin`, using `gas` of the block gas limit; returns its id, or nil when the chain carries
    /// no transaction workload.
    mutating func submitTransaction(at time: SimTime, sizeBytes: Int, fee: Double, kind: TransactionKind, origin: Int, gas: Int) -> Int32?
    /// Rents compute through a compute market riding on the chain (`request`, sent at `time`);
    /// returns a ticket, or nil when there is none. When the work is done the market schedules
    /// the request's notification event; the provider is paid once the owner settles the ticket.
    mutating func rentCompute(_ request: ComputeRequest, at time: SimTime) -> Int32?
    /// The owner of rented work `ticket` holds proof of it (a confirmed record citing it) and
    /// releases the payment, sent at `time`.
    mutating func settleRentedCompute(_ ticket: Int32, at time: SimTime)
}

/// Work a node wants done by a compute market's providers.
public struct ComputeRequest: Sendable, Equatable {
    public var tflop: Double
    /// The node that posts the job and pays.
    public var owner: Int
    /// The event the market schedules when the work is done: the caller's kind and target.
    public var notifyKind: UInt16
    public var notifyTarget: UInt32

    public init(tflop: Double, owner: Int, notifyKind: UInt16, notifyTarget: UInt32) {
        self.tflop = tflop
        self.owner = owner
        self.notifyKind = notifyKind
        self.notifyTarget = notifyTarget
    }
}

extension ConsensusProtocol {
    public func workloadBytesSent() -> [Int] { [] }
    public mutating func rentCompute(_ request: ComputeRequest, at time: SimTime) -> Int32? { nil }
    public mutating func settleRentedCompute(_ ticket: Int32, at time: SimTime) {}
    public mutating func slash(_ node: Int, fraction: Double, scheduler: inout Scheduler) -> Double { 0 }
}

/// Event kinds of block-producing protocols (below `RelayEventKind.base`).
public enum ConsensusEventKind {
    /// Some miner found a block (PoW; payload: the draw's generation).
    public static let blockFound: UInt16 = 1
    /// Every node's hash rate changes (payload: index of the change).
    public static let hashRateChange: UInt16 = 2
    /// A node leads a slot (PoS; target: the node, payload: the slot number).
    public static let slotLeader: UInt16 = 3
    /// Ethereum: a slot begins (payload: the slot number).
    public static let slotBegins: UInt16 = 4
    /// Ethereum: a validator attests (target: the validator, payload: the epoch).
    public static let attestation: UInt16 = 5
    /// Ethereum: an epoch closes (payload: the epoch).
    public static let epochEnd: UInt16 = 6
    /// Praos: slashed stake takes effect, just before an epoch's first slot (payload: the slot).
    public static let stakeUpdate: UInt16 = 7
}
