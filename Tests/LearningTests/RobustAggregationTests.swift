import XCTest
import Learning

/// Each defence on inputs whose answer is known in closed form.
final class RobustAggregationTests: XCTestCase {
    private func aggregate(_ kind: RobustAggregation.Kind, _ rows: [[Double]], weights: [Double]? = nil, f: Int = 0, m: Int = 0,
                           beta: Double = 0.1, bound: Double = 1, iterations: Int = 3) -> RobustOutcome {
        var defence = RobustAggregation(kind: kind, f: f, m: m, beta: beta, bound: bound, iterations: iterations).makeAggregator()!
        return defence.aggregate(UpdateMatrix(rows), weights: weights ?? rows.map { _ in 1 })
    }

    /// Five honest updates near (1, 1, 1) and f = 2 identical outliers: each outlier has a zero
    /// distance to its twin but n - f - 2 = 3 neighbours, so its score includes two far honest
    /// points; Krum picks an honest update (the most central one), Multi-Krum with m = n - f keeps exactly the five.
    func testKrumPicksAnHonestUpdateDespiteIdenticalOutliers() {
        let honest: [[Double]] = [[1, 1, 1], [1.1, 0.9, 1], [0.9, 1.1, 1], [1, 1, 1.1], [1, 1, 0.9]]
        let rows = honest + [[50, -50, 50], [50, -50, 50]]
        let krum = aggregate(.krum, rows, f: 2)
        XCTAssertEqual(krum.accepted, [true, false, false, false, false, false, false])
        XCTAssertEqual(krum.delta, [1, 1, 1])
        let weights: [Double] = [1, 2, 3, 4, 5, 100, 100]
        let multi = aggregate(.multiKrum, rows, weights: weights, f: 2)
        XCTAssertEqual(multi.accepted, [true, true, true, true, true, false, false])
        for j in 0..<3 {   // FedAvg's weighting over the accepted updates
            let expected = (0..<5).reduce(0.0) { $0 + weights[$1] * honest[$1][j] } / 15
            XCTAssertEqual(multi.delta[j], expected, accuracy: 1e-12)
        }
        XCTAssertEqual(aggregate(.multiKrum, rows, f: 2, m: 2).accepted.filter { $0 }.count, 2)
    }

    /// The Gram-matrix distances equal the direct sums (checked through Krum's choice on points
    /// whose pairwise distances differ by less than the Gram form's rounding would blur).
    func testKrumOnLargeOffsetsStillSeparates() {
        let offset = 1e4
        let rows: [[Double]] = [[offset, offset], [offset + 1, offset], [offset, offset + 1], [offset + 1, offset + 1], [offset + 30, offset - 30]]
        let outcome = aggregate(.krum, rows, f: 1)
        XCTAssertFalse(outcome.accepted[4])
        XCTAssertEqual(outcome.accepted.filter { $0 }.count, 1)
    }

    func testCoordinateWiseMedianAndTrimmedMean() {
        let odd: [[Double]] = [[1, 2, 3], [4, 5, 6], [100, -100, 0]]
        XCTAssertEqual(aggregate(.median, odd).delta, [4, 2, 3])
        XCTAssertEqual(aggregate(.median, odd + [[2, 3, 4]]).delta, [3, 2.5, 3.5])
        XCTAssertEqual(aggregate(.median, odd).accepted, [true, true, true])
        let five: [[Double]] = [[1, -7], [2, 0], [3, 1], [4, 2], [1000, 3]]
        XCTAssertEqual(aggregate(.trimmedMean, five, beta: 0.2).delta, [3, 1])   // drops one value at each end
        XCTAssertEqual(aggregate(.trimmedMean, five, beta: 0.1).delta, [202, -0.2]) // floor(0.5) = 0: the plain mean
        XCTAssertEqual(aggregate(.trimmedMean, five, beta: 0.49).delta, [3, 1])  // floor(2.45) = 2: the median
    }

    func testNormClipScalesOnlyLongUpdates() {
        let outcome = aggregate(.normClip, [[3, 4], [0.3, 0.4]], weights: [1, 3], bound: 1)
        // [3, 4] (norm 5) becomes [0.6, 0.8]; [0.3, 0.4] is inside the ball.
        XCTAssertEqual(outcome.delta[0], (0.6 + 3 * 0.3) / 4, accuracy: 1e-12)
        XCTAssertEqual(outcome.delta[1], (0.8 + 3 * 0.4) / 4, accuracy: 1e-12)
    }

    /// Inside the radius centered clipping is the plain mean; one far update moves the result
    /// by at most tau / n per iteration; state carries the aggregate to the next round.
    func testCenteredClip() {
        let near: [[Double]] = [[0.1, 0], [0, 0.1], [-0.1, 0.2]]
        let inside = aggregate(.centeredClip, near, bound: 1, iterations: 1).delta
        XCTAssertEqual(inside[0], 0, accuracy: 1e-12)
        XCTAssertEqual(inside[1], 0.1, accuracy: 1e-12)
        let attacked = aggregate(.centeredClip, near + [[1000, 0]], bound: 1, iterations: 1).delta
        XCTAssertEqual(attacked[0], (0.1 + 0 - 0.1 + 1) / 4, accuracy: 1e-12)
        var defence = RobustAggregation(kind: .centeredClip, bound: 0.5, iterations: 1).makeAggregator()!
        let first = defence.aggregate(UpdateMatrix([[2, 0], [2, 0]]), weights: [1, 1]).delta
        XCTAssertEqual(first, [0.5, 0])
        let second = defence.aggregate(UpdateMatrix([[2, 0], [2, 0]]), weights: [1, 1]).delta
        XCTAssertEqual(second, [1, 0])   // from the previous aggregate, one more tau
    }

    /// n = 7, f = 1 (n = 4f + 3): Bulyan selects n - 2f = 5 updates by repeated Krum, never the
    /// outlier, then averages the 3 values closest to each coordinate's median.
    func testBulyan() {
        let rows: [[Double]] = [[0, 10], [1, 11], [2, 12], [3, 13], [4, 14], [5, 15], [1e6, -1e6]]
        let outcome = aggregate(.bulyan, rows, f: 1)
        XCTAssertFalse(outcome.accepted[6])
        XCTAssertEqual(outcome.accepted.filter { $0 }.count, 5)
        let chosen = (0..<6).filter { outcome.accepted[$0] }.map { Double($0) }
        let median = chosen[2], closest = chosen.sorted { abs($0 - median) < abs($1 - median) }.prefix(3)
        XCTAssertEqual(outcome.delta[0], closest.reduce(0, +) / 3, accuracy: 1e-9)
        XCTAssertEqual(outcome.delta[1], outcome.delta[0] + 10, accuracy: 1e-9)
    }

    func testMinimumUpdatesFollowThePapers() {
        XCTAssertEqual(RobustAggregation(kind: .krum, f: 2).minimumUpdates, 7)
        XCTAssertEqual(RobustAggregation(kind: .multiKrum, f: 3).minimumUpdates, 9)
        XCTAssertEqual(RobustAggregation(kind: .bulyan, f: 2).minimumUpdates, 11)
        XCTAssertEqual(RobustAggregation(kind: .median, f: 2).minimumUpdates, 1)
        XCTAssertNil(RobustAggregation().makeAggregator())
    }
}
