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

final class TransactionGossipTests: XCTestCase {
    /// Message by message with constant latencies, the gossip reaches each node when the fastest
    /// path of `relayDelays` says; every node but the origin sends one getdata and receives one
    /// body, and every node announces to each peer but the one it got the transaction from.
    func testGossipFollowsTheFastestPathAndCountsEveryMessage() {
        let table = RegionTable(name: "abc", regions: ["A", "B", "C"], latencyMs: [[0, 10, 100], [10, 0, 10], [100, 10, 0]],
                                nodeShare: [1, 1, 1], downloadBps: [1e9, 1e9, 1e9], uploadBps: [1e9, 1e9, 1e9])
        let topology = Topology(nodeCount: 3, edges: [(0, 1), (1, 2), (0, 2)])
        let links = LinkParameters(processing: .zero, controlDelay: SimDuration(milliseconds: 1), serialization: false)
        let network = Network(regionOfNode: [0, 1, 2], topology: topology, latency: LatencyModel(table: table, distribution: .constant), links: links)
        let streams = RandomStreams(seed: 1)
        let parameters = RelayParameters(relayProtocol: .inv, invBytes: 61, getdataBytes: 61, compact: .off)
        var relay = BlockRelay(network: network, parameters: parameters, streams: streams)
        let arrivals = relay.gossipTransaction(from: 0, bytes: 250, using: streams.stream("gossip"))
        let expected = network.relayDelays(from: 0, bytes: 250, relay: .inv).map { UInt32($0.nanoseconds / 1_000) }
        XCTAssertEqual(arrivals, expected)
        XCTAssertEqual(arrivals, [0, 32_000, 64_000], "node 2 asks node 1, whose inv comes first")
        // invs: node 0 to both peers, nodes 1 and 2 to their other peer; 2 getdatas, 2 bodies.
        let messages: UInt64 = 4 * 61 + 2 * 61 + 2 * 250
        XCTAssertEqual(relay.traffic.totalBytes, messages)
        XCTAssertEqual(relay.traffic.bytesReceived(.tx).reduce(0, +), relay.traffic.totalBytes)
    }

    /// On a random graph of 300 nodes with one region and constant latency, every node is
    /// reached at hops x (3 latencies + 2 control delays + serialization), as `relayDelays`
    /// says; under push, at hops x (latency + serialization).
    func testGossipMatchesRelayDelaysOnARandomGraph() {
        let table = RegionTable(name: "one", regions: ["A"], latencyMs: [[20]], nodeShare: [1], downloadBps: [1e7], uploadBps: [1e7])
        let draws = RandomStreams(seed: 9).stream("edges")
        var edges: [(Int, Int)] = (1..<300).map { ($0, draws.int(below: $0)) }   // a random tree keeps it connected
        for _ in 0..<600 { edges.append((draws.int(below: 300), draws.int(below: 300))) }
        let topology = Topology(nodeCount: 300, edges: edges.filter { $0.0 != $0.1 }.map { (Int32($0.0), Int32($0.1)) })
        let links = LinkParameters(processing: .zero, controlDelay: SimDuration(milliseconds: 2), serialization: true)
        let network = Network(regionOfNode: [UInt8](repeating: 0, count: 300), topology: topology,
                              latency: LatencyModel(table: table, distribution: .constant), links: links)
        for (relayProtocol, parameters) in [(RelayProtocol.inv, RelayParameters(relayProtocol: .inv, invBytes: 61, getdataBytes: 61, compact: .off)),
                                            (.push, RelayParameters.push)] {
            let streams = RandomStreams(seed: 2)
            var relay = BlockRelay(network: network, parameters: parameters, streams: streams)
            let arrivals = relay.gossipTransaction(from: 17, bytes: 400, using: streams.stream("gossip"))
            let expected = network.relayDelays(from: 17, bytes: 400, relay: relayProtocol).map { UInt32($0.nanoseconds / 1_000) }
            XCTAssertEqual(arrivals, expected, "\(relayProtocol)")
        }
    }
}
