import Consensus
import Ledger
import NetworkModel
import SimKernel
import XCTest

/// Blocks filled from the mempool against the bulk-service queue: Poisson arrivals at rate
/// lambda, blocks at exponential intervals T (zero latency: no forks), b transactions per block.
/// The number waiting is geometric, P(n) = (1 - r) r^n, with r the root in (0, 1) of
/// (1/T) r^(b+1) - (lambda + 1/T) r + lambda = 0, and the mean wait is r / ((1 - r) lambda).
final class TransactionQueueTests: XCTestCase {
    static let sizeBytes = 100

    static func simulate(rate: Double, perBlock b: Int, intervalS: Double, blocks: Int, seed: UInt64, fee: ValueLaw = .constant(1)) -> NakamotoPoW {
        let network = Network(regionOfNode: [UInt8](repeating: 0, count: 4), topology: .fullMesh(nodeCount: 4),
                              latency: LatencyModel(table: .uniform(latencyMs: 0), distribution: .constant))
        let transactions = TransactionParameters(ratePerSecond: rate, sizeBytes: sizeBytes, fee: fee)
        var model = NakamotoPoW(network: network, relay: .push, hashRate: [1, 1, 1, 1],
                                pow: PoWParameters(blockInterval: SimDuration(seconds: intervalS),
                                                   blockSizeBytes: ChainState.headerBytes + b * sizeBytes, txSizeBytes: sizeBytes,
                                                   targetHeight: blocks, transactions: transactions),
                                streams: RandomStreams(seed: seed))
        var scheduler = Scheduler()
        model.start(scheduler: &scheduler)
        XCTAssertEqual(scheduler.run(&model), .queueEmpty)
        return model
    }

