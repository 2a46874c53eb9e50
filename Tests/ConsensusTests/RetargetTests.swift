import Consensus
import Ledger
import NetworkModel
import SimKernel
import XCTest

/// Difficulty retargeting: zero-latency network (no forks), equal miners.
final class RetargetTests: XCTestCase {
    static func simulate(epoch: Int, blocks: Int, changes: [(at: SimTime, factor: Double)], seed: UInt64 = 4) -> NakamotoPoW {
        let nodes = 10
        let network = Network(regionOfNode: [UInt8](repeating: 0, count: nodes), topology: .fullMesh(nodeCount: nodes),
                              latency: LatencyModel(table: .uniform(latencyMs: 0), distribution: .constant))
        var model = NakamotoPoW(network: network, relay: .push, hashRate: [Double](repeating: 10, count: nodes),
                                pow: PoWParameters(blockInterval: SimDuration(seconds: 600), blockSizeBytes: 1000, txSizeBytes: 250,
                                                   targetHeight: blocks, retargetBlocks: epoch, hashRateChanges: changes),
                                streams: RandomStreams(seed: seed))
        var scheduler = Scheduler()
        model.start(scheduler: &scheduler)
        _ = scheduler.run(&model)
        return model
    }

    /// Mean interval (s) of the blocks at heights in `range`.
    static func meanInterval(_ tree: BlockTree, _ range: ClosedRange<Int>) -> Double {
        (tree.created[range.upperBound] - tree.created[range.lowerBound - 1]).seconds / Double(range.count)
    }

    /// Hash rate doubles after 2.5 epochs (K = 200). The epoch where it happens runs fast; the
    /// next retarget doubles the difficulty only in part (that epoch mixed both rates), and the
    /// one after completes it, so epochs 5 and 6 are back at the 600 s target. Tolerances: 600
    /// blocks at 600 s have a 4.1 % standard error, so 12 %; difficulty after two retargets within
    /// 10 % of double.
    func testIntervalReturnsToTargetAfterHashRateDoubles() {
        let k = 200
        let model = Self.simulate(epoch: k, blocks: 7 * k, changes: [(SimTime.zero + SimDuration(seconds: 2.5 * Double(k) * 600), 2)])
        let tree = model.tree
        XCTAssertEqual(tree.count - 1, 7 * k, "no forks without latency")
        XCTAssertEqual(Self.meanInterval(tree, 1...(2 * k)), 600, accuracy: 0.12 * 600, "before the change")
        let initial = tree.difficulty[1]
        XCTAssertEqual(tree.difficulty[k], initial, "constant within the first epoch")
        XCTAssertLessThan(Self.meanInterval(tree, (2 * k + 1)...(3 * k)), 600 * 0.9, "the change makes its epoch fast")
        XCTAssertEqual(tree.difficulty[5 * k + 1] / initial, 2, accuracy: 0.2, "two retargets later the difficulty has doubled")
        XCTAssertEqual(Self.meanInterval(tree, (4 * k + 1)...(7 * k)), 600, accuracy: 0.12 * 600, "back at the target")
        for h in stride(from: k + 1, through: 7 * k, by: k) {
            XCTAssertEqual(tree.difficulty[h - 1], tree.difficulty[h - k], "difficulty changes only at epoch starts (height \(h))")
        }
    }

    /// A tenfold jump is followed by at most a fourfold retarget (Bitcoin's clamp).
    func testRetargetIsClampedAtFour() {
        let k = 100
        let model = Self.simulate(epoch: k, blocks: 2 * k + 1, changes: [(SimTime(nanoseconds: 1), 10)])
        XCTAssertEqual(model.tree.difficulty[k + 1] / model.tree.difficulty[1], 4, accuracy: 1e-12)
    }
}
