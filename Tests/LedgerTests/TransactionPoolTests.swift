import Ledger
import SimKernel
import XCTest

/// The mempool alone: blocks built by hand on a `BlockTree`.
final class TransactionPoolTests: XCTestCase {
    static func at(_ seconds: Double) -> SimTime { .zero + SimDuration(seconds: seconds) }

    /// A pool fed only by `trace` (no Poisson arrivals).
    static func pool(trace: [(Double, Int, Double)], limit: Int? = nil, visibility: TransactionVisibility? = nil,
                     market: FeeMarket = .firstPrice, gasLimit: Int? = nil, gossip: Bool = false) -> TransactionPool {
        var parameters = TransactionParameters(ratePerSecond: 0, size: .constant(1), fee: .constant(0), market: market, mempoolLimitBytes: limit,
                                               trace: trace.map { TracedTransaction(time: at($0.0), sizeBytes: $0.1, fee: $0.2) })
        parameters.blockGasLimit = gasLimit
        if let visibility { parameters.propagation = .light(origins: visibility.sources.count) }
        if gossip { parameters.propagation = .full }
        let streams = RandomStreams(seed: 1)
        return TransactionPool(parameters: parameters, nodeCount: 4, visibility: visibility, arrivals: streams.stream("a"),
                               draws: streams.stream("d"), origins: streams.stream("o"))
    }

    /// Builds a block on `parent` at `time` by `producer`: what it took.
    static func build(_ pool: inout TransactionPool, _ tree: inout BlockTree, on parent: BlockID, by producer: Int = 0, at time: Double,
                      capacity: Int) -> [Int32] {
        let block = BlockID(tree.count)
        let filled = pool.fill(block, parent: parent, by: producer, at: at(time), in: tree, capacityBytes: capacity)
        _ = tree.append(parent: parent, producer: producer, at: at(time), sizeBytes: filled.bytes, txCount: filled.count)
        return pool.blockTransactions[Int(block)]
    }

    /// By fee per byte, skipping what does not fit: 600 B (rate 3) goes in, 500 B (rate 2) does
    /// not fit the 400 B left, 400 B (rate 1) does; the next block takes the 500 B one.
    func testFillsByFeeRateAndSkipsWhatDoesNotFit() {
        var pool = Self.pool(trace: [(1, 500, 1_000), (2, 400, 400), (3, 600, 1_800)])
        var tree = BlockTree()
        XCTAssertEqual(Self.build(&pool, &tree, on: 0, at: 10, capacity: 1_000), [2, 1])
        XCTAssertEqual(pool.blockBytes[1], 1_000)
        XCTAssertEqual(pool.pendingBytes, 500)
        XCTAssertEqual(Self.build(&pool, &tree, on: 1, at: 20, capacity: 1_000), [0])
        XCTAssertEqual((0..<3).map { pool.status($0) }, [.included, .included, .included])
    }

    /// Over the limit, the lowest fee per byte leaves, even when it has just arrived.
    func testMempoolLimitEvictsTheLowestFeeRate() {
        var pool = Self.pool(trace: [(1, 300, 5), (2, 300, 1), (3, 300, 4), (4, 300, 2), (5, 300, 3), (6, 300, 0.5)], limit: 1_000)
        pool.arrive(until: Self.at(10))
        XCTAssertEqual((0..<6).map { pool.status($0) }, [.pending, .evicted, .pending, .evicted, .pending, .evicted])
        XCTAssertEqual(pool.evicted, 3)
        XCTAssertEqual(pool.pendingBytes, 900)
        var tree = BlockTree()
        XCTAssertEqual(Self.build(&pool, &tree, on: 0, at: 10, capacity: 600), [0, 2])
    }

    /// Thousands of evictions and inclusions leave dead heap entries behind; the heaps compact
    /// themselves and the pool still takes the best fees.
    func testHeapsCompactUnderChurn() {
        let trace = (0..<5_000).map { (Double($0) * 0.01, 100, Double($0 % 97)) }
        var pool = Self.pool(trace: trace, limit: 1_000)
        var tree = BlockTree()
        var parent: BlockID = 0
        for block in 1...50 {
            let taken = Self.build(&pool, &tree, on: parent, at: Double(block), capacity: 300)
            parent = BlockID(block)
            XCTAssertEqual(taken.count, 3)
        }
        XCTAssertEqual(pool.pending, 7, "the limit holds 10 transactions of 100 bytes; the last block took 3")
        XCTAssertEqual(pool.includedIn.filter { $0 > 0 }.count, 150)
        XCTAssertGreaterThan(pool.evicted, 4_000)
    }

    /// A reorganisation returns the abandoned block's transactions; the new branch's are not
    /// included twice.
    func testReorganisationReturnsTransactions() {
        var pool = Self.pool(trace: [(1, 100, 3), (2, 100, 2), (3, 100, 1)])
        var tree = BlockTree()
        XCTAssertEqual(Self.build(&pool, &tree, on: 0, at: 5, capacity: 200), [0, 1])
        XCTAssertEqual(Self.build(&pool, &tree, on: 0, at: 6, capacity: 100), [0], "a sibling of block 1 takes the best again")
        XCTAssertEqual(pool.status(1), .pending)
        XCTAssertEqual(Self.build(&pool, &tree, on: 1, at: 7, capacity: 300), [2], "back on block 1's branch: 0 and 1 are in it")
        XCTAssertEqual(pool.pending, 0)
    }

