import Learning
import SimKernel
import XCTest

/// The server strategies against their papers' update rules, computed by hand on small vectors.
final class StrategyTests: XCTestCase {
    static let x = [1.0, -2.0, 0.5]
    static let updates = [ClientUpdate(client: 0, parameters: [2.0, -1.0, 0.5], examples: 30, steps: 3),
                          ClientUpdate(client: 2, parameters: [0.0, -2.5, 1.5], examples: 10, steps: 1)]
    /// Their example-weighted average: (30 u0 + 10 u1) / 40.
    static let average = [1.5, -1.375, 0.75]

    func server(_ kind: FederatedStrategy.Kind, rate: Double? = nil, local: LocalTraining = LocalTraining(epochs: 1, batchSize: 1, learningRate: 0.1))
        -> any ServerStrategy {
        FederatedStrategy(kind: kind, serverLearningRate: rate, serverMomentum: 0.9, serverBeta2: 0.99, serverTau: 1e-3)
            .makeServer(parameterCount: 3, clients: 4, local: local)
    }

    func assertClose(_ a: [Double], _ b: [Double], _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 1e-12 * max(1, abs(v)), message, file: file, line: line) }
    }

    func testFedAvgIsTheWeightedAverageAndSecureAggregationsAverageWins() {
        var fedavg = server(.fedavg)
        assertClose(fedavg.aggregate(Self.updates, current: Self.x, average: nil), Self.average)
        assertClose(fedavg.aggregate(Self.updates, current: Self.x, average: [9, 9, 9]), [9, 9, 9])
        assertClose(fedavg.aggregate([], current: Self.x, average: nil), Self.x)
    }

    /// FedAvgM (Hsu et al.): v = 0.9 v + delta; x += eta v, over two rounds.
    func testFedAvgMomentum() {
        var avgm = server(.fedavgm, rate: 0.5)
        let delta = zip(Self.average, Self.x).map { $0 - $1 }
        let first = avgm.aggregate(Self.updates, current: Self.x, average: nil)
        assertClose(first, zip(Self.x, delta).map { $0 + 0.5 * $1 })
        // Second round: the same updates relative to the new model.
        let second = avgm.aggregate(Self.updates, current: first, average: nil)
        let delta2 = zip(Self.average, first).map { $0 - $1 }
        let v2 = zip(delta, delta2).map { 0.9 * $0 + $1 }
        assertClose(second, zip(first, v2).map { $0 + 0.5 * $1 })
        // No momentum and step 1 is FedAvg.
        var plain = FederatedStrategy(kind: .fedavgm, serverLearningRate: 1, serverMomentum: 0).makeServer(parameterCount: 3, clients: 4, local: LocalTraining(epochs: 1, batchSize: 1, learningRate: 0.1))
        assertClose(plain.aggregate(Self.updates, current: Self.x, average: nil), Self.average)
    }

    /// Reddi et al. 2021, Algorithm 2: m = b1 m + (1 - b1) d; v per rule; x += eta m / (sqrt(v) + tau).
    func testAdaptiveServerOptimisers() {
        let delta = zip(Self.average, Self.x).map { $0 - $1 }
        for kind in [FederatedStrategy.Kind.fedadagrad, .fedadam, .fedyogi] {
            var opt = server(kind, rate: 0.1)
            let first = opt.aggregate(Self.updates, current: Self.x, average: nil)
            let m1 = delta.map { 0.1 * $0 }
            let v1 = delta.map { kind == .fedadagrad ? $0 * $0 : 0.01 * $0 * $0 }
            assertClose(first, (0..<3).map { Self.x[$0] + 0.1 * m1[$0] / (v1[$0].squareRoot() + 1e-3) }, "\(kind)")
            let second = opt.aggregate(Self.updates, current: first, average: nil)
            let d2 = zip(Self.average, first).map { $0 - $1 }
            let m2 = (0..<3).map { 0.9 * m1[$0] + 0.1 * d2[$0] }
            let v2 = (0..<3).map { i -> Double in
                let square = d2[i] * d2[i]
                switch kind {
                case .fedadagrad: return v1[i] + square
                case .fedadam: return 0.99 * v1[i] + 0.01 * square
                default: return v1[i] - 0.01 * square * (v1[i] - square > 0 ? 1 : (v1[i] - square < 0 ? -1 : 0))
                }
            }
            assertClose(second, (0..<3).map { first[$0] + 0.1 * m2[$0] / (v2[$0].squareRoot() + 1e-3) }, "\(kind)")
        }
        XCTAssertEqual(FederatedStrategy(kind: .fedyogi).defaultServerLearningRate, 0.01)
        XCTAssertEqual(FederatedStrategy(kind: .fedadam).defaultServerLearningRate, 0.01)
    }

    /// FedNova: d_i = (x - y_i) / a_i, x -= (sum p_i a_i) sum p_i d_i; with equal steps it is
    /// FedAvg; a_i with momentum rho follows NIID-Bench's closed form.
    func testFedNovaNormalisesBySteps() {
        var nova = server(.fednova)
        let p = [0.75, 0.25], a = [3.0, 1.0]
        let step = p[0] * a[0] + p[1] * a[1]
        let expected: [Double] = (0..<3).map { i in
            let d0 = (Self.x[i] - Self.updates[0].parameters[i]) / a[0], d1 = (Self.x[i] - Self.updates[1].parameters[i]) / a[1]
            return Self.x[i] - step * (p[0] * d0 + p[1] * d1)
        }
        assertClose(nova.aggregate(Self.updates, current: Self.x, average: nil), expected)
        var equal = Self.updates
        equal[1].steps = 3
        assertClose(nova.aggregate(equal, current: Self.x, average: nil), Self.average)
        let momentum = FedNovaServer(momentum: 0.9)
        XCTAssertEqual(momentum.effectiveSteps(1), 1, accuracy: 1e-12)
        let geometric: Double = 0.9 * (1 - pow(0.9, 10.0)) / 0.1
        XCTAssertEqual(momentum.effectiveSteps(10), (10 - geometric) / 0.1, accuracy: 1e-9)
    }

    /// SCAFFOLD: control variates start at zero; after a round c_i = (x - y_i) / (K lr) for each
    /// client that reported, c = sum c_i / N, and the next correction is c - c_i; the model moves
    /// by eta times the example-weighted mean of the changes (NIID-Bench).
    func testScaffoldControlVariates() {
        var scaffold = server(.scaffold, rate: 1, local: LocalTraining(epochs: 1, batchSize: 1, learningRate: 0.1))
        XCTAssertEqual(scaffold.correction(for: 1), [0, 0, 0])
        let next = scaffold.aggregate(Self.updates, current: Self.x, average: nil)
        let x = Self.x, y0 = Self.updates[0].parameters, y2 = Self.updates[1].parameters
        let moved: [Double] = (0..<3).map { i -> Double in
            let change: Double = 0.75 * (y0[i] - x[i]) + 0.25 * (y2[i] - x[i])
            return x[i] + change
        }
        assertClose(next, moved)
        let c0: [Double] = (0..<3).map { i in (x[i] - y0[i]) / 0.3 }
        let c2: [Double] = (0..<3).map { i in (x[i] - y2[i]) / 0.1 }
        let c: [Double] = (0..<3).map { i in (c0[i] + c2[i]) / 4 }
        assertClose(scaffold.correction(for: 0)!, (0..<3).map { c[$0] - c0[$0] })
        assertClose(scaffold.correction(for: 2)!, (0..<3).map { c[$0] - c2[$0] })
        assertClose(scaffold.correction(for: 1)!, c, "a client that never reported has c_i = 0")
        XCTAssertEqual(FederatedStrategy(kind: .scaffold).extraVectorsPerTransfer, 1)
        XCTAssertFalse(FederatedStrategy(kind: .scaffold).needsOnlyWeightedAverage)
        XCTAssertFalse(FederatedStrategy(kind: .fednova).needsOnlyWeightedAverage)
        XCTAssertTrue(FederatedStrategy(kind: .fedadam).needsOnlyWeightedAverage)
    }

    /// Every strategy trains FedProx's Synthetic(0.5, 0.5) with the MLP in memory: the training
    /// loss after 10 rounds is below the first round's, and equal seeds give equal models.
    /// SCAFFOLD's transfers carry the control variate too.
    func testEveryStrategyLearnsInMemory() throws {
        for kind in FederatedStrategy.Kind.allCases {
            func run() throws -> (first: Double, last: Double, parameters: [Double]) {
                let streams = RandomStreams(seed: 21)
                let clients = SyntheticData.generate(.heterogeneous(alpha: 0.5, beta: 0.5), clients: 10, random: streams.stream("data"))
                let model = DenseModel.mlp(inputs: 60, hidden: 16, classes: 10)
                var fed = InMemoryFederation(model: model, clients: clients, strategy: FederatedStrategy(kind: kind, mu: 0.01),
                                             local: LocalTraining(epochs: 2, batchSize: 10, learningRate: 0.02, momentum: 0.5),
                                             clientsPerRound: 5, stragglerShare: 0.2, initial: model.initialParameters(random: streams.stream("init")),
                                             selection: streams.stream("selection"), stragglers: streams.stream("stragglers"),
                                             batches: streams.stream("batches"))
                XCTAssertEqual(fed.transferBytes, (kind == .scaffold ? 2 : 1) * model.parameterCount * 8, "\(kind): control variates travel with the model")
                let first = try fed.runRound().trainLoss
                var last = first
                for _ in 1..<10 { last = try fed.runRound().trainLoss }
                return (first, last, fed.parameters)
            }
            let a = try run(), b = try run()
            XCTAssertLessThan(a.last, a.first, "\(kind)")
            XCTAssertEqual(a.parameters, b.parameters, "\(kind)")
        }
    }
}
