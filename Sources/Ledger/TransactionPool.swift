import SimKernel

/// How each transaction's fee is drawn.
public enum FeeLaw: Sendable, Equatable {
    case constant(Double)
    case exponential(mean: Double)
    case uniform(min: Double, max: Double)

    func draw(using random: RandomStream) -> Double {
        switch self {
        case .constant(let fee): return fee
        case .exponential(let mean): return random.exponential(mean: mean)
        case .uniform(let low, let high): return random.uniform(low, high)
        }
    }
}

/// How fees are paid.
public enum FeeMarket: Sendable, Equatable {
    /// Each transaction pays its fee to the producer; blocks take the highest fee per byte first.
    case firstPrice
    /// EIP-1559: each block has a base fee per byte, set from its parent's by
    /// base x (1 + (used - target) / target / 8) with the target half the block's capacity. A
    /// transaction's fee is its maximum: it is included only when its fee per byte covers the base
    /// fee, pays its maximum (its tip is the rest: users bid their maximum), and the base fee
    /// times its size is burned.
    case eip1559(initialBaseFee: Double)
}

/// The transaction workload: Poisson arrivals network-wide, a size and a fee each.
public struct TransactionParameters: Sendable, Equatable {
    /// Arrivals per second (> 0).
    public var ratePerSecond: Double
    /// Size of every transaction, bytes.
    public var sizeBytes: Int
    /// Each transaction's fee (its maximum under EIP-1559).
    public var fee: FeeLaw
    /// How fees are paid.
    public var market: FeeMarket
    /// How long a transaction may wait before it leaves the mempool unincluded; nil: forever.
    public var lifetime: SimDuration?

    /// Creates the workload.
    public init(ratePerSecond: Double, sizeBytes: Int, fee: FeeLaw, market: FeeMarket = .firstPrice, lifetime: SimDuration? = nil) {
        precondition(ratePerSecond > 0 && sizeBytes > 0)
        self.ratePerSecond = ratePerSecond
        self.sizeBytes = sizeBytes
        self.fee = fee
        self.market = market
        self.lifetime = lifetime
    }
}

/// Every transaction of a run and the shared mempool producers fill blocks from (first-price fee
/// market: the highest fee per byte first, the earliest among equals).
///
/// Arrivals are drawn lazily: before a block is built, every arrival up to its creation time is
/// generated from the stream (a Poisson process is the same whenever it is drawn). The pool
/// follows the chain of the last block built: a block on another branch first returns the
/// transactions of the abandoned blocks to the pool and takes out those of the new branch (a
/// reorganisation), so a transaction is never in two blocks of one chain.
public struct TransactionPool {
    public let parameters: TransactionParameters
    /// Creation time of each transaction.
    public private(set) var created: [SimTime] = []
    /// Fee of each transaction.
    public private(set) var fee: [Double] = []
    /// The block holding each transaction on the pool's chain (-1: pending, -2: expired).
    public private(set) var includedIn: [BlockID] = []
    /// The transactions of each block (index: block id; genesis and legacy blocks hold none).
    public private(set) var blockTransactions: [[Int32]] = [[]]
    /// The block whose chain the pool reflects.
    public private(set) var tip: BlockID = BlockTree.genesis
    /// Pending transactions on the pool's chain.
    public private(set) var pending = 0
    /// Pending transactions just after each block was built (index: block id).
    public private(set) var pendingAfter: [Int32] = [0]
    /// EIP-1559: each block's base fee per byte (index: block id; genesis: the initial one).
    /// Empty under a first-price market.
    public private(set) var baseFee: [Double] = []

    private var nextArrival: SimTime
    /// Transactions before this one (in creation order) have been checked for expiry.
    private var expiryCursor = 0
    private let arrivals: RandomStream
    private let fees: RandomStream
    /// Pending transactions: a binary max-heap of (fee per byte, id, version), the highest fee
    /// and then the lowest id on top. An entry whose version is stale, or whose transaction is no
    /// longer pending, is skipped when it surfaces.
    private var heap: [(rate: Double, id: Int32, version: Int32)] = []
    private var version: [Int32] = []

    /// An empty pool; `arrivals` draws the inter-arrival times, `fees` the fees.
    public init(parameters: TransactionParameters, arrivals: RandomStream, fees: RandomStream) {
        self.parameters = parameters
        self.arrivals = arrivals
        self.fees = fees
        self.nextArrival = SimTime.zero + SimDuration(seconds: arrivals.exponential(mean: 1 / parameters.ratePerSecond))
        if case .eip1559(let initial) = parameters.market { baseFee = [initial] }
    }

    /// EIP-1559's base fee per byte of a block on `parent`, for blocks of `capacityBytes`.
    public func nextBaseFee(parent: BlockID, capacityBytes: Int) -> Double {
        let target = Double(capacityBytes) / 2
        // Genesis carries no transactions: its child keeps the initial base fee.
        let used = parent == BlockTree.genesis ? target : Double(blockTransactions[Int(parent)].count * parameters.sizeBytes)
        return baseFee[Int(parent)] * (1 + (used - target) / target / 8)
    }

    /// Transactions created so far.
    public var count: Int { created.count }

