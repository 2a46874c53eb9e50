import SimKernel

/// Every transaction of a run and the shared mempool producers fill blocks from (the highest fee
/// per byte first, the earliest among equals).
///
/// Transactions come from the workload (Poisson arrivals and a trace, drawn lazily: before a
/// block is built, every arrival up to its creation time is generated; a Poisson process is the
/// same whenever it is drawn) and from `submit` (round records, contract calls). The pool follows
/// the chain of the last block built: a block on another branch first returns the transactions
/// of the abandoned blocks to the pool and takes out those of the new branch (a reorganisation),
/// so a transaction is never in two blocks of one chain.
public struct TransactionPool {
    public let parameters: TransactionParameters
    /// Creation time of each transaction.
    public private(set) var created: [SimTime] = []
    /// Fee of each transaction (its maximum under EIP-1559).
    public private(set) var fee: [Double] = []
    /// Size of each transaction, bytes.
    public private(set) var size: [Int32] = []
    /// The node each transaction starts at.
    public private(set) var origin: [Int32] = []
    /// What each transaction does.
    public private(set) var kind: [TransactionKind] = []
    /// Gas of each transaction (0 for all but contract calls).
    public private(set) var gas: [Int32] = []
    /// The block holding each transaction on the pool's chain; -1 pending, -2 expired, -3 evicted.
    public private(set) var includedIn: [BlockID] = []
    /// The transactions of each block (index: block id; genesis and legacy blocks hold none).
    public private(set) var blockTransactions: [[Int32]] = [[]]
    /// Bytes of transactions in each block (index: block id).
    public private(set) var blockBytes: [Int32] = [0]
    /// Gas of the transactions in each block (index: block id).
    public private(set) var blockGas: [Int64] = [0]
    /// The block whose chain the pool reflects.
    public private(set) var tip: BlockID = BlockTree.genesis
    /// Pending transactions on the pool's chain, and their bytes.
    public private(set) var pending = 0
    public private(set) var pendingBytes = 0
    /// Pending transactions just after each block was built (index: block id).
    public private(set) var pendingAfter: [Int32] = [0]
    /// EIP-1559: each block's base fee per byte (index: block id; genesis: the initial one).
    /// Empty under a first-price market.
    public private(set) var baseFee: [Double] = []
    /// Transactions the mempool limit pushed out.
    public private(set) var evicted = 0
    /// When producers see transactions; nil: at once.
    public let visibility: TransactionVisibility?

    /// A block builder that has skipped this many transactions in a row because they did not fit
    /// stops looking (as Bitcoin Core's block assembler does after 1,000 failures near a full
    /// block): without a limit a full mempool of large transactions would be scanned whole for
    /// every block.
    public static let maxConsecutiveMisses = 1_000

    private var nextArrival: SimTime
    private var traceCursor = 0
    /// Transactions before this one (in creation order) have been checked for expiry.
    private var expiryCursor = 0
    private let arrivals: RandomStream
    private let draws: RandomStream
    private let origins: RandomStream
    private let nodeCount: Int
    /// The origin index of each transaction into `visibility.sources` (-1: seen everywhere at once).
    private var source: [Int16] = []
    private var best = FeeRateHeap(highestFirst: true)
    /// Kept only with a mempool limit.
    private var worst = FeeRateHeap(highestFirst: false)
    private var version: [Int32] = []
    /// The full propagation model: each gossiped transaction's delay to every node,
    /// microseconds, kept until it has reached every node; then it is visible everywhere.
    private var gossipArrivals: [Int32: [UInt32]] = [:]
    /// Gossiped transactions in id order, with when they had reached every node.
    private var gossipRelease: [(id: Int32, reachedAll: SimTime)] = []
    private var gossipReleased = 0
    /// Transactions below this id have been gossiped (the full propagation model).
    public private(set) var gossiped = 0
    /// The full propagation model with a mempool limit: each node's own mempool is what has
    /// reached it, less what it evicted. A node over its limit evicts the lowest fee per byte,
    /// and never takes back anything at or below the highest rate it evicted (a rolling
    /// minimum fee without decay). Empty otherwise: the limit acts on the shared pool.
    private var producerFloor: [Double] = []

