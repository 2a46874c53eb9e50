import NetworkModel
import SimKernel
import XCTest

final class RelayDelaysTests: XCTestCase {
    /// Three nodes in regions A, B, C, all linked; A-B and B-C take 10 ms, A-C 100 ms, so the
    /// fastest way from A to C goes through B. Push: one latency per hop; inv: three latencies
    /// and two control delays per hop. Processing (a block's validation) is not charged.
    func testDelaysAlongTheFastestPath() {
        let table = RegionTable(name: "abc", regions: ["A", "B", "C"], latencyMs: [[0, 10, 100], [10, 0, 10], [100, 10, 0]],
                                nodeShare: [1, 1, 1], downloadBps: [1e9, 1e9, 1e9], uploadBps: [1e9, 1e9, 1e9])
        let topology = Topology(nodeCount: 3, edges: [(0, 1), (1, 2), (0, 2)])
        let links = LinkParameters(processing: SimDuration(milliseconds: 50), controlDelay: SimDuration(milliseconds: 1), serialization: false)
        let network = Network(regionOfNode: [0, 1, 2], topology: topology, latency: LatencyModel(table: table, distribution: .constant), links: links)
        XCTAssertEqual(network.relayDelays(from: 0, bytes: 250, relay: .push).map(\.seconds), [0, 0.010, 0.020])
        XCTAssertEqual(network.relayDelays(from: 1, bytes: 250, relay: .inv).map(\.seconds), [0.032, 0, 0.032])
    }
}