    /// The root r in (0, 1), by bisection (the polynomial is positive at 0 and negative just
    /// below 1 when the load is below 1).
    static func root(rate: Double, perBlock b: Int, intervalS: Double) -> Double {
        let mu = 1 / intervalS
        func f(_ r: Double) -> Double { mu * pow(r, Double(b + 1)) - (rate + mu) * r + rate }
        var low = 0.0, high = 1 - 1e-12
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if f(mid) > 0 { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    /// Loads 0.5 and 0.9, each replicate 300,000 blocks after a warm-up of 2,000 (the queue
    /// starts empty). The mean wait of the transactions created after the warm-up, pooled over
    /// the replicates, is within 3 % of the closed form: one replicate's mean scatters by about
    /// 2.5 % at load 0.9 (the queue forgets slowly), so 8 replicates make 3 % more than 3
    /// standard errors; at load 0.5, 2 replicates do. In the first replicate, the number waiting
    /// just before each block (blocks are a Poisson process, so they see the time average),
    /// thinned to every 10th block, passes a chi-square test against the geometric law at the
    /// 0.1 % level.
    func testWaitsAndQueueLengthFollowTheBulkServiceQueue() {
        let b = 10, interval = 10.0, warmUp = 2_000, blocks = 302_000
        for (load, replicates) in [(0.5, 2), (0.9, 8)] {
            let rate = load * Double(b) / interval
            let r = Self.root(rate: rate, perBlock: b, intervalS: interval)
            var waits = 0.0, included = 0
            for replicate in 0..<replicates {
                let model = Self.simulate(rate: rate, perBlock: b, intervalS: interval, blocks: blocks, seed: UInt64(100 * load) + UInt64(replicate))
                let tree = model.chain.tree
                XCTAssertEqual(tree.count - 1, blocks, "no forks")
                let pool = model.chain.transactions!
                let start = tree.created[warmUp]
                for block in (warmUp + 1)..<tree.count {
                    for tx in pool.blockTransactions[block] where pool.created[Int(tx)] > start {
                        waits += (tree.created[block] - pool.created[Int(tx)]).seconds
                        included += 1
                    }
                }
                if replicate == 0 { Self.checkQueueLengths(model, from: warmUp + 1, r: r, load: load) }
            }
            let expected = r / ((1 - r) * rate)
            XCTAssertEqual(waits / Double(included), expected, accuracy: 0.03 * expected, "load \(load), r \(r)")
        }
    }

    /// Chi-square of the number waiting before every 10th block from `first` against
    /// P(n) = (1 - r) r^n, bins 0 ... 9 and 10 or more.
    static func checkQueueLengths(_ model: NakamotoPoW, from first: Int, r: Double, load: Double) {
        let tree = model.chain.tree, pool = model.chain.transactions!
        let samples = stride(from: first, to: tree.count, by: 10).map { Int(pool.pendingAfter[$0] + tree.txCount[$0]) }
        let bins = 10
        var observed = [Double](repeating: 0, count: bins + 1)
        for n in samples { observed[min(n, bins)] += 1 }
        var chi2 = 0.0
        for n in 0...bins {
            let p = n < bins ? (1 - r) * pow(r, Double(n)) : pow(r, Double(bins))
            let e = p * Double(samples.count)
            chi2 += (observed[n] - e) * (observed[n] - e) / e
        }
        // Chi-square with 10 degrees of freedom: P(X > 29.59) = 0.001.
        XCTAssertLessThan(chi2, 29.59, "load \(load): observed \(observed)")
    }

    /// Two fee classes under a preemptive priority: blocks take every high-fee transaction before
    /// any low-fee one, so the high class alone is a bulk-service queue with its own arrival rate
    /// (the low class never delays it), and both classes together are the queue at the total
    /// rate (the order inside a block does not change how many wait). Hence
    /// W_high = r_h / ((1 - r_h) lambda_h) and, by Little's law over both classes,
    /// W_low = (lambda W - lambda_h W_high) / lambda_l. Fees uniform on [0, 2], the high class
    /// above 1 (half the arrivals), total load 0.8; 8 replicates of 300,000 blocks after a
    /// 2,000-block warm-up; each class's pooled mean wait within 3 %.
    func testTwoFeeClassesFollowThePriorityBulkQueue() {
        let b = 10, interval = 10.0, warmUp = 2_000, blocks = 302_000
        let rate = 0.8 * Double(b) / interval, high = rate / 2
        var wait = [0.0, 0.0], count = [0, 0]
        for replicate in 0..<8 {
            let model = Self.simulate(rate: rate, perBlock: b, intervalS: interval, blocks: blocks, seed: 300 + UInt64(replicate),
                                      fee: .uniform(min: 0, max: 2))
            let tree = model.chain.tree, pool = model.chain.transactions!
            let start = tree.created[warmUp]
            for block in (warmUp + 1)..<tree.count {
                for tx in pool.blockTransactions[block] where pool.created[Int(tx)] > start {
                    let isHigh = pool.fee[Int(tx)] >= 1 ? 1 : 0
                    wait[isHigh] += (tree.created[block] - pool.created[Int(tx)]).seconds
                    count[isHigh] += 1
                }
            }
            XCTAssertTrue((1..<tree.count).allSatisfy { tree.sizeBytes[$0] <= Int32(ChainState.headerBytes + b * Self.sizeBytes) })
        }
        func meanWait(_ lambda: Double) -> Double {
            let r = Self.root(rate: lambda, perBlock: b, intervalS: interval)
            return r / ((1 - r) * lambda)
        }
        let expectedHigh = meanWait(high)
        let expectedLow = (rate * meanWait(rate) - high * expectedHigh) / (rate - high)
        let observedHigh = wait[1] / Double(count[1]), observedLow = wait[0] / Double(count[0])
        print("priority: high \(observedHigh) vs \(expectedHigh); low \(observedLow) vs \(expectedLow)")
        XCTAssertEqual(observedHigh, expectedHigh, accuracy: 0.03 * expectedHigh)
        XCTAssertEqual(observedLow, expectedLow, accuracy: 0.03 * expectedLow)
    }
}
