import Consensus
import Ledger
import NetworkModel
import SimKernel
import XCTest

/// Slashed stake changes who leads, from the next epoch (PoS) or election (hierarchical), by
/// exactly the new stake shares.
final class SlashingTests: XCTestCase {
    private static func network(_ nodes: Int) -> Network {
        Network(regionOfNode: [UInt8](repeating: 0, count: nodes), topology: .fullMesh(nodeCount: nodes),
                latency: LatencyModel(table: .uniform(latencyMs: 10), distribution: .constant))
    }

    /// Runs `model` to `slashAt`, burns 3/4 of node 0's stake, and runs on to `end`; returns each
    /// node's leader slots after the first epoch boundary past the slash.
    private static func slashMidRun(_ model: inout ProofOfStake, slashAt: SimTime, end: SimTime, epochStart: SimTime) -> [Int] {
        var scheduler = Scheduler()
        model.start(scheduler: &scheduler)
        _ = scheduler.run(&model, until: StopCondition(maxTime: slashAt))
        XCTAssertEqual(model.slash(0, fraction: 0.75, scheduler: &scheduler), 0.75, accuracy: 1e-12)
        XCTAssertEqual(model.currentStake(0), 0.25, accuracy: 1e-12)
        _ = scheduler.run(&model, until: StopCondition(maxTime: epochStart))
        let before = model.leaderSlots
        _ = scheduler.run(&model, until: StopCondition(maxTime: end))
        return zip(model.leaderSlots, before).map { $0 - $1 }
    }

    /// Ethereum: one proposer per slot, drawn by stake. After node 0 keeps a quarter of its stake,
    /// it proposes 0.25 / 3.25 of the slots of the following epochs (4 binomial SE), and the
    /// others 1 / 3.25 each.
    func testEthereumProposerFrequencyFollowsSlashedStake() {
        var model = ProofOfStake(network: Self.network(4), relay: .push, stake: [1, 1, 1, 1],
                                 pos: PoSParameters(mode: .ethereum, slot: SimDuration(seconds: 1), activeSlotCoefficient: 1,
                                                    slotsPerEpoch: 32, blockSizeBytes: 100, txSizeBytes: 100, targetHeight: nil),
                                 streams: RandomStreams(seed: 3))
        // Slashed in slot 1000 (epoch 31): the weights change at slot 1024.
        let slots = Self.slashMidRun(&model, slashAt: SimTime.zero + SimDuration(seconds: 1000.5),
                                     end: SimTime.zero + SimDuration(seconds: 41_023.5), epochStart: SimTime.zero + SimDuration(seconds: 1023.9))
        let total = Double(slots.reduce(0, +))
        XCTAssertEqual(total, 40_000)
        for (node, p) in [(0, 0.25 / 3.25), (1, 1 / 3.25), (2, 1 / 3.25)] {
            XCTAssertEqual(Double(slots[node]) / total, p, accuracy: 4 * (p * (1 - p) / total).squareRoot(), "node \(node)")
        }
    }

    /// Praos: each stakeholder leads a slot with probability 1 - (1 - f)^a for its relative
    /// stake a; after the slash, a = 0.25 / 3.25 for node 0 and 1 / 3.25 for the others.
    func testPraosLeaderRateFollowsSlashedStake() {
        var model = ProofOfStake(network: Self.network(4), relay: .push, stake: [1, 1, 1, 1],
                                 pos: PoSParameters(mode: .praos, slot: SimDuration(seconds: 1), activeSlotCoefficient: 0.5,
                                                    slotsPerEpoch: 32, blockSizeBytes: 100, txSizeBytes: 100, targetHeight: nil),
                                 streams: RandomStreams(seed: 4))
        let slotsObserved = 40_000.0
        let leads = Self.slashMidRun(&model, slashAt: SimTime.zero + SimDuration(seconds: 1000.5),
                                     end: SimTime.zero + SimDuration(seconds: 1024 + slotsObserved - 0.5),
                                     epochStart: SimTime.zero + SimDuration(seconds: 1023.9))
        for (node, a) in [(0, 0.25 / 3.25), (1, 1 / 3.25), (3, 1 / 3.25)] {
            let phi = 1 - pow(0.5, a)
            XCTAssertEqual(Double(leads[node]) / slotsObserved, phi, accuracy: 4 * (phi * (1 - phi) / slotsObserved).squareRoot(), "node \(node)")
        }
    }