    /// Creates every transaction arriving at or before `time`.
    public mutating func arrive(until time: SimTime) {
        while nextArrival <= time {
            let id = Int32(created.count)
            created.append(nextArrival)
            let f = parameters.fee.draw(using: fees)
            fee.append(f)
            includedIn.append(-1)
            version.append(0)
            pending += 1
            push(id)
            nextArrival = nextArrival + SimDuration(seconds: arrivals.exponential(mean: 1 / parameters.ratePerSecond))
        }
    }

    /// Fills `block`, about to be appended to `tree` on `parent` at `time`, with the
    /// highest-paying pending transactions that fit in `capacityBytes`; returns how many and
    /// their bytes.
    public mutating func fill(_ block: BlockID, parent: BlockID, at time: SimTime, in tree: BlockTree,
                              capacityBytes: Int) -> (count: Int, bytes: Int) {
        arrive(until: time)
        follow(parent, in: tree, at: time)
        expire(before: time)
        while blockTransactions.count <= Int(block) {
            blockTransactions.append([])
            pendingAfter.append(0)
            if !baseFee.isEmpty { baseFee.append(0) }
        }
        // Under EIP-1559 a transaction needs a fee per byte of at least the block's base fee.
        var floor = -Double.infinity
        if !baseFee.isEmpty {
            baseFee[Int(block)] = nextBaseFee(parent: parent, capacityBytes: capacityBytes)
            floor = baseFee[Int(block)]
        }
        let perBlock = capacityBytes / parameters.sizeBytes
        var chosen: [Int32] = []
        chosen.reserveCapacity(min(perBlock, heap.count))
        while chosen.count < perBlock, let id = popBest() {
            if fee[Int(id)] / Double(parameters.sizeBytes) < floor {
                push(id)   // the best left cannot pay the base fee: neither can the rest
                break
            }
            includedIn[Int(id)] = block
            chosen.append(id)
        }
        blockTransactions[Int(block)] = chosen
        pending -= chosen.count
        pendingAfter[Int(block)] = Int32(clamping: pending)
        tip = block
        return (chosen.count, chosen.count * parameters.sizeBytes)
    }

    /// Whether transaction `id` has outlived the parameters' lifetime at `time`.
    private func hasExpired(_ id: Int, at time: SimTime) -> Bool {
        guard let lifetime = parameters.lifetime else { return false }
        return created[id] + lifetime < time
    }

    /// Pending transactions that outlived their lifetime by `time` leave the pool (in creation
    /// order, so each is looked at once).
    private mutating func expire(before time: SimTime) {
        guard parameters.lifetime != nil else { return }
        while expiryCursor < created.count && hasExpired(expiryCursor, at: time) {
            if includedIn[expiryCursor] == -1 {
                includedIn[expiryCursor] = -2
                pending -= 1
            }
            expiryCursor += 1
        }
    }

    /// Moves the pool's view from `tip` to `target` at `time`: the transactions of blocks left
    /// behind are pending again (unless they outlived their lifetime), those of blocks on the new
    /// branch are included.
    private mutating func follow(_ target: BlockID, in tree: BlockTree, at time: SimTime) {
        guard target != tip else { return }
        var old = tip, new = target
        var added: [BlockID] = []
        while old != new {
            if tree.height[Int(old)] >= tree.height[Int(new)] {
                for id in transactions(of: old) {
                    version[Int(id)] += 1
                    if hasExpired(Int(id), at: time) {
                        includedIn[Int(id)] = -2
                        continue
                    }
                    includedIn[Int(id)] = -1
                    pending += 1
                    push(id)
                }
                old = tree.parent[Int(old)]
            } else {
                added.append(new)
                new = tree.parent[Int(new)]
            }
        }
        for block in added {
            for id in transactions(of: block) where includedIn[Int(id)] < 0 {
                if includedIn[Int(id)] == -1 { pending -= 1 }
                includedIn[Int(id)] = block
            }
        }
        tip = target
    }

    private func transactions(of block: BlockID) -> [Int32] {
        Int(block) < blockTransactions.count ? blockTransactions[Int(block)] : []
    }

    // MARK: - The heap

    private func outranks(_ a: (rate: Double, id: Int32, version: Int32), _ b: (rate: Double, id: Int32, version: Int32)) -> Bool {
        a.rate > b.rate || (a.rate == b.rate && a.id < b.id)
    }

    private mutating func push(_ id: Int32) {
        heap.append((fee[Int(id)] / Double(parameters.sizeBytes), id, version[Int(id)]))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard outranks(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The best pending transaction, removed from the heap; nil when none is pending.
    private mutating func popBest() -> Int32? {
        while let top = heap.first {
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                var parent = 0
                while true {
                    let left = 2 * parent + 1, right = left + 1
                    var best = parent
                    if left < heap.count && outranks(heap[left], heap[best]) { best = left }
                    if right < heap.count && outranks(heap[right], heap[best]) { best = right }
                    if best == parent { break }
                    heap.swapAt(parent, best)
                    parent = best
                }
            }
            if top.version == version[Int(top.id)] && includedIn[Int(top.id)] == -1 { return top.id }
        }
        return nil
    }
}
