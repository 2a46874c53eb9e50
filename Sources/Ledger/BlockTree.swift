import SimKernel

/// Index of a block in its `BlockTree`; the genesis block is 0.
public typealias BlockID = Int32

/// Every block produced in a run, honest or stale, as columns (struct of arrays): parent,
/// height, producer, creation time, size and transaction count.
///
/// Fork choice is the longest chain; a node keeps the first-seen block among equals, which the
/// caller expresses by switching tips only on a strictly better block (`isBetter`).
public struct BlockTree: Sendable {
    /// Parent of each block (-1 for genesis).
    public private(set) var parent: [BlockID] = [-1]
    /// Height of each block (genesis 0).
    public private(set) var height: [Int32] = [0]
    /// Node that produced each block (-1 for genesis).
    public private(set) var producer: [Int32] = [-1]
    /// Creation time of each block.
    public private(set) var created: [SimTime] = [.zero]
    /// Size of each block in bytes.
    public private(set) var sizeBytes: [Int32] = [0]
    /// Transactions in each block.
    public private(set) var txCount: [Int32] = [0]

    /// The genesis block.
    public static let genesis: BlockID = 0

    /// A tree that holds only the genesis block.
    public init() {}

    /// Number of blocks, genesis included.
    public var count: Int { parent.count }

    /// Appends a block on `parentBlock`; returns its id. - Complexity: amortised O(1).
    public mutating func append(parent parentBlock: BlockID, producer node: Int, at time: SimTime,
                                sizeBytes size: Int, txCount txs: Int) -> BlockID {
        let id = BlockID(parent.count)
        parent.append(parentBlock)
        height.append(height[Int(parentBlock)] + 1)
        producer.append(Int32(node))
        created.append(time)
        sizeBytes.append(Int32(clamping: size))
        txCount.append(Int32(clamping: txs))
        return id
    }

    /// Longest-chain fork choice: true when `candidate` should replace `current` as a node's tip.
    /// Equal heights keep the current (first-seen) tip.
    @inlinable public func isBetter(_ candidate: BlockID, than current: BlockID) -> Bool {
        height[Int(candidate)] > height[Int(current)]
    }

    /// The best tip over all blocks: greatest height, the earliest created among equals.
    public func bestTip() -> BlockID {
        var best: BlockID = 0
        for id in 1..<count where height[id] > height[Int(best)] { best = BlockID(id) }
        return best
    }

    /// Marks the blocks on the chain from genesis to `tip`. - Complexity: O(count).
    public func mainChainMask(tip: BlockID) -> [Bool] {
        var mask = [Bool](repeating: false, count: count)
        var block = tip
        while block >= 0 {
            mask[Int(block)] = true
            block = parent[Int(block)]
        }
        return mask
    }

    /// True when `ancestor` lies on the chain from genesis to `block` (both ends included).
    public func isAncestor(_ ancestor: BlockID, of block: BlockID) -> Bool {
        var b = block
        while b >= 0 && height[Int(b)] > height[Int(ancestor)] { b = parent[Int(b)] }
        return b == ancestor
    }
}
