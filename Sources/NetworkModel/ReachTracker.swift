#if canImport(Glibc)
import Glibc
#endif
import SimKernel

/// How fast blocks spread: when each block reached 50 %, 90 % and 100 % of the nodes, and a
/// histogram of every (node, block) receive delay. O(blocks + bins) memory, whatever the node count.
public struct ReachTracker: Sendable {
    /// Number of nodes.
    public let nodeCount: Int
    private var created: [SimTime] = []
    private var holders: [Int32] = []
    /// Per item: time from creation until 50 % of nodes held it; nil until reached.
    public private(set) var reach50: [SimDuration?] = []
    /// Per item: time from creation until 90 % of nodes held it; nil until reached.
    public private(set) var reach90: [SimDuration?] = []
    /// Per item: time from creation until every node held it; nil until reached.
    public private(set) var reach100: [SimDuration?] = []
    /// Receive delays of every (node, block) pair, the producer's own zero delay excluded.
    public private(set) var delays = DelayHistogram()
    private let need50: Int32, need90: Int32
    /// One flag per node when some nodes' receive times are kept (empty otherwise: no cost).
    private var sampled: [Bool] = []
    /// For the sampled nodes: when each received each item, in the order it happened.
    public private(set) var receiveTimes: [(item: Int32, node: Int32, delay: SimDuration)] = []

    /// Creates a tracker for `nodeCount` nodes and no items; the receive time of every item at
    /// each node of `sampledNodes` is kept in `receiveTimes`.
    public init(nodeCount: Int, sampledNodes: [Int32] = []) {
        self.nodeCount = nodeCount
        self.need50 = Int32((Double(nodeCount) * 0.5).rounded(.up))
        self.need90 = Int32((Double(nodeCount) * 0.9).rounded(.up))
        if !sampledNodes.isEmpty {
            sampled = [Bool](repeating: false, count: nodeCount)
            for node in sampledNodes { sampled[Int(node)] = true }
        }
    }

    /// Number of items tracked.
    public var itemCount: Int { created.count }

    /// Registers a new item created at `time`; returns its index (0, 1, 2, ...). An item
    /// `heldByAll` (a genesis block) counts as held by every node from its creation on.
    @discardableResult
    public mutating func addItem(createdAt time: SimTime, heldByAll: Bool = false) -> Int {
        created.append(time)
        holders.append(heldByAll ? Int32(nodeCount) : 0)
        reach50.append(heldByAll ? .zero : nil)
        reach90.append(heldByAll ? .zero : nil)
        reach100.append(heldByAll ? .zero : nil)
        return created.count - 1
    }

    /// Records that `node` holds `item` from `time` on (call once per node and item).
    public mutating func record(_ item: Int, node: Int, at time: SimTime) {
        if !sampled.isEmpty && sampled[node] { receiveTimes.append((Int32(item), Int32(node), time - created[item])) }
        holders[item] += 1
        let count = holders[item]
        let elapsed = time - created[item]
        if count > 1 { delays.add(elapsed) }
        if count == need50 { reach50[item] = elapsed }
        if count == need90 { reach90[item] = elapsed }
        if count == Int32(nodeCount) { reach100[item] = elapsed }
    }

    /// Number of nodes that hold `item`.
    public func holderCount(_ item: Int) -> Int { Int(holders[item]) }
}

/// Counts of durations in logarithmic bins: [0, 1 ms), then 10 bins per decade from 1 ms to
/// 10,000 s, then [10,000 s, infinity).
public struct DelayHistogram: Sendable, Equatable {
    /// Bins per decade.
    public static let binsPerDecade = 10
    /// Lower edge of the first logarithmic bin, seconds.
    public static let firstEdgeS = 1e-3
    static let decades = 7
    /// Count per bin.
    public private(set) var counts = [UInt64](repeating: 0, count: decades * binsPerDecade + 2)

    /// An empty histogram.
    public init() {}

    /// Lower edge of bin `i`, seconds (0 for the first).
    public static func lowerEdgeS(_ i: Int) -> Double {
        i == 0 ? 0 : firstEdgeS * pow10(Double(i - 1) / Double(binsPerDecade))
    }

    /// Upper edge of bin `i`, seconds (infinity for the last).
    public static func upperEdgeS(_ i: Int) -> Double {
        i == decades * binsPerDecade + 1 ? .infinity : firstEdgeS * pow10(Double(i) / Double(binsPerDecade))
    }

    /// Adds one duration.
    public mutating func add(_ d: SimDuration) {
        let s = d.seconds
        let bin: Int
        if s < Self.firstEdgeS {
            bin = 0
        } else {
            bin = min(1 + Int((log10(s / Self.firstEdgeS) * Double(Self.binsPerDecade)).rounded(.down)), counts.count - 1)
        }
        counts[bin] += 1
    }

    private static func pow10(_ x: Double) -> Double { exp(x * log(10.0)) }
}
