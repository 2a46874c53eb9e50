import SimKernel

/// Why a contract call reverted.
public struct ContractRevert: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A contract: a deterministic state machine on the chain. A call runs when a block includes
/// its transaction, on the state of the block's parent, in block order; it either succeeds
/// (the state changes, events are emitted) or reverts (the state is as before). Either way it
/// spends its gas, so a reverted call still pays. No general VM: each contract is Swift code.
public protocol Contract: Sendable {
    associatedtype Call: Sendable
    associatedtype Event: Sendable
    /// The name configs and outputs use.
    static var name: String { get }
    /// Gas `call` spends, succeeded or reverted.
    static func gas(of call: Call) -> Int
    /// Applies `call`, sent by node `sender`, in a block created at `time`; returns the events it
    /// emits, or throws to revert. A call checks, then acts: it throws before it changes anything,
    /// so a reverted call leaves the state as it was (the ledger applies calls in place; copying
    /// the state for every call would cost its whole size per call).
    mutating func apply(_ call: Call, from sender: Int, at time: SimTime) throws(ContractRevert) -> [Event]
}

/// A contract's state along every branch of the block tree, and the outcome of every call.
///
/// Blocks are executed in the order they are built, each on its parent's state, so every branch
/// has its own history (a reorganisation needs no undo). Only blocks that run calls keep a
/// state, the others point at their nearest ancestor's, and states more than `retainedDepth`
/// below the highest block are dropped; a block built on a dropped state (a fork that deep)
/// gets it back by replaying the calls from the nearest state kept.
public struct ContractLedger<C: Contract> {
    /// How many heights below the highest block states are kept.
    public static var retainedDepth: Int32 { 256 }

    /// One executed call.
    public struct Outcome: Sendable {
        public var transaction: Int32
        public var sender: Int
        /// The events it emitted, or why it reverted.
        public var result: Result<[C.Event], ContractRevert>
    }

    /// The calls submitted, by transaction id.
    public private(set) var calls: [Int32: (call: C.Call, sender: Int)] = [:]
    /// The calls each block ran, in block order (blocks without calls are absent).
    public private(set) var outcomes: [BlockID: [Outcome]] = [:]
    private var states: [BlockID: C]
    /// For each block executed so far, the block whose state it has (itself, or an ancestor).
    private var stateBlock: [BlockID] = [BlockTree.genesis]
    /// Parent and height of each block executed so far.
    private var parentOf: [BlockID] = [-1]
    private var heightOf: [Int32] = [0]
    private var highest: Int32 = 0
    /// Creation time of each block that ran calls (for replays).
    private var createdAt: [BlockID: SimTime] = [:]

    /// A contract deployed at genesis in state `initial`.
    public init(initial: C) { states = [BlockTree.genesis: initial] }

    /// Remembers that transaction `id` carries `call` from `sender`.
    public mutating func register(_ id: Int32, call: C.Call, from sender: Int) {
        calls[id] = (call, sender)
    }

    /// The state after `block` (executed before).
    public func state(after block: BlockID) -> C {
        let holder = stateBlock[Int(block)]
        if let kept = states[holder] { return kept }
        // Dropped: replay from the nearest kept ancestor.
        var path: [BlockID] = []
        var at = holder
        while states[at] == nil {
            path.append(at)
            at = stateBlock[Int(parentOf[Int(at)])]
        }
        var state = states[at]!
        for replayed in path.reversed() {
            for outcome in outcomes[replayed] ?? [] where (try? outcome.result.get()) != nil {
                let (call, sender) = calls[outcome.transaction]!
                _ = try? state.apply(call, from: sender, at: createdAt[replayed]!)
            }
        }
        return state
    }

    /// Runs the calls among `transactions` (block order) of `block`, built on `parent` at `time`;
    /// returns their outcomes. Blocks must be executed in id order.
    @discardableResult
    public mutating func execute(_ block: BlockID, parent: BlockID, transactions: [Int32], at time: SimTime) -> [Outcome] {
        precondition(Int(block) == stateBlock.count, "blocks are executed in the order they were built")
        var state = self.state(after: parent)
        var ran: [Outcome] = []
        for id in transactions {
            guard let (call, sender) = calls[id] else { continue }
            do {
                let events = try state.apply(call, from: sender, at: time)
                ran.append(Outcome(transaction: id, sender: sender, result: .success(events)))
            } catch {
                ran.append(Outcome(transaction: id, sender: sender, result: .failure(error)))
            }
        }
        parentOf.append(parent)
        heightOf.append(heightOf[Int(parent)] + 1)
        highest = max(highest, heightOf[Int(block)])
        if ran.isEmpty {
            stateBlock.append(stateBlock[Int(parent)])
        } else {
            states[block] = state
            outcomes[block] = ran
            createdAt[block] = time
            stateBlock.append(block)
        }
        if block % 256 == 0 {
            // The newest blocks' states stay, however deep the block they point at.
            let floor = highest - Self.retainedDepth
            let inUse = Set(stateBlock.suffix(2 * Int(Self.retainedDepth)))
            for kept in states.keys where kept != BlockTree.genesis && heightOf[Int(kept)] < floor && !inUse.contains(kept) {
                states[kept] = nil
            }
        }
        return ran
    }
}
