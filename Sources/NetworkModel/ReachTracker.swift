import SimKernel

/// Tracks which nodes hold (or are being sent) which item (a block), and when each item reached
/// 50 %, 90 % and 100 % of the nodes.
///
/// A node is *claimed* for an item when a delivery to it is scheduled (or it creates the item);
/// a relay sends only to unclaimed nodes, so every node receives an item exactly once, from the
/// first neighbour that sends it, as Bitcoin's inv/getdata exchange achieves. One bit per
/// (item, node): 100 blocks over 100,000 nodes cost 1.25 MB.
public struct ReachTracker: Sendable {
    /// Number of nodes.
    public let nodeCount: Int
    private let wordsPerItem: Int
    private var claimed: [UInt64] = []
    private var created: [SimTime] = []
    private var holders: [Int32] = []
    /// Per item: time from creation until 50 % of nodes held it; nil until reached.
    public private(set) var reach50: [SimDuration?] = []
    /// Per item: time from creation until 90 % of nodes held it; nil until reached.
    public private(set) var reach90: [SimDuration?] = []
    /// Per item: time from creation until every node held it; nil until reached.
    public private(set) var reach100: [SimDuration?] = []
    private let need50: Int32, need90: Int32

    /// Creates a tracker for `nodeCount` nodes and no items.
    public init(nodeCount: Int) {
        self.nodeCount = nodeCount
        self.wordsPerItem = (nodeCount + 63) / 64
        self.need50 = Int32((Double(nodeCount) * 0.5).rounded(.up))
        self.need90 = Int32((Double(nodeCount) * 0.9).rounded(.up))
    }

    /// Number of items tracked.
    public var itemCount: Int { created.count }

    /// Registers a new item created at `time`; returns its index (0, 1, 2, ...).
    @discardableResult
    public mutating func addItem(createdAt time: SimTime) -> Int {
        created.append(time)
        holders.append(0)
        reach50.append(nil)
        reach90.append(nil)
        reach100.append(nil)
        claimed.append(contentsOf: repeatElement(0, count: wordsPerItem))
        return created.count - 1
    }

    /// Claims `item` for `node`: true the first time (a delivery may be scheduled), false when
    /// the node already holds it or is already receiving it.
    public mutating func claim(_ node: Int, _ item: Int) -> Bool {
        let word = item * wordsPerItem + node >> 6
        let mask: UInt64 = 1 << UInt64(node & 63)
        guard claimed[word] & mask == 0 else { return false }
        claimed[word] |= mask
        return true
    }

    /// Records that `node`, which claimed `item`, now holds it at `time`.
    public mutating func receive(_ node: Int, _ item: Int, at time: SimTime) {
        assert(claimed[item * wordsPerItem + node >> 6] & (1 << UInt64(node & 63)) != 0, "receive without claim")
        holders[item] += 1
        let count = holders[item]
        let elapsed = time - created[item]
        if count == need50 { reach50[item] = elapsed }
        if count == need90 { reach90[item] = elapsed }
        if count == Int32(nodeCount) { reach100[item] = elapsed }
    }

    /// Number of nodes that hold `item`.
    public func holderCount(_ item: Int) -> Int { Int(holders[item]) }
}
