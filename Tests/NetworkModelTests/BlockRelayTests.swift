import NetworkModel
import SimKernel
import XCTest

/// Runs the relay alone: every connected block is announced, as a node does with a new tip.
struct RelayOnly: SimModel {
    var relay: BlockRelay
    mutating func handle(_ event: Event, scheduler: inout Scheduler) -> Bool {
        relay.handle(event, scheduler: &scheduler)
        announceConnected(&scheduler)
        return true
    }
    mutating func announceConnected(_ scheduler: inout Scheduler) {
        for i in 0..<relay.connectedNow.count {
            let (node, block, source) = relay.connectedNow[i]
            relay.announce(block, from: Int(node), except: Int(source), scheduler: &scheduler)
        }
        relay.clearConnected()
    }
}

final class BlockRelayTests: XCTestCase {
    static let latencyMs = 50.0, blockBytes = 535_000
    /// One region: 50 ms latency, 10 Mbit/s up and 20 Mbit/s down, so every link runs at 10 Mbit/s.
    static let table = RegionTable(name: "test", regions: ["R"], latencyMs: [[latencyMs]], nodeShare: [1],
                                   downloadBps: [20e6], uploadBps: [10e6])
    static let links = LinkParameters(processing: SimDuration(milliseconds: 2), controlDelay: SimDuration(milliseconds: 10), serialization: true)
    static let serialization = SimDuration(seconds: Double(blockBytes) * 8 / 10e6)   // 0.428 s

    func relay(edges: [(Int32, Int32)], nodes: Int, parameters: RelayParameters, links: LinkParameters = links) -> RelayOnly {
        let network = Network(regionOfNode: [UInt8](repeating: 0, count: nodes), topology: Topology(nodeCount: nodes, edges: edges),
                              latency: LatencyModel(table: Self.table, distribution: .constant), links: links)
        var relay = BlockRelay(network: network, parameters: parameters, streams: RandomStreams(seed: 1))
        relay.addBlock(parent: -1, sizeBytes: 0, createdAt: .zero)
        return RelayOnly(relay: relay)
    }

    /// Produces block 1 at node 0 at time zero and runs until every message is delivered.
    func spread(_ model: inout RelayOnly) {
        var scheduler = Scheduler()
        model.relay.addBlock(parent: 0, sizeBytes: Self.blockBytes, createdAt: .zero)
        model.relay.originate(1, at: 0, scheduler: &scheduler)
        model.announceConnected(&scheduler)
        XCTAssertEqual(scheduler.run(&model), .queueEmpty)
    }

    /// One block on one link: size x 8 / min(upload, download) + latency (+ the processing time).
    func testSerializationDelayOnOneLink() {
        var model = relay(edges: [(0, 1)], nodes: 2, parameters: .push)
        spread(&model)
        let expected = Self.serialization + SimDuration(milliseconds: Self.latencyMs) + SimDuration(milliseconds: 2)
        XCTAssertEqual(model.relay.reach.reach100[1], expected)
        XCTAssertEqual(expected.seconds, 0.480, accuracy: 1e-9)
        XCTAssertEqual(model.relay.traffic.totalSent(.block), UInt64(Self.blockBytes))
    }

    /// A node with two peers uploads one block after the other.
    func testUploadQueueSerializesTwoMessages() {
        let one = Self.serialization + SimDuration(milliseconds: Self.latencyMs + 2)
        var model = relay(edges: [(0, 1), (0, 2)], nodes: 3, parameters: .push)
        spread(&model)
        XCTAssertEqual(model.relay.reach.reach50[1], one, "the first peer: one serialization")
        XCTAssertEqual(model.relay.reach.reach100[1], one + Self.serialization, "the second waits for the first upload")

        var held = LinkParameters(processing: SimDuration(milliseconds: 2), controlDelay: SimDuration(milliseconds: 10), serialization: true)
        held.uplinkHold = .delivery
        var simblockRule = relay(edges: [(0, 1), (0, 2)], nodes: 3, parameters: .push, links: held)
        spread(&simblockRule)
        XCTAssertEqual(simblockRule.relay.reach.reach100[1], one + one, "SimBlock's rule: the uplink is busy until delivery")
    }

