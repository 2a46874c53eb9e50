import SimKernel

/// Index of a block in its `BlockTree`; the genesis block is 0.
public typealias BlockID = Int32

/// Every block produced in a run, honest or stale, as columns (struct of arrays): parent,
/// height, producer, creation time, size, transaction count, difficulty and chain work.
///
/// Fork choice is the most-work chain (the longest when difficulty is constant); a node keeps the
/// first-seen block among equals, which the caller expresses by switching tips only on a strictly
/// better block (`isBetter`).
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
    /// Work of each block: the expected hashes to find it, in TH (0 for genesis and for blocks
    /// that need no work, as in PoS).
    public private(set) var difficulty: [Double] = [0]
    /// Cumulative work from genesis to each block, TH.
    public private(set) var chainWork: [Double] = [0]
    /// `bestTip()`, kept as blocks are appended.
    private var best: BlockID = 0

    /// The genesis block.
    public static let genesis: BlockID = 0

    /// A tree that holds only the genesis block.
    public init() {}

    /// Number of blocks, genesis included.
    public var count: Int { parent.count }

    /// Appends a block on `parentBlock`; returns its id. - Complexity: amortised O(1).
    public mutating func append(parent parentBlock: BlockID, producer node: Int, at time: SimTime,
                                sizeBytes size: Int, txCount txs: Int, difficulty work: Double = 1) -> BlockID {
        let id = BlockID(parent.count)
        parent.append(parentBlock)
        height.append(height[Int(parentBlock)] + 1)
        difficulty.append(work)
        chainWork.append(chainWork[Int(parentBlock)] + work)
        producer.append(Int32(node))
        created.append(time)
        sizeBytes.append(Int32(clamping: size))
        txCount.append(Int32(clamping: txs))
        if isBetter(id, than: best) { best = id }
        return id
    }

    /// Most-work fork choice: true when `candidate` should replace `current` as a node's tip.
    /// Equal work keeps the current (first-seen) tip.
    @inlinable public func isBetter(_ candidate: BlockID, than current: BlockID) -> Bool {
        chainWork[Int(candidate)] > chainWork[Int(current)]
    }

    /// The best tip over all blocks: most chain work, the earliest created among equals.
    /// - Complexity: O(1).
    public func bestTip() -> BlockID { best }

    /// The ancestor of `block` at `targetHeight` (<= the block's height). - Complexity: O(depth).
    public func ancestor(of block: BlockID, atHeight targetHeight: Int32) -> BlockID {
        var b = block
        while height[Int(b)] > targetHeight { b = parent[Int(b)] }
        return b
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
