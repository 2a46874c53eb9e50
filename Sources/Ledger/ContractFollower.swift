import SimKernel

/// A contract as the nodes that use it follow it on a chain: the calls of every new block run on
/// their branch (`ContractLedger`), and the best chain's blocks are handed out once they have
/// `confirmations` blocks (1: the block itself), each once, oldest first. Nodes act on those
/// outcomes; a reorganisation deeper than the confirmations is not undone (blocks already handed
/// out stay handed out).
public struct ContractFollower<C: Contract> {
    public private(set) var ledger: ContractLedger<C>
    public let confirmations: Int
    private var executed = 1
    private var confirmedHeight: Int32 = 0

    /// Follows a contract deployed at genesis in state `initial`, on a tree that holds genesis only.
    public init(initial: C, confirmations: Int) {
        precondition(confirmations >= 1, "a block confirms itself at least")
        ledger = ContractLedger(initial: initial)
        self.confirmations = confirmations
    }

    /// Remembers that transaction `id` carries `call` from `sender`.
    public mutating func register(_ id: Int32, call: C.Call, from sender: Int) {
        ledger.register(id, call: call, from: sender)
    }

    /// Runs the calls of the blocks of `tree` built since the last call (their transactions in
    /// `blockTransactions`), and returns the best chain's blocks that reached their confirmations
    /// since then, oldest first.
    public mutating func advance(tree: BlockTree, blockTransactions: [[Int32]]) -> [BlockID] {
        guard executed < tree.count else { return [] }
        for block in executed..<tree.count {
            ledger.execute(BlockID(block), parent: tree.parent[block], transactions: blockTransactions[block], at: tree.created[block])
        }
        executed = tree.count
        let tip = tree.bestTip()
        let target = tree.height[Int(tip)] - Int32(confirmations - 1)
        guard target > confirmedHeight else { return [] }
        var confirmed: [BlockID] = []
        var block = tip
        while tree.height[Int(block)] > target { block = tree.parent[Int(block)] }
        while tree.height[Int(block)] > confirmedHeight {
            confirmed.append(block)
            block = tree.parent[Int(block)]
        }
        confirmedHeight = target
        return confirmed.reversed()
    }

    /// The contract's state on the best chain of `tree`.
    public func state(on tree: BlockTree) -> C { ledger.state(after: tree.bestTip()) }
}
