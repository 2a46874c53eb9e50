import Consensus
import Ledger
import NetworkModel
import SimKernel
import XCTest

final class ProofOfStakeTests: XCTestCase {
    static func simulate(stake: [Double], mode: PoSMode, slotS: Double, f: Double = 0.05, height: Int, latencyMs: Double = 0,
                         seed: UInt64) -> (ProofOfStake, SimTime) {
        let nodes = stake.count
        let network = Network(regionOfNode: [UInt8](repeating: 0, count: nodes), topology: .fullMesh(nodeCount: nodes),
                              latency: LatencyModel(table: .uniform(latencyMs: latencyMs), distribution: .constant))
        var model = ProofOfStake(network: network, relay: .push, stake: stake,
                                 pos: PoSParameters(mode: mode, slot: SimDuration(seconds: slotS), activeSlotCoefficient: f,
                                                    slotsPerEpoch: 32, blockSizeBytes: 1000, txSizeBytes: 250, targetHeight: height),
                                 streams: RandomStreams(seed: seed))
        var scheduler = Scheduler()
        model.start(scheduler: &scheduler)
        _ = scheduler.run(&model)
        return (model, scheduler.now)
    }

    /// Praos: a slot is empty with probability 1 - f for any stake distribution. f = 0.05, about
    /// 30,000 slots per distribution: 4 standard errors are 0.005.
    func testEmptySlotRateIsOneMinusFForAnyStakeDistribution() {
        let equal = [Double](repeating: 1, count: 100)
        let whale = [90.0] + [Double](repeating: 10.0 / 49, count: 49)
        let stream = RandomStream(seed: 9)
        let skewed = (0..<200).map { _ in stream.exponential(mean: 1) }
        for (i, stake) in [equal, whale, skewed].enumerated() {
            let (model, end) = Self.simulate(stake: stake, mode: .praos, slotS: 1, height: 1500, seed: 300 + UInt64(i))
            let slots = Double(model.slotsObserved(at: end))
            let empty = (slots - Double(model.slotsWithLeader)) / slots
            XCTAssertEqual(empty, 0.95, accuracy: 4 * (0.95 * 0.05 / slots).squareRoot(), "distribution \(i): \(slots) slots")
            XCTAssertLessThan(end.seconds, slots + 1, "pending lottery draws after the last block do not extend the run")
        }
    }

    /// Praos: a stakeholder with relative stake a leads a slot with probability 1 - (1 - f)^a:
    /// the whale (a = 0.9) and one small holder (a = 10/49/100), within 4 binomial SE.
    func testLeaderRateFollowsStake() {
        let stake = [90.0] + [Double](repeating: 10.0 / 49, count: 49)
        let (model, end) = Self.simulate(stake: stake, mode: .praos, slotS: 1, height: 3000, seed: 41)
        let slots = Double(model.slotsObserved(at: end))
        for (node, a) in [(0, 0.9), (1, 10.0 / 49 / 100)] {
            let phi = 1 - pow(0.95, a)
            let rate = Double(model.leaderSlots[node]) / slots
            XCTAssertEqual(rate, phi, accuracy: 4 * (phi * (1 - phi) / slots).squareRoot() + 1e-12, "node \(node), a = \(a)")
        }
        // With several leaders possible per slot, slots with a leader are fewer than leaderships.
        XCTAssertLessThan(model.slotsWithLeader, model.leaderSlots.reduce(0, +))
    }

    /// Ethereum on a fast network: a proposer every slot, every epoch justified, and each block
    /// final with the close of the epoch after its checkpoint's: 768 s for checkpoint blocks,
    /// (96 - k) x 12 s for the block of slot k > 0 (a mean of 954 s per full epoch). Eight epochs:
    /// epochs 0-5 are final in full, plus epoch 6's checkpoint, so the mean is
    /// (6 x (768 + 12 x sum_{k=1..31} (96 - k)) + 768) / 193.
    func testEthereumFinalityAfterTwoEpochs() {
        let (model, end) = Self.simulate(stake: [Double](repeating: 32, count: 64), mode: .ethereum, slotS: 12, height: 32 * 8,
                                         latencyMs: 100, seed: 5)
        let summary = Dictionary(uniqueKeysWithValues: model.summary(at: end).map { ($0.key, $0.value) })
        XCTAssertEqual(summary["empty_slot_rate"], 0)
        XCTAssertEqual(model.chain.tree.count - 1, 32 * 8, "one block per slot, no forks")
        XCTAssertGreaterThanOrEqual(summary["epochs_justified"]!, 7)
        let fullEpoch = 768 + 12 * (1...31).reduce(0.0) { $0 + Double(96 - $1) }
        XCTAssertEqual(fullEpoch / 32, 954, accuracy: 1e-9)
        XCTAssertEqual(summary["blocks_finalized"], 6 * 32 + 1)
        XCTAssertEqual(summary["finality_latency_mean_s"]!, (6 * fullEpoch + 768) / 193, accuracy: 1e-6)
    }
}