    /// The light model: a producer takes a transaction only after its relay delay from the origin.
    func testProducersSeeTransactionsAfterTheirRelayDelay() {
        // One origin, node 0; node 1 is 2 s away, node 2 at once.
        let visibility = TransactionVisibility(sources: [0], delayMicros: [0, 2_000_000, 0, 0], nodeCount: 4)
        var pool = Self.pool(trace: [(1, 100, 5), (2, 100, 1)], visibility: visibility)
        var tree = BlockTree()
        XCTAssertEqual(Self.build(&pool, &tree, on: 0, by: 1, at: 2.5, capacity: 1_000), [], "node 1 has seen neither")
        XCTAssertEqual(Self.build(&pool, &tree, on: 1, by: 1, at: 3.5, capacity: 1_000), [0])
        XCTAssertEqual(Self.build(&pool, &tree, on: 2, by: 2, at: 3.5, capacity: 1_000), [1])
        XCTAssertEqual(pool.origin, [0, 0])
    }

    /// Submitted transactions join the workload's in time order and keep their kind and origin.
    func testSubmittedTransactionsJoinInTimeOrder() {
        var pool = Self.pool(trace: [(1, 100, 1), (3, 100, 1)])
        let id = pool.submit(at: Self.at(2), sizeBytes: 300, fee: 9, kind: .record, origin: 3)
        XCTAssertEqual(id, 1, "the trace's first transaction came first")
        pool.arrive(until: Self.at(5))
        XCTAssertEqual(pool.kind, [.transfer, .record, .transfer])
        XCTAssertEqual(pool.origin[1], 3)
        XCTAssertEqual(pool.size, [100, 300, 100])
    }

    /// Calls count against the block gas limit as well as its bytes.
    func testBlockGasLimitCapsCalls() {
        var pool = Self.pool(trace: [], gasLimit: 50_000)
        for i in 0..<3 { _ = pool.submit(at: Self.at(Double(i)), sizeBytes: 100, fee: Double(3 - i), kind: .call, origin: 0, gas: 21_000) }
        var tree = BlockTree()
        XCTAssertEqual(Self.build(&pool, &tree, on: 0, at: 5, capacity: 10_000), [0, 1])
        XCTAssertEqual(pool.blockGas[1], 42_000)
    }

    /// EIP-1559 with sizes: the base fee moves by the bytes used against half the capacity.
    func testBaseFeeFollowsBytesUsed() {
        var pool = Self.pool(trace: [(1, 1_000, 1_000), (1, 1_000, 1_000)], market: .eip1559(initialBaseFee: 0.1))
        var tree = BlockTree()
        XCTAssertEqual(Self.build(&pool, &tree, on: 0, at: 2, capacity: 2_000).count, 2)
        XCTAssertEqual(pool.nextBaseFee(parent: 1, capacityBytes: 2_000), 0.1 * 1.125, accuracy: 1e-12, "a full block: +12.5 %")
        XCTAssertEqual(Self.build(&pool, &tree, on: 1, at: 3, capacity: 2_000), [])
        XCTAssertEqual(pool.nextBaseFee(parent: 2, capacityBytes: 2_000), 0.1 * 1.125 * 0.875, accuracy: 1e-12, "an empty block: -12.5 %")
    }

    /// Full gossip with a mempool limit: each producer evicts from its own mempool. Node 0 sees
    /// four 100-byte transactions at rates 4, 3, 2, 1 over a 200-byte limit and evicts rates 2
    /// and 1 for good; node 1 has seen only those two (within its limit) and includes them,
    /// while node 0 builds an empty block with room to spare.
    func testEachProducerEvictsFromItsOwnMempool() {
        var pool = Self.pool(trace: [(1, 100, 400), (2, 100, 300), (3, 100, 200), (4, 100, 100)], limit: 200, gossip: true)
        pool.arrive(until: Self.at(5))
        let late: UInt32 = 1_000_000_000   // 1,000 s
        for id in 0..<4 { pool.setGossipArrivals(Int32(id), micros: [0, id < 2 ? late : 0, 0, 0]) }
        var tree = BlockTree()
        XCTAssertEqual(Self.build(&pool, &tree, on: 0, by: 0, at: 10, capacity: 100), [0])
        XCTAssertEqual(Self.build(&pool, &tree, on: 1, by: 1, at: 20, capacity: 100), [2], "node 1 has not seen 0 and 1")
        XCTAssertEqual(Self.build(&pool, &tree, on: 2, by: 0, at: 30, capacity: 100), [1])
        XCTAssertEqual(Self.build(&pool, &tree, on: 3, by: 0, at: 40, capacity: 100), [], "node 0 evicted rate 1")
        XCTAssertEqual(Self.build(&pool, &tree, on: 4, by: 1, at: 50, capacity: 100), [3])
        XCTAssertEqual(pool.evicted, 0, "no node-wide eviction: another node may hold it")
        XCTAssertEqual((0..<4).map { pool.status($0) }, [.included, .included, .included, .included])
    }
}