    /// An empty pool on a network of `nodeCount` nodes. Streams: `arrivals` the inter-arrival
    /// times, `draws` the sizes and fees, `origins` the origin nodes.
    public init(parameters: TransactionParameters, nodeCount: Int, visibility: TransactionVisibility? = nil,
                arrivals: RandomStream, draws: RandomStream, origins: RandomStream) {
        self.parameters = parameters
        self.nodeCount = nodeCount
        self.visibility = visibility
        self.arrivals = arrivals
        self.draws = draws
        self.origins = origins
        self.nextArrival = parameters.ratePerSecond > 0
            ? SimTime.zero + SimDuration(seconds: arrivals.exponential(mean: 1 / parameters.ratePerSecond)) : SimTime(nanoseconds: .max)
        if case .eip1559(let initial) = parameters.market { baseFee = [initial] }
        if parameters.propagation == .full && parameters.mempoolLimitBytes != nil {
            producerFloor = [Double](repeating: -.infinity, count: nodeCount)
        }
    }

    /// Transactions created so far.
    public var count: Int { created.count }

    /// Where transaction `id` stands on the pool's chain.
    public func status(_ id: Int) -> TransactionStatus {
        switch includedIn[id] {
        case -1: return .pending
        case -2: return .expired
        case -3: return .evicted
        default: return .included
        }
    }

    /// EIP-1559's base fee per byte of a block on `parent`, for blocks of `capacityBytes`.
    public func nextBaseFee(parent: BlockID, capacityBytes: Int) -> Double {
        let target = Double(capacityBytes) / 2
        // Genesis carries no transactions: its child keeps the initial base fee.
        let used = parent == BlockTree.genesis ? target : Double(blockBytes[Int(parent)])
        return baseFee[Int(parent)] * (1 + (used - target) / target / 8)
    }

    /// Creates every workload transaction arriving at or before `time`, in time order (a trace
    /// entry before a Poisson arrival at the same instant).
    public mutating func arrive(until time: SimTime) {
        let trace = parameters.trace
        while true {
            let fromTrace = traceCursor < trace.count && trace[traceCursor].time <= nextArrival
            let at = fromTrace ? trace[traceCursor].time : nextArrival
            guard at <= time else { return }
            if fromTrace {
                let entry = trace[traceCursor]
                add(at: at, sizeBytes: entry.sizeBytes, fee: entry.fee, kind: .transfer, origin: nil)
                traceCursor += 1
            } else {
                let bytes = max(1, Int(parameters.size.draw(using: draws).rounded()))
                add(at: at, sizeBytes: bytes, fee: parameters.fee.draw(using: draws), kind: .transfer, origin: nil)
                nextArrival = nextArrival + SimDuration(seconds: arrivals.exponential(mean: 1 / parameters.ratePerSecond))
            }
        }
    }

    /// Submits a transaction at `time` (not before the last one created) from `origin`, seen by
    /// every producer at once; returns its id. `gas` counts against the block gas limit.
    public mutating func submit(at time: SimTime, sizeBytes: Int, fee: Double, kind: TransactionKind, origin: Int, gas: Int = 0) -> Int32 {
        arrive(until: time)
        precondition(created.last.map { $0 <= time } ?? true, "transactions are created in time order")
        return add(at: time, sizeBytes: sizeBytes, fee: fee, kind: kind, origin: origin, gas: gas)
    }

    @discardableResult
    private mutating func add(at time: SimTime, sizeBytes: Int, fee f: Double, kind k: TransactionKind, origin given: Int?, gas g: Int = 0) -> Int32 {
        let id = Int32(created.count)
        created.append(time)
        fee.append(f)
        size.append(Int32(clamping: sizeBytes))
        kind.append(k)
        gas.append(Int32(clamping: g))
        if let given {
            origin.append(Int32(given))
            source.append(-1)
        } else if let visibility {
            let k = origins.int(below: visibility.sources.count)
            origin.append(visibility.sources[k])
            source.append(Int16(k))
        } else {
            origin.append(Int32(origins.int(below: nodeCount)))
            source.append(-1)
        }
        includedIn.append(-1)
        version.append(0)
        makePending(id)
        return id
    }

