import NetworkModel
import SimKernel
import XCTest

final class TopologyTests: XCTestCase {
    func testRandomGraphIsSymmetricWithoutSelfLoopsAndConnected() {
        let graph = Topology.random(nodeCount: 500, outbound: 8, using: RandomStreams(seed: 1).stream("net.topology"))
        for node in 0..<graph.nodeCount {
            let peers = graph.neighbours(of: node)
            XCTAssertGreaterThanOrEqual(peers.count, 8)
            XCTAssertFalse(peers.contains(Int32(node)))
            XCTAssertEqual(Array(peers), Array(peers).sorted())
            for peer in peers { XCTAssertTrue(graph.neighbours(of: Int(peer)).contains(Int32(node))) }
        }
        XCTAssertEqual(graph.components().count, 1)
    }

    /// One outbound link per node leaves many components; the repair joins them.
    func testDisconnectedGraphIsRepaired() {
        for seed in UInt64(0)..<20 {
            let graph = Topology.random(nodeCount: 300, outbound: 1, using: RandomStream(seed: seed))
            XCTAssertEqual(graph.components().count, 1, "seed \(seed)")
        }
        let isolated = Topology(nodeCount: 4, edges: [(0, 1), (2, 3), (1, 0)])
        XCTAssertEqual(isolated.components(), [[0, 1], [2, 3]])
        XCTAssertEqual(isolated.edgeCount, 2)
    }

    func testFullMesh() {
        let mesh = Topology.random(nodeCount: 10, outbound: 9, using: RandomStream(seed: 0))
        XCTAssertEqual(mesh.edgeCount, 45)
        XCTAssertEqual(Array(mesh.neighbours(of: 3)), [0, 1, 2, 4, 5, 6, 7, 8, 9])
    }

    /// Node placement follows the table's shares (chi-square, 5 dof, 0.1 % critical value).
    func testPlacementFollowsRegionShares() {
        let table = RegionTable.bitcoin2019
        let n = 200_000
        let regions = Network.placeNodes(n, table: table, using: RandomStreams(seed: 2).stream("net.placement"))
        var counts = [Int](repeating: 0, count: table.count)
        regions.forEach { counts[Int($0)] += 1 }
        let total = table.nodeShare.reduce(0, +)
        let chi2 = (0..<table.count).reduce(0.0) { acc, r in
            let expected = Double(n) * table.nodeShare[r] / total
            return acc + (Double(counts[r]) - expected) * (Double(counts[r]) - expected) / expected
        }
        XCTAssertLessThan(chi2, 20.52)
    }
}

final class LatencyTests: XCTestCase {
    func testConstantLatencyIsTheTableMean() {
        let model = LatencyModel(table: .bitcoin2019, distribution: .constant)
        let stream = RandomStream(seed: 0)
        XCTAssertEqual(model.draw(from: 0, to: 1, using: stream), SimDuration(milliseconds: 124))
        XCTAssertEqual(model.draw(from: 5, to: 2, using: stream), SimDuration(milliseconds: 322))
        let fixed = LatencyModel(table: .bitcoin2019, distribution: .constant, fixedMeanMs: 50)
        XCTAssertEqual(fixed.draw(from: 2, to: 3, using: stream), SimDuration(milliseconds: 50))
    }

    /// SimBlock's Pareto: minimum mean-5 ms, shape 0.2*mean; its mean a*x_m/(a-1) is near the table value.
    func testParetoLatencyMatchesItsClosedFormMean() {
        let model = LatencyModel(table: .bitcoin2019, distribution: .pareto)
        let stream = RandomStreams(seed: 4).stream("net.latency")
        let n = 100_000
        var sum = 0.0
        var minimum = Double.infinity
        for _ in 0..<n {
            let ms = model.draw(from: 0, to: 1, using: stream).seconds * 1000
            sum += ms
            minimum = min(minimum, ms)
        }
        let a = 0.2 * 124, xm = 124.0 - 5
        XCTAssertGreaterThanOrEqual(minimum, xm - 1e-6)
        XCTAssertEqual(sum / Double(n), a * xm / (a - 1), accuracy: 0.1)
    }
}

final class ReachTrackerTests: XCTestCase {
    func testThresholdsAndHistogram() {
        var reach = ReachTracker(nodeCount: 10)
        XCTAssertEqual(reach.addItem(createdAt: .zero, heldByAll: true), 0)
        XCTAssertEqual(reach.holderCount(0), 10)
        let item = reach.addItem(createdAt: SimTime(nanoseconds: 100))
        for node in 0..<10 { reach.record(item, node: node, at: SimTime(nanoseconds: 100 + UInt64(node) * 10_000_000)) }
        XCTAssertEqual(reach.reach50[item], SimDuration(milliseconds: 40))   // 5th node
        XCTAssertEqual(reach.reach90[item], SimDuration(milliseconds: 80))   // 9th node
        XCTAssertEqual(reach.reach100[item], SimDuration(milliseconds: 90))
        XCTAssertEqual(reach.delays.counts.reduce(0, +), 9, "the producer's own zero delay is not a receive delay")
        // 10 ms lies in [10^(10/10) ms, 10^(11/10) ms): bin 11 (bin 0 is below 1 ms).
        XCTAssertEqual(reach.delays.counts[11], 1)
        XCTAssertEqual(DelayHistogram.lowerEdgeS(11), 0.01, accuracy: 1e-12)
    }
}

final class DegreeTests: XCTestCase {
    /// Drawn outbound degrees follow the Bitcoin 2015 CDF: chi-square over the degrees with
    /// positive probability (degree 16 has none and must never appear), n = 100,000, 0.1 % level.
    func testDegreesFollowTheCDF() {
        let distribution = DegreeDistribution.bitcoin2015
        let stream = RandomStreams(seed: 8).stream("net.degree")
        let n = 100_000
        var counts = [Int](repeating: 0, count: distribution.cdf.count + 1)
        for _ in 0..<n { counts[distribution.draw(using: stream)] += 1 }
        XCTAssertEqual(counts[0], 0)
        var chi2 = 0.0, dof = -1
        for (i, p) in distribution.probabilities.enumerated() {
            if p == 0 { XCTAssertEqual(counts[i + 1], 0, "degree \(i + 1)"); continue }
            let expected = Double(n) * p
            chi2 += (Double(counts[i + 1]) - expected) * (Double(counts[i + 1]) - expected) / expected
            dof += 1
        }
        XCTAssertEqual(dof, 18)
        XCTAssertLessThan(chi2, 42.31, "chi-square with 18 degrees of freedom above the 0.1 % critical value")
    }

    func testInboundCapIsRespected() {
        let counts = [Int](repeating: 8, count: 400)
        let graph = Topology.random(outboundCounts: counts, inboundCap: 10, repair: false, using: RandomStream(seed: 3))
        // Degree = outbound (8) + inbound (<= 10); the repair is off, so no extra edge.
        for node in 0..<400 { XCTAssertLessThanOrEqual(graph.neighbours(of: node).count, 18) }
        let uncapped = Topology.random(outboundCounts: counts, inboundCap: nil, repair: false, using: RandomStream(seed: 3))
        XCTAssertTrue((0..<400).contains { uncapped.neighbours(of: $0).count > 18 }, "without the cap some node exceeds the bound")
    }
}
