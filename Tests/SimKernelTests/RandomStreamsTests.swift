import SimKernel
import XCTest

final class RandomStreamsTests: XCTestCase {
    func draws(_ stream: RandomStream, _ n: Int = 100) -> [Double] { (0..<n).map { _ in stream.uniform() } }

    func testSameNameSameSequenceDifferentNameDifferentSequence() {
        let streams = RandomStreams(seed: 42)
        XCTAssertEqual(draws(streams.stream("pow.mining")), draws(streams.stream("pow.mining")))
        XCTAssertNotEqual(draws(streams.stream("pow.mining")), draws(streams.stream("net.latency")))
        XCTAssertNotEqual(draws(RandomStreams(seed: 42).stream("x")), draws(RandomStreams(seed: 43).stream("x")))
    }

    /// Stream seeds come from a stable hash, not `hashValue`: they are fixed across processes
    /// and machines (a golden value).
    func testStreamSeedIsStable() {
        XCTAssertEqual(StableHash.fnv1a64("a"), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(StableHash.streamSeed(runSeed: 42, name: "pow.mining"),
                       StableHash.mix64(StableHash.mix64(42) ^ StableHash.fnv1a64("pow.mining")))
        let first = RandomStreams(seed: 7).stream("golden").uniform()
        XCTAssertEqual(first, RandomStream(seed: StableHash.streamSeed(runSeed: 7, name: "golden")).uniform())
    }

    /// Using another stream in between (a new component) does not change a stream's draws.
    func testAddingAStreamDoesNotShiftAnother() {
        let streams = RandomStreams(seed: 9)
        let alone = draws(streams.stream("a"), 50)
        let a = streams.stream("a")
        var interleaved: [Double] = []
        for i in 0..<50 {
            interleaved.append(a.uniform())
            _ = streams.stream("new.\(i)").uniform()
        }
        XCTAssertEqual(alone, interleaved)
    }

    /// Independence: the correlation of paired draws from two named streams is near zero
    /// (n = 100,000, so |r| < 0.015 is about 4.7 standard errors).
    func testNamedStreamsAreUncorrelated() {
        let streams = RandomStreams(seed: 1)
        let a = draws(streams.stream("node.1"), 100_000), b = draws(streams.stream("node.2"), 100_000)
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb) }
        XCTAssertLessThan(abs(sab / (saa * sbb).squareRoot()), 0.015)
    }

    /// Sample means within 5 standard errors of the closed-form means (n = 200,000).
    func testDistributionMeans() {
        let s = RandomStreams(seed: 3).stream("dist")
        let n = 200_000
        func mean(_ draw: () -> Double) -> Double { (0..<n).reduce(0.0) { acc, _ in acc + draw() } / Double(n) }
        func check(_ name: String, _ got: Double, _ expected: Double, _ sd: Double) {
            XCTAssertEqual(got, expected, accuracy: 5 * sd / Double(n).squareRoot(), name)
        }
        check("exponential", mean { s.exponential(mean: 600) }, 600, 600)
        check("normal", mean { s.normal(mean: 10, sd: 2) }, 10, 2)
        let mu = 0.5, sigma = 0.4
        let lnMean = exp(mu + sigma * sigma / 2)
        check("lognormal", mean { s.lognormal(mu: mu, sigma: sigma) }, lnMean, lnMean * (exp(sigma * sigma) - 1).squareRoot())
        let a = 5.0, xm = 2.0  // Pareto mean a*xm/(a-1), variance xm^2 a/((a-1)^2 (a-2))
        check("pareto", mean { s.pareto(shape: a, scale: xm) }, a * xm / (a - 1), (xm * xm * a / ((a - 1) * (a - 1) * (a - 2))).squareRoot())
        check("uniform", mean { s.uniform(2, 4) }, 3, 2 / 12.0.squareRoot())
    }

    func testWeightedChoiceFrequenciesPassChiSquare() {
        let weights = [1.0, 2, 3, 4, 0]
        let choice = WeightedChoice(weights: weights)
        let stream = RandomStreams(seed: 11).stream("choice")
        var counts = [Int](repeating: 0, count: weights.count)
        let n = 100_000
        for _ in 0..<n { counts[choice.draw(using: stream)] += 1 }
        XCTAssertEqual(counts[4], 0)
        let chi2 = (0..<4).reduce(0.0) { acc, i in
            let expected = Double(n) * weights[i] / 10
            return acc + (Double(counts[i]) - expected) * (Double(counts[i]) - expected) / expected
        }
        XCTAssertLessThan(chi2, 16.27, "chi-square with 3 degrees of freedom above the 0.1 % critical value")
    }

    func testSamplingWithoutReplacementIsDistinctAndUniform() {
        let stream = RandomStreams(seed: 12).stream("sample")
        var counts = [Int](repeating: 0, count: 20)
        for _ in 0..<20_000 {
            let chosen = stream.sample(5, from: 20)
            XCTAssertEqual(Set(chosen).count, 5)
            XCTAssertEqual(chosen, chosen.sorted())
            chosen.forEach { counts[$0] += 1 }
        }
        let expected = 20_000.0 * 5 / 20
        let chi2 = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        XCTAssertLessThan(chi2, 43.82, "chi-square with 19 degrees of freedom above the 0.1 % critical value")
        XCTAssertEqual(stream.sample(0, from: 3), [])
        var values = Array(0..<10)
        stream.shuffle(&values)
        XCTAssertEqual(values.sorted(), Array(0..<10))
    }
}
