import Metrics
import Scenario
import XCTest

final class NetworkScenarioTests: XCTestCase {
    /// The full relay (inv/getdata, compact blocks, Pareto latency, bandwidth) with a short
    /// interval, so blocks race and fork: every node holds every main-chain block, and every
    /// byte sent is received.
    func testEveryNodeGetsEveryMainChainBlockAndTrafficBalances() throws {
        let setup = try RunSetup.quickstart(overrides: ["network.nodes=600", "consensus.block_interval_s=3", "stop.blocks=60", "seed=3"])
        let record = try Runner.run(setup).record
        let blocks = record.table("/chain/blocks")!, propagation = record.table("/chain/propagation")!
        guard case .uint8(let onMain) = blocks.columns.first(where: { $0.name == "on_main_chain" })!.data,
              case .int64(let reached) = propagation.columns.first(where: { $0.name == "nodes_reached" })!.data else { return XCTFail() }
        XCTAssertGreaterThan(record.summaryValue("blocks_stale")!.number!, 0, "a 3 s interval forks")
        XCTAssertEqual(reached.count, onMain.count - 1, "genesis has no propagation row")
        for (block, main) in onMain.enumerated().dropFirst() where main == 1 { XCTAssertEqual(reached[block - 1], 600, "block \(block)") }

        let traffic = record.table("/network/traffic")!
        func total(_ name: String) -> Int64 {
            guard case .int64(let v) = traffic.columns.first(where: { $0.name == name })!.data else { return -1 }
            return v.reduce(0, +)
        }
        for kind in ["inv", "getdata", "block", "compact_block", "getblocktxn", "blocktxn"] {
            XCTAssertEqual(total("\(kind)_sent_bytes"), total("\(kind)_received_bytes"), kind)
        }
        XCTAssertGreaterThan(total("compact_block_sent_bytes"), 0)
        XCTAssertGreaterThan(total("blocktxn_sent_bytes"), 0)
    }

    /// SimBlock's scenario at 600 nodes, as committed in experiments/: its propagation lands near
    /// SimBlock's own output (50 %: 860 ms, 90 %: 2003 ms, median over blocks; we allow 25 %).
    func testSimBlockScenarioIsNearSimBlock() throws {
        let path = Harness.packageRoot.appendingPathComponent("experiments/simblock-btc-2019.yaml").path
        let record = try Runner.run(RunSetup.load(path: path, overrides: ["stop.blocks=40"])).record
        XCTAssertEqual(record.summaryValue("propagation_p50_s")!.number!, 0.860, accuracy: 0.25 * 0.860)
        XCTAssertEqual(record.summaryValue("propagation_p90_s")!.number!, 2.003, accuracy: 0.25 * 2.003)
    }

    /// `output.receive_times_nodes` keeps the receive time of every block at the sampled nodes:
    /// sampling every node, each block's last receive time is its `t100_s`; a sample of 7 gives
    /// 7 distinct nodes, the same ones for the same seed.
    func testSampledReceiveTimesAgreeWithPropagation() throws {
        let all = try Runner.run(RunSetup.quickstart(overrides: ["network.nodes=60", "stop.blocks=8", "output.receive_times_nodes=60"])).record
        let samples = all.table("/chain/receive_times")!, propagation = all.table("/chain/propagation")!
        guard case .int64(let blocks) = samples.columns[0].data, case .double(let delays) = samples.columns[3].data,
              case .int64(let ids) = propagation.columns[0].data, case .double(let t100) = propagation.columns[3].data else { return XCTFail() }
        XCTAssertEqual(blocks.count, 8 * 60)
        for (block, expected) in zip(ids, t100) {
            let last = blocks.indices.filter { blocks[$0] == block }.map { delays[$0] }.max()
            XCTAssertEqual(last, expected, "block \(block)")
        }
        func sampledNodes(_ seed: Int) throws -> Set<Int64> {
            let record = try Runner.run(RunSetup.quickstart(overrides: ["network.nodes=60", "stop.blocks=3", "output.receive_times_nodes=7", "seed=\(seed)"])).record
            guard case .int64(let nodes) = record.table("/chain/receive_times")!.columns[1].data else { return [] }
            return Set(nodes)
        }
        XCTAssertEqual(try sampledNodes(1).count, 7)
        XCTAssertEqual(try sampledNodes(1), try sampledNodes(1))
        XCTAssertNil(try Runner.run(RunSetup.quickstart(overrides: ["network.nodes=60", "stop.blocks=3"])).record.table("/chain/receive_times"),
                     "nothing by default")
    }
}
