import Consensus
import Ledger
import NetworkModel
import SimKernel
import XCTest

final class HierarchicalTests: XCTestCase {
    static func simulate(nodes: Int, stake: [Double], clusters: Int, representatives: Int, period: Int, blocks: Int,
                         seed: UInt64) -> (HierarchicalConsensus, SimTime) {
        let network = Network(regionOfNode: [UInt8](repeating: 0, count: nodes), topology: .fullMesh(nodeCount: nodes),
                              latency: LatencyModel(table: .uniform(latencyMs: 50), distribution: .constant))
        let energy = EnergyParameters(efficiencyJPerTH: 20, pue: 1, baselineW: [10, 10, 10, 10, 5], networkJPerByte: 0)
        var model = HierarchicalConsensus(network: network, relay: .push, hashRate: [Double](repeating: 100, count: nodes), stake: stake,
                                          pow: PoWParameters(blockInterval: SimDuration(seconds: 6), blockSizeBytes: 1000, txSizeBytes: 250,
                                                             targetHeight: blocks),
                                          hierarchical: HierarchicalParameters(clusters: clusters, representativesPerCluster: representatives,
                                                                               electionPeriodBlocks: period, rewardSplit: (0.4, 0.5, 0.1)),
                                          energy: energy, streams: RandomStreams(seed: seed))
        var scheduler = Scheduler()
        model.start(scheduler: &scheduler)
        _ = scheduler.run(&model)
        return (model, scheduler.now)
    }

    /// Only representatives hash: a node never elected has no hashing energy, an elected one
    /// has some; at the end the current representatives are `representative`, the rest `idle`.
    func testOnlyRepresentativesSpendHashingEnergy() {
        let (model, end) = Self.simulate(nodes: 60, stake: (1...60).map(Double.init), clusters: 3, representatives: 2, period: 10,
                                         blocks: 100, seed: 1)
        let (hashing, _) = model.chain.energy.perNodeJ(at: end)
        XCTAssertEqual(model.elections, 11)
        XCTAssertTrue(model.timesElected.contains(0), "some nodes are never elected")
        for node in 0..<60 { XCTAssertEqual(hashing[node] > 0, model.timesElected[node] > 0, "node \(node)") }
        let roles = model.chain.energy.role
        for node in 0..<60 { XCTAssertEqual(roles[node] == .representative, model.pow.activeMiner[node]) }
        XCTAssertEqual(model.pow.activeMiner.filter { $0 }.count, 6)
        XCTAssertTrue(roles.allSatisfy { $0 == .representative || $0 == .idle })
        for block in 1..<model.chain.tree.count {
            XCTAssertGreaterThan(model.timesElected[Int(model.chain.tree.producer[block])], 0, "only representatives produce")
        }
    }

    /// Election frequencies follow stake: with one representative per cluster, a node's chance in
    /// an election is its stake over its cluster's; the counts over 3,000 elections agree with
    /// the summed chances (each within 4 standard deviations, chi-square over 20 nodes below the
    /// 0.1 % critical value 45.3).
    func testElectionFrequenciesFollowStake() {
        let stake = (1...20).map(Double.init)
        let (model, _) = Self.simulate(nodes: 20, stake: stake, clusters: 4, representatives: 1, period: 1, blocks: 3000, seed: 2)
        XCTAssertEqual(model.elections, 3001)
        var chi2 = 0.0
        for node in 0..<20 {
            let expected = model.electionChance.reduce(0) { $0 + $1[node] }
            let variance = model.electionChance.reduce(0) { $0 + $1[node] * (1 - $1[node]) }
            let z = (Double(model.timesElected[node]) - expected) / variance.squareRoot()
            XCTAssertLessThan(abs(z), 4, "node \(node): elected \(model.timesElected[node]), expected \(expected)")
            chi2 += z * z
        }
        XCTAssertLessThan(chi2, 45.3)
        // Only the 4 representatives mine, and the genesis difficulty is set for them: blocks come
        // every 6 s (3,000 intervals: 1.8 % standard error, 8 % tolerance).
        let tree = model.chain.tree
        let tip = tree.bestTip()
        XCTAssertEqual(tree.created[Int(tip)].seconds / Double(tree.height[Int(tip)]), 6, accuracy: 0.08 * 6)
        XCTAssertGreaterThan(model.timesElected[19], 3 * model.timesElected[3], "stake 20 is elected far more than stake 4")
    }

    /// Representatives relay among themselves: on a 60-node ring (up to 30 hops of 100 ms
    /// between two nodes) blocks reach the other representatives in one hop, so with 6 s blocks
    /// forks are rare (1 - exp(-0.1/6), about 1.7 %); plain PoW by the same 6 miners over the ring
    /// forks far more often.
    func testRepresentativesRelayAmongThemselves() {
        let nodes = 60
        let ring = Topology(nodeCount: nodes, edges: (0..<nodes).map { (Int32($0), Int32(($0 + 1) % nodes)) })
        let network = Network(regionOfNode: [UInt8](repeating: 0, count: nodes), topology: ring,
                              latency: LatencyModel(table: .uniform(latencyMs: 100), distribution: .constant))
        let pow = PoWParameters(blockInterval: SimDuration(seconds: 6), blockSizeBytes: 1000, txSizeBytes: 250, targetHeight: 1500)
        var hierarchical = HierarchicalConsensus(network: network, relay: .push, hashRate: [Double](repeating: 1, count: nodes),
                                                 stake: [Double](repeating: 1, count: nodes), pow: pow,
                                                 hierarchical: HierarchicalParameters(clusters: 3, representativesPerCluster: 2,
                                                                                      electionPeriodBlocks: 100_000, rewardSplit: (0.4, 0.5, 0.1)),
                                                 streams: RandomStreams(seed: 8))
        var scheduler = Scheduler()
        hierarchical.start(scheduler: &scheduler)
        _ = scheduler.run(&hierarchical)
        let tree = hierarchical.chain.tree
        let stale = 1 - Double(tree.height[Int(tree.bestTip())]) / Double(tree.count - 1)
        XCTAssertLessThan(stale, 0.05, "one hop between representatives")

        // The same six miners without the overlay, relaying over the ring only.
        var rates = [Double](repeating: 0, count: nodes)
        for node in hierarchical.pow.activeMiner.indices where hierarchical.pow.activeMiner[node] { rates[node] = 1 }
        var plain = NakamotoPoW(network: network, relay: .push, hashRate: rates, pow: pow, streams: RandomStreams(seed: 8))
        var second = Scheduler()
        plain.start(scheduler: &second)
        _ = second.run(&plain)
        let plainStale = 1 - Double(plain.tree.height[Int(plain.tree.bestTip())]) / Double(plain.tree.count - 1)
        XCTAssertGreaterThan(plainStale, 2 * stale + 0.02)
    }

    /// Rewards: producers get 40 % and their clusters 50 % of every main-chain block.
    func testRewardSplitAddsUp() {
        let (model, _) = Self.simulate(nodes: 30, stake: [Double](repeating: 1, count: 30), clusters: 3, representatives: 2, period: 5,
                                       blocks: 50, seed: 3)
        let tree = model.chain.tree
        let mainBlocks = tree.mainChainMask(tip: tree.bestTip()).dropFirst().filter { $0 }.count
        XCTAssertEqual(model.rewards().reduce(0, +), Double(mainBlocks) * 0.9, accuracy: 1e-9)
    }
}