    /// The full propagation model: transaction `id` (the next one not gossiped) reaches node n
    /// `micros[n]` microseconds after its creation (`UInt32.max`: never).
    public mutating func setGossipArrivals(_ id: Int32, micros: [UInt32]) {
        precondition(Int(id) == gossiped && micros.count == nodeCount, "transactions are gossiped in id order, to every node")
        gossiped += 1
        let slowest = micros.lazy.filter { $0 != UInt32.max }.max() ?? 0
        gossipArrivals[id] = micros
        gossipRelease.append((id, created[Int(id)] + SimDuration(nanoseconds: UInt64(slowest) * 1_000)))
    }

    /// Forgets the arrival times of transactions that have reached every node by `time` (in id
    /// order; one still spreading holds back the ones after it).
    private mutating func releaseGossip(before time: SimTime) {
        while gossipReleased < gossipRelease.count, gossipRelease[gossipReleased].reachedAll <= time {
            gossipArrivals[gossipRelease[gossipReleased].id] = nil
            gossipReleased += 1
        }
        if gossipReleased > 4_096 && gossipReleased * 2 > gossipRelease.count {
            gossipRelease.removeFirst(gossipReleased)
            gossipReleased = 0
        }
    }

    /// `producer`'s own mempool at `time` (pending, reached it, above its floor) brought within
    /// the limit by raising its floor; returns the floor.
    private mutating func evict(at producer: Int, by time: SimTime) -> Double {
        let limit = parameters.mempoolLimitBytes!
        var held: [FeeRateHeap.Entry] = []
        var bytes = 0
        for entry in best.entries where entry.rate > producerFloor[producer] && isLive(entry) && hasReached(Int(entry.id), producer, by: time) {
            held.append(entry)
            bytes += Int(size[Int(entry.id)])
        }
        guard bytes > limit else { return producerFloor[producer] }
        // Lowest fee per byte first; among equal rates the newest first (the builder takes the oldest).
        held.sort { ($0.rate, $1.id) < ($1.rate, $0.id) }
        for entry in held where bytes > limit {
            bytes -= Int(size[Int(entry.id)])
            producerFloor[producer] = max(producerFloor[producer], entry.rate)
        }
        return producerFloor[producer]
    }

    /// Whether transaction `id` has reached `producer` by `time`.
    private func hasReached(_ id: Int, _ producer: Int, by time: SimTime) -> Bool {
        if source[id] >= 0 { return created[id] + visibility!.delay(from: Int(source[id]), to: producer) <= time }
        guard let micros = gossipArrivals[Int32(id)] else { return true }
        return micros[producer] != UInt32.max && created[id] + SimDuration(nanoseconds: UInt64(micros[producer]) * 1_000) <= time
    }