    /// inv -> getdata -> block: two control messages (latency + 10 ms each) and the block.
    func testInvGetdataBlockExchange() {
        let parameters = RelayParameters(relayProtocol: .inv, invBytes: 61, getdataBytes: 61, compact: .off)
        var model = relay(edges: [(0, 1)], nodes: 2, parameters: parameters)
        spread(&model)
        let control = SimDuration(milliseconds: Self.latencyMs + 10)
        XCTAssertEqual(model.relay.reach.reach100[1], control + control + Self.serialization + SimDuration(milliseconds: Self.latencyMs + 2))
        let traffic = model.relay.traffic
        XCTAssertEqual(Array(traffic.bytesSent(.inv)), [61, 0], "node 1 does not announce back to its source")
        XCTAssertEqual(Array(traffic.bytesSent(.getdata)), [0, 61])
        XCTAssertEqual(Array(traffic.bytesReceived(.block)), [0, UInt64(Self.blockBytes)])
    }

    /// Compact blocks between two users: 18 KB instead of the block; after a failed rebuild the
    /// missing part follows a getblocktxn.
    func testCompactBlocksAndFailedReconstruction() {
        func compact(failure: Double) -> RelayParameters {
            RelayParameters(relayProtocol: .inv, invBytes: 61, getdataBytes: 61,
                            compact: CompactBlockParameters(share: 1, sizeBytes: 18_000, failureRate: failure, churnShare: 0,
                                                            churnFailureRate: 0, missingFraction: 0.1))
        }
        var success = relay(edges: [(0, 1)], nodes: 2, parameters: compact(failure: 0))
        spread(&success)
        XCTAssertEqual(success.relay.traffic.totalSent(.compactBlock), 18_000)
        XCTAssertEqual(success.relay.traffic.totalSent(.block), 0)
        let control = SimDuration(milliseconds: Self.latencyMs + 10)
        let compactTime = SimDuration(seconds: 18_000 * 8 / 10e6) + SimDuration(milliseconds: Self.latencyMs + 2)
        XCTAssertEqual(success.relay.reach.reach100[1], control + control + compactTime)

        var failed = relay(edges: [(0, 1)], nodes: 2, parameters: compact(failure: 1))
        spread(&failed)
        XCTAssertEqual(failed.relay.traffic.totalSent(.getBlockTxn), 61)
        XCTAssertEqual(failed.relay.traffic.totalSent(.blockTxn), 53_500)
        let missingTime = SimDuration(seconds: 53_500 * 8 / 10e6) + SimDuration(milliseconds: Self.latencyMs + 2)
        XCTAssertEqual(failed.relay.reach.reach100[1], control + control + compactTime + control + missingTime)
    }

    /// A block whose parent a node lacks waits, the parent is fetched from the sender, and both
    /// connect parent first: no node skips a block.
    func testMissingAncestorsAreFetched() {
        let parameters = RelayParameters(relayProtocol: .inv, invBytes: 61, getdataBytes: 61, compact: .off)
        var model = relay(edges: [(0, 1)], nodes: 2, parameters: parameters)
        var lost = Scheduler()   // node 0's inv for block 1 never reaches node 1
        model.relay.addBlock(parent: 0, sizeBytes: 1000, createdAt: .zero)
        model.relay.originate(1, at: 0, scheduler: &lost)
        model.announceConnected(&lost)
        var scheduler = Scheduler()
        model.relay.addBlock(parent: 1, sizeBytes: 1000, createdAt: .zero)
        model.relay.originate(2, at: 0, scheduler: &scheduler)
        model.announceConnected(&scheduler)
        var order: [Int32] = []
        while scheduler.pendingEvents > 0 {
            _ = scheduler.run(&model, until: StopCondition(maxEvents: scheduler.eventsProcessed + 1))
            for b in 1...2 where model.relay.isConnected(Int32(b), at: 1) && !order.contains(Int32(b)) { order.append(Int32(b)) }
        }
        XCTAssertEqual(model.relay.ancestorFetches, 1)
        XCTAssertTrue(model.relay.isConnected(1, at: 1) && model.relay.isConnected(2, at: 1))
        XCTAssertEqual(order, [1, 2])
        XCTAssertEqual(model.relay.reach.reach100[1], model.relay.reach.reach100[2], "the child connects when its parent does")
    }
}
