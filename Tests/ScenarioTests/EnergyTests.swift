import Consensus
import Scenario
import XCTest

final class EnergyTests: XCTestCase {
    func run(_ overrides: [String]) throws -> [String: Double] {
        let base = ["network.nodes=100", "consensus.pow.hash_rate_th_s={distribution: constant, mean: 50}", "energy.efficiency_j_per_th=20",
                    "energy.pue=1.1", "energy.baseline_w={full_node: 3, miner: 7}"]
        let record = try Runner.run(RunSetup.quickstart(overrides: base + overrides)).record
        return Dictionary(uniqueKeysWithValues: record.summary.compactMap { key, value in value.number.map { (key, $0) } })
    }

    /// Constant hash rate H, efficiency e, PUE p over time t: hashing energy is exactly H e p t,
    /// baseline is nodes x W x t, and the total adds the network's bytes.
    func testHashingEnergyIsRateTimesEfficiencyTimesTime() throws {
        let s = try run(["stop={time_s: 36000}"])
        XCTAssertEqual(s["sim_time_s"], 36000)
        let hashing: Double = 100 * 50 * 20 * 1.1 * 36000
        XCTAssertEqual(s["energy_hashing_j"]!, hashing, accuracy: 1e-9 * hashing)
        XCTAssertEqual(s["energy_baseline_j"]!, 100 * 7 * 36000, accuracy: 1e-6)
        XCTAssertGreaterThan(s["energy_network_j"]!, 0)
        XCTAssertEqual(s["energy_total_j"]!, s["energy_hashing_j"]! + s["energy_baseline_j"]! + s["energy_network_j"]!, accuracy: 1e-3)
        XCTAssertEqual(s["power_mean_w"]!, s["energy_total_j"]! / 36000, accuracy: 1e-6)
    }

    /// When every hash rate doubles at t1, hashing energy is H e p (t1 + 2 (t - t1)).
    func testHashRateChangeIsIntegrated() throws {
        let s = try run(["stop={time_s: 36000}", "consensus.pow.hash_rate_changes=[{at_s: 10000, factor: 2}]"])
        let watts: Double = 100 * 50 * 20 * 1.1
        let expected: Double = watts * (10000 + 2 * 26000)
        XCTAssertEqual(s["energy_hashing_j"]!, expected, accuracy: 1e-9 * expected)
    }

    /// CBECI's method: 700 EH/s at 18 J/TH is 12.6 GW, about 110 TWh per year, out of the same
    /// formula, both directly and through a simulated run (100 nodes of 7 EH/s, PUE 1, nothing else).
    func testAnnualisedFigureMatchesCBECI() throws {
        let parameters = EnergyParameters(efficiencyJPerTH: 18, pue: 1, baselineW: [0, 0, 0, 0, 0], networkJPerByte: 0)
        let watts = parameters.hashingPowerW(hashRateTHs: 700e6)
        XCTAssertEqual(watts, 12.6e9, accuracy: 1)
        XCTAssertEqual(EnergyParameters.terawattHoursPerYear(meanPowerW: watts), 110.4, accuracy: 0.1)
        let s = try run(["consensus.pow.hash_rate_th_s={distribution: constant, mean: 7.0e6}", "energy.efficiency_j_per_th=18",
                         "energy.pue=1", "energy.baseline_w={full_node: 0, miner: 0}", "energy.network_j_per_byte=0", "stop={time_s: 86400}"])
        XCTAssertEqual(s["energy_twh_per_year"]!, 12.6e9 * 365.25 * 86400 / 3.6e15, accuracy: 1e-9)
    }

    /// At fixed difficulty D = H T, a stale block's work is H T e p joules.
    func testStaleEnergyIsTheWorkOfStaleBlocks() throws {
        let s = try run(["consensus.block_interval_s=5", "consensus.pow.retarget_blocks=0", "stop.blocks=150"])
        XCTAssertGreaterThan(s["blocks_stale"]!, 0, "a 5 s interval forks")
        let perBlock: Double = 100 * 50 * 5 * 20 * 1.1   // D = H T, times e p
        XCTAssertEqual(s["energy_stale_j"]!, s["blocks_stale"]! * perBlock, accuracy: 1e-6 * s["energy_stale_j"]!)
    }

    /// Pools: the first nodes get the listed hash rates, and their block shares follow them.
    func testPoolsSetTheFirstNodesHashRates() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: [
            "network.nodes=50", "consensus.pow.pools_th_s=[4000, 1000]", "consensus.pow.hash_rate_th_s={distribution: constant, mean: 0}",
            "stop.blocks=400", "consensus.block_interval_s=60"])).record
        let nodes = record.table("/nodes")!
        guard case .double(let rates) = nodes.columns.first(where: { $0.name == "hash_rate_th_s" })!.data,
              case .int64(let mined) = nodes.columns.first(where: { $0.name == "blocks_mined" })!.data,
              case .string(let roles) = nodes.columns.first(where: { $0.name == "role" })!.data else { return XCTFail() }
        XCTAssertEqual(Array(rates.prefix(3)), [4000, 1000, 0])
        XCTAssertEqual(roles[2], "full_node", "a node without hash rate is a full node")
        XCTAssertEqual(mined.dropFirst(2).reduce(0, +), 0)
        // Node 0 has 80 % of the hash rate: of ~400 blocks it finds 320 +- 8 (4 SD: +- 32).
        XCTAssertEqual(Double(mined[0]) / Double(mined[0] + mined[1]), 0.8, accuracy: 0.08)
    }

    func testNoMinerIsAClearError() throws {
        XCTAssertThrowsError(try Runner.run(RunSetup.quickstart(overrides: ["consensus.pow.hash_rate_th_s={distribution: constant, mean: 0}"]))) {
            XCTAssertTrue("\($0)".contains("hash_rate_th_s.mean: expected a number > 0"), "validate refuses it: \($0)")
        }
        // A pools table whose every rate is 0 is refused too.
        XCTAssertThrowsError(try RunSetup.quickstart(overrides: ["consensus.pow.pools_th_s=[0, 0]"])) {
            XCTAssertTrue("\($0)".contains("at least one pool with hash rate > 0"), "\($0)")
        }
    }

    func testPerNodeEnergyAddsUpAndRolesAreWritten() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: ["network.nodes=50", "stop.blocks=5"])).record
        let nodes = record.table("/nodes")!
        guard case .double(let perNode) = nodes.columns.first(where: { $0.name == "energy_j" })!.data,
              case .string(let roles) = nodes.columns.first(where: { $0.name == "role" })!.data else { return XCTFail() }
        XCTAssertEqual(perNode.reduce(0, +), record.summaryValue("energy_total_j")!.number!, accuracy: 1e-6 * perNode.reduce(0, +))
        XCTAssertEqual(Set(roles), ["miner"])
        XCTAssertEqual(record.table("/metrics/energy")?.rowCount, 5)
    }
}