    /// Fills `block`, about to be appended to `tree` on `parent` by `producer` at `time`, with
    /// the highest-paying pending transactions it has seen that fit in `capacityBytes`; returns
    /// how many and their bytes.
    public mutating func fill(_ block: BlockID, parent: BlockID, by producer: Int, at time: SimTime, in tree: BlockTree,
                              capacityBytes: Int) -> (count: Int, bytes: Int) {
        arrive(until: time)
        precondition(parameters.propagation != .full || gossiped == count, "every transaction is gossiped before a block is filled")
        releaseGossip(before: time)
        follow(parent, in: tree, at: time)
        expire(before: time)
        while blockTransactions.count <= Int(block) {
            blockTransactions.append([])
            blockBytes.append(0)
            blockGas.append(0)
            pendingAfter.append(0)
            if !baseFee.isEmpty { baseFee.append(0) }
        }
        // Under EIP-1559 a transaction needs a fee per byte of at least the block's base fee.
        var floor = -Double.infinity
        if !baseFee.isEmpty {
            baseFee[Int(block)] = nextBaseFee(parent: parent, capacityBytes: capacityBytes)
            floor = baseFee[Int(block)]
        }
        let evictedHere = producerFloor.isEmpty ? -Double.infinity : evict(at: producer, by: time)
        var room = capacityBytes, gasRoom = parameters.blockGasLimit ?? Int.max, gasUsed: Int64 = 0, misses = 0
        var chosen: [Int32] = [], skipped: [FeeRateHeap.Entry] = []
        while room > 0, misses < Self.maxConsecutiveMisses, let entry = popPending() {
            let id = Int(entry.id)
            if entry.rate < floor || entry.rate <= evictedHere {
                skipped.append(entry)   // the best left cannot pay the base fee, or was evicted here: so were the rest
                break
            }
            guard hasReached(id, producer, by: time) else {
                skipped.append(entry)   // not yet seen here
                continue
            }
            guard Int(size[id]) <= room, Int(gas[id]) <= gasRoom else {
                skipped.append(entry)
                misses += 1
                continue
            }
            misses = 0
            room -= Int(size[id])
            gasRoom -= Int(gas[id])
            gasUsed += Int64(gas[id])
            includedIn[id] = block
            chosen.append(entry.id)
        }
        for entry in skipped { best.push(entry) }
        let bytes = capacityBytes - room
        blockTransactions[Int(block)] = chosen
        blockBytes[Int(block)] = Int32(bytes)
        blockGas[Int(block)] = gasUsed
        pending -= chosen.count
        pendingBytes -= bytes
        pendingAfter[Int(block)] = Int32(clamping: pending)
        tip = block
        return (chosen.count, bytes)
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
            if includedIn[expiryCursor] == -1 { drop(expiryCursor, as: -2) }
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
                    } else {
                        includedIn[Int(id)] = -1
                        makePending(id)
                    }
                }
                old = tree.parent[Int(old)]
            } else {
                added.append(new)
                new = tree.parent[Int(new)]
            }
        }
        for block in added {
            for id in transactions(of: block) where includedIn[Int(id)] < 0 {
                if includedIn[Int(id)] == -1 {
                    pending -= 1
                    pendingBytes -= Int(size[Int(id)])
                }
                includedIn[Int(id)] = block
            }
        }
        tip = target
    }

    private func transactions(of block: BlockID) -> [Int32] {
        Int(block) < blockTransactions.count ? blockTransactions[Int(block)] : []
    }

    // MARK: - Pending transactions

    private func entry(_ id: Int32) -> FeeRateHeap.Entry {
        FeeRateHeap.Entry(rate: fee[Int(id)] / Double(size[Int(id)]), id: id, version: version[Int(id)])
    }

    private func isLive(_ entry: FeeRateHeap.Entry) -> Bool {
        entry.version == version[Int(entry.id)] && includedIn[Int(entry.id)] == -1
    }

    /// `isLive` over a snapshot of the columns it reads, for a heap of this pool to compact
    /// itself with (a method of `self` would overlap the heap's own mutation).
    private var liveness: (FeeRateHeap.Entry) -> Bool {
        let version = self.version, includedIn = self.includedIn
        return { $0.version == version[Int($0.id)] && includedIn[Int($0.id)] == -1 }
    }

    /// Counts `id` (marked pending) as pending; over the mempool limit, evicts the lowest fee per byte.
    private mutating func makePending(_ id: Int32) {
        pending += 1
        pendingBytes += Int(size[Int(id)])
        best.push(entry(id))
        guard let limit = parameters.mempoolLimitBytes, producerFloor.isEmpty else { return }
        worst.push(entry(id))
        while pendingBytes > limit, let lowest = worst.pop() {
            if isLive(lowest) { drop(Int(lowest.id), as: -3) }
        }
        if worst.entries.count > 2 * pending + 1_024 { worst.compact(liveness) }
    }

    /// Takes pending transaction `id` out of the pool: -2 expired, -3 evicted.
    private mutating func drop(_ id: Int, as mark: BlockID) {
        includedIn[id] = mark
        pending -= 1
        pendingBytes -= Int(size[id])
        if mark == -3 { evicted += 1 }
    }

    /// The best pending transaction's entry, removed from the heap; nil when none is pending.
    private mutating func popPending() -> FeeRateHeap.Entry? {
        if best.entries.count > 2 * pending + 1_024 { best.compact(liveness) }
        while let top = best.pop() {
            if isLive(top) { return top }
        }
        return nil
    }
}