    /// Until the epoch ends, the old stakes still elect: a slash in slot 1000 leaves the
    /// proposers of slots 1001 ... 1023 exactly as without it.
    func testSlashWaitsForTheNextEpoch() {
        func proposers(slashing: Bool) -> [Int32] {
            var model = ProofOfStake(network: Self.network(4), relay: .push, stake: [1, 1, 1, 1],
                                     pos: PoSParameters(mode: .ethereum, slot: SimDuration(seconds: 1), activeSlotCoefficient: 1,
                                                        slotsPerEpoch: 32, blockSizeBytes: 100, txSizeBytes: 100, targetHeight: nil),
                                     streams: RandomStreams(seed: 8))
            var scheduler = Scheduler()
            model.start(scheduler: &scheduler)
            _ = scheduler.run(&model, until: StopCondition(maxTime: SimTime.zero + SimDuration(seconds: 1000.5)))
            if slashing { _ = model.slash(0, fraction: 1, scheduler: &scheduler) }
            _ = scheduler.run(&model, until: StopCondition(maxTime: SimTime.zero + SimDuration(seconds: 1100.5)))
            return Array(model.chain.tree.producer[1...])
        }
        let plain = proposers(slashing: false), slashed = proposers(slashing: true)
        XCTAssertEqual(Array(plain[..<1024]), Array(slashed[..<1024]))
        XCTAssertFalse(slashed[1024...].contains(0), "a node without stake proposes nothing from the next epoch")
        XCTAssertTrue(plain[1024...].contains(0))
    }

    /// Hierarchical: the next election's chance of each node is its stake after the slash over
    /// its cluster's; a fully slashed node is never elected again.
    func testHierarchicalElectionsUseSlashedStake() {
        let nodes = 12
        var model = HierarchicalConsensus(network: Self.network(nodes), relay: .push, hashRate: [Double](repeating: 100, count: nodes),
                                          stake: [Double](repeating: 1, count: nodes),
                                          pow: PoWParameters(blockInterval: SimDuration(seconds: 6), blockSizeBytes: 100, txSizeBytes: 100,
                                                             targetHeight: 400),
                                          hierarchical: HierarchicalParameters(clusters: 1, representativesPerCluster: 3,
                                                                               electionPeriodBlocks: 2, rewardSplit: (1, 0, 0)),
                                          streams: RandomStreams(seed: 6))
        var scheduler = Scheduler()
        model.start(scheduler: &scheduler)
        XCTAssertEqual(model.slash(5, fraction: 1, scheduler: &scheduler), 1)
        XCTAssertEqual(model.slash(7, fraction: 0.5, scheduler: &scheduler), 0.5)
        let electedAtGenesis = model.timesElected[5]
        _ = scheduler.run(&model)
        XCTAssertEqual(model.timesElected[5], electedAtGenesis, "no election after the slash picks a node without stake")
        let last = model.electionChance.last!
        XCTAssertEqual(last[7], 0.5 / 10.5, accuracy: 1e-12)
        XCTAssertEqual(last[0], 1 / 10.5, accuracy: 1e-12)
        XCTAssertEqual(last[5], 0)
        XCTAssertEqual(model.electionChance[0][5], 1 / 12.0, accuracy: 1e-12, "genesis elected with the stakes before the slash")
    }

    /// Proof of work has no stake: a slash burns nothing.
    func testProofOfWorkHasNothingToSlash() {
        var model = NakamotoPoW(network: Self.network(3), relay: .push, hashRate: [1, 1, 1],
                                pow: PoWParameters(blockInterval: SimDuration(seconds: 6), blockSizeBytes: 100, txSizeBytes: 100, targetHeight: 5),
                                streams: RandomStreams(seed: 1))
        var scheduler = Scheduler()
        XCTAssertEqual(model.slash(0, fraction: 0.5, scheduler: &scheduler), 0)
    }
}
