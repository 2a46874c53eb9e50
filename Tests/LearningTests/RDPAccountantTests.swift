import XCTest
import Learning
import SimKernel

/// The sampled-Gaussian RDP accountant against published figures and closed forms. The
/// side-by-side comparison with Google's `dp-accounting` is python/tests/test_privacy.py.
final class RDPAccountantTests: XCTestCase {
    /// TensorFlow Privacy's DP-SGD tutorial on MNIST: q = 256/60000, delta = 1e-5, 234 steps an
    /// epoch. With the classic conversion it reports epsilon 2.92 for z = 1.12 over 60 epochs and
    /// 1.20 for z = 1.2 over 10 epochs; `dp-accounting` 0.6 (improved conversion) gives 2.5165 and 0.9312.
    func testTensorFlowPrivacyTutorialFigures() {
        let q = 256.0 / 60000
        for (z, epochs, classic, improved) in [(1.12, 60, 2.92, 2.5165), (1.2, 10, 1.20, 0.9312)] {
            var accountant = RDPAccountant()
            accountant.compose(samplingRate: q, noiseMultiplier: z, steps: 234 * epochs)
            XCTAssertEqual(accountant.epsilon(delta: 1e-5, conversion: .classic).epsilon, classic, accuracy: 0.005, "z \(z)")
            XCTAssertEqual(accountant.epsilon(delta: 1e-5).epsilon, improved, accuracy: 0.0005 * improved, "z \(z)")
        }
    }

    /// Without sampling the mechanism is the Gaussian one: RDP alpha / (2 z^2) (Mironov 2017).
    /// With q = 0 nothing is released.
    func testUnsampledAndEmptyMechanisms() {
        for alpha in [1.5, 2, 7.3, 32] {
            XCTAssertEqual(RDPAccountant.rdp(samplingRate: 1, noiseMultiplier: 0.8, order: alpha), alpha / (2 * 0.64), accuracy: 1e-12)
            XCTAssertEqual(RDPAccountant.rdp(samplingRate: 0, noiseMultiplier: 0.8, order: alpha), 0)
        }
    }

    /// The fractional-order series and the integer-order binomial sum are two formulas for one
    /// function: just off an integer order they agree, and RDP grows with the order.
    func testFractionalSeriesMeetsIntegerSum() {
        for (q, z) in [(0.01, 1.1), (0.1, 0.7), (0.004, 4.0), (0.5, 2.0)] {
            for alpha in [2.0, 3, 8, 40] {
                let exact = RDPAccountant.rdp(samplingRate: q, noiseMultiplier: z, order: alpha)
                let near = RDPAccountant.rdp(samplingRate: q, noiseMultiplier: z, order: alpha + 1e-7)
                XCTAssertEqual(near, exact, accuracy: 1e-5 * max(exact, 1e-12), "q \(q) z \(z) alpha \(alpha)")
                XCTAssertLessThan(exact, RDPAccountant.rdp(samplingRate: q, noiseMultiplier: z, order: alpha + 0.5))
            }
        }
        // Small q, moderate alpha: A_alpha ~ 1 + C(alpha, 2) q^2 (e^(1/z^2) - 1), so
        // RDP ~ alpha q^2 (e^(1/z^2) - 1) / 2 (Mironov, Talwar and Zhang 2019, Section 3.3).
        let q = 1e-3, z = 2.0, alpha = 2.5
        XCTAssertEqual(RDPAccountant.rdp(samplingRate: q, noiseMultiplier: z, order: alpha),
                       alpha * q * q * (exp(1 / (z * z)) - 1) / 2, accuracy: 0.01 * alpha * q * q * (exp(1 / (z * z)) - 1) / 2)
    }

