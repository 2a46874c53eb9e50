import Consensus
import Ledger
import NetworkModel
import SimKernel
import XCTest

/// EIP-1559 against its equilibrium: with demand D transactions per block far above the target
/// t and maximum fees per byte uniform on [0, F], the base fee settles where the transactions
/// that can pay it fill the target, D (1 - p / F) = t, so p* = F (1 - t / D). Blocks come every
/// slot (Ethereum-style proof of stake), so D is the arrivals per slot; a transaction lives one
/// slot, as the closed form assumes (demand is fresh each block). Without expiry, bids below
/// the base fee pile up and enter whenever it dips, which holds the base fee above p*: the second
/// run shows it.
final class FeeMarketTests: XCTestCase {
    func testBaseFeeSettlesWhereDemandFillsTheTarget() {
        let expected = Self.maxFeePerByte * (1 - Double(Self.perBlock / 2) / Self.demand)   // 0.75
        XCTAssertEqual(Self.meanBaseFee(lifetime: SimDuration(seconds: Self.interval)), expected, accuracy: 0.03 * expected)
        XCTAssertGreaterThan(Self.meanBaseFee(lifetime: nil), 1.03 * expected, "a backlog of low bids raises the base fee")
    }

    /// The mean base fee over blocks 2,000 to 20,000 (and the per-block checks).
    static let size = 100, perBlock = 20, interval = 10.0, demand = 40.0, maxFeePerByte = 1.0

    static func meanBaseFee(lifetime: SimDuration?) -> Double {
        let network = Network(regionOfNode: [UInt8](repeating: 0, count: 4), topology: .fullMesh(nodeCount: 4),
                              latency: LatencyModel(table: .uniform(latencyMs: 0), distribution: .constant))
        let transactions = TransactionParameters(ratePerSecond: demand / interval, sizeBytes: size,
                                                 fee: .uniform(min: 0, max: maxFeePerByte * Double(size)), market: .eip1559(initialBaseFee: 0.01),
                                                 lifetime: lifetime)
        var pos = PoSParameters(mode: .ethereum, slot: SimDuration(seconds: interval), activeSlotCoefficient: 1, slotsPerEpoch: 32,
                                blockSizeBytes: ChainState.headerBytes + perBlock * size, txSizeBytes: size, targetHeight: 20_000)
        pos.transactions = transactions
        var model = ProofOfStake(network: network, relay: .push, stake: [1, 1, 1, 1], pos: pos, streams: RandomStreams(seed: 77))
        var scheduler = Scheduler()
        model.start(scheduler: &scheduler)
        XCTAssertEqual(scheduler.run(&model), .queueEmpty)
        let tree = model.chain.tree, pool = model.chain.transactions!
        XCTAssertEqual(tree.count - 1, 20_000, "no forks")
        // The protocol's step bound: at most 12.5 % per block either way.
        for block in 2..<tree.count {
            let step = pool.baseFee[block] / pool.baseFee[Int(tree.parent[block])]
            XCTAssertTrue(step >= 0.875 - 1e-12 && step <= 1.125 + 1e-12, "block \(block): \(step)")
        }
        // Every included transaction could pay its block's base fee, and lived long enough.
        for block in 1..<tree.count {
            for tx in pool.blockTransactions[block] {
                XCTAssertGreaterThanOrEqual(pool.fee[Int(tx)] / Double(size), pool.baseFee[block])
                if let lifetime { XCTAssertLessThanOrEqual(tree.created[block], pool.created[Int(tx)] + lifetime) }
            }
        }
        let settled = pool.baseFee[2_000...]
        return settled.reduce(0, +) / Double(settled.count)
    }
}