    /// Every order against the defining integral, E_{x ~ N(0, z^2)}[((1 - q) + q e^((2x - 1) / (2 z^2)))^alpha],
    /// by the trapezoid rule in log space (exact to rounding for this smooth, fast-decaying
    /// integrand). Low fractional orders at large q are where an alternating series loses
    /// digits: `dp-accounting` 0.6 returns 0.0233 at q 0.3, z 5, alpha 1.1, where the integral gives 0.0020.
    func testSeriesAgainstTheIntegral() {
        for (q, z) in [(0.3, 5.0), (0.1, 0.8), (0.01, 1.1), (0.5, 1.5)] {
            for alpha in [1.1, 1.5, 2.5, 3, 3.7, 6.3, 10.5, 24] {
                let h = z / 400, lower = -40 * z, count = Int((80 * z + alpha) / h)
                var logTerms = [Double]()
                for k in 0...count {
                    let x = lower + Double(k) * h, t = (2 * x - 1) / (2 * z * z)
                    let logMix = t > 30 ? log(q) + t + log1p((1 - q) / q * exp(-t)) : log((1 - q) + q * exp(t))
                    logTerms.append(-x * x / (2 * z * z) + alpha * logMix + log(h) - log(z * (2 * Double.pi).squareRoot()))
                }
                let top = logTerms.max()!
                let integral = (top + log(logTerms.reduce(0) { $0 + exp($1 - top) })) / (alpha - 1)
                let series = RDPAccountant.rdp(samplingRate: q, noiseMultiplier: z, order: alpha)
                XCTAssertEqual(series, integral, accuracy: 1e-7 * integral, "q \(q) z \(z) alpha \(alpha)")
            }
        }
    }

    /// Composition adds RDP, so epsilon grows with the steps; more noise or less sampling costs less.
    func testEpsilonMonotone() {
        func epsilon(q: Double, z: Double, steps: Int) -> Double {
            var accountant = RDPAccountant()
            accountant.compose(samplingRate: q, noiseMultiplier: z, steps: steps)
            return accountant.epsilon(delta: 1e-5).epsilon
        }
        XCTAssertLessThan(epsilon(q: 0.01, z: 1, steps: 100), epsilon(q: 0.01, z: 1, steps: 1000))
        XCTAssertLessThan(epsilon(q: 0.01, z: 2, steps: 1000), epsilon(q: 0.01, z: 1, steps: 1000))
        XCTAssertLessThan(epsilon(q: 0.001, z: 1, steps: 1000), epsilon(q: 0.01, z: 1, steps: 1000))
        var twice = RDPAccountant()
        twice.compose(samplingRate: 0.02, noiseMultiplier: 1.3, steps: 50)
        twice.compose(samplingRate: 0.02, noiseMultiplier: 1.3, steps: 50)
        var once = RDPAccountant()
        once.compose(samplingRate: 0.02, noiseMultiplier: 1.3, steps: 100)
        for (a, b) in zip(twice.rdp, once.rdp) { XCTAssertEqual(a, b, accuracy: 1e-12 * max(1, b)) }
        XCTAssertEqual(RDPAccountant().epsilon(delta: 1e-5).epsilon, 0)
    }
}

/// DP-FedAvg's server step: clipped updates summed over the fixed denominator q N, plus noise.
final class CentralDPTests: XCTestCase {
    func testClippedSumOverExpectedClientsPlusNoise() {
        let current: [Double] = [1, 1]
        // Deltas (3, 4) (norm 5, clipped to (0.6, 0.8)) and (0.3, 0) (inside).
        let models: [[Double]] = [[4, 5], [1.3, 1]]
        let exact = CentralDP(clip: 1, noiseMultiplier: 0, samplingRate: 0.2, clients: 10)
            .aggregate(UpdateMatrix(deltasOf: models, from: current), current: current, random: RandomStreams(seed: 1).stream("fl.privacy"))
        XCTAssertEqual(exact[0], 1 + 0.9 / 2, accuracy: 1e-12)
        XCTAssertEqual(exact[1], 1 + 0.8 / 2, accuracy: 1e-12)
        // With noise: sd z S / (q N) per coordinate around that.
        let wide = [Double](repeating: 0, count: 20_000)
        let noisy = CentralDP(clip: 2, noiseMultiplier: 1.5, samplingRate: 0.5, clients: 4)
            .aggregate(UpdateMatrix(rows: 0, columns: wide.count), current: wide, random: RandomStreams(seed: 2).stream("fl.privacy"))
        let sd = (noisy.reduce(0) { $0 + $1 * $1 } / 20_000).squareRoot()
        XCTAssertEqual(sd, 1.5 * 2 / 2, accuracy: 0.03)
    }
}
