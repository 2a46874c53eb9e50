import SimKernel
import XCTest
import Learning

/// Each attack's rewrite against its formula, on hand-made updates.
final class UpdateAttackTests: XCTestCase {
    private let global: [Double] = [1, 2, 3]
    // Trained models: deltas (1, 0, -1), (3, 2, 1), (0.5, 0.5, 0.5) from the global model.
    private let models: [[Double]] = [[2, 2, 2], [4, 4, 4], [1.5, 2.5, 3.5]]
    private let malicious = [false, true, true]

    private func rewritten(_ attack: UpdateAttack) -> [[Double]] {
        var result = models
        attack.rewrite(&result, malicious: malicious, global: global, random: RandomStreams(seed: 1).stream("fl.attack"))
        return result
    }

    func testSignFlipAndScalingMoveOnlyMaliciousUpdates() {
        let flipped = rewritten(UpdateAttack(kind: .signFlip))
        XCTAssertEqual(flipped[0], models[0])
        XCTAssertEqual(flipped[1], [-2, 0, 2])          // global - (3, 2, 1)
        XCTAssertEqual(flipped[2], [0.5, 1.5, 2.5])
        XCTAssertEqual(rewritten(UpdateAttack(kind: .signFlip, boost: 2))[1], [-5, -2, 1])
        // Scaling's default factor is the round's number of updates (3): model replacement.
        XCTAssertEqual(rewritten(UpdateAttack(kind: .scaling))[1], [10, 8, 6])
        XCTAssertEqual(rewritten(UpdateAttack(kind: .scaling, boost: 0.5))[2], [1.25, 2.25, 3.25])
        XCTAssertEqual(rewritten(UpdateAttack(kind: .labelFlip)), models)   // acts on data, not here
    }

    func testGaussianAddsNoiseOfTheGivenSpread() {
        var big = [[Double]](repeating: [Double](repeating: 0, count: 20_000), count: 2)
        UpdateAttack(kind: .gaussian, sigma: 3).rewrite(&big, malicious: [true, false], global: big[1],
                                                       random: RandomStreams(seed: 2).stream("fl.attack"))
        XCTAssertTrue(big[1].allSatisfy { $0 == 0 })
        let mean = big[0].reduce(0, +) / 20_000
        let sd = (big[0].reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 20_000).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.1)       // 5 standard errors
        XCTAssertEqual(sd, 3, accuracy: 0.1)
    }

    /// ALIE sends mean - z sd of the colluders' honest deltas; IPM sends -epsilon times their mean.
    func testAlieAndIpmUseTheColludersStatistics() {
        // Colluders' deltas (3, 2, 1) and (0.5, 0.5, 0.5): mean (1.75, 1.25, 0.75), sd (1.25, 0.75, 0.25).
        let alie = rewritten(UpdateAttack(kind: .alie, z: 2))
        XCTAssertEqual(alie[1], [1 + 1.75 - 2.5, 2 + 1.25 - 1.5, 3 + 0.75 - 0.5])
        XCTAssertEqual(alie[2], alie[1])
        XCTAssertEqual(alie[0], models[0])
        let ipm = rewritten(UpdateAttack(kind: .ipm, epsilon: 0.5))
        XCTAssertEqual(ipm[1], [1 - 0.875, 2 - 0.625, 3 - 0.375])
        // Baruch et al.: n = 50, f = 12 gives s = 14 and z = Phi^-1(36 / 50) = 0.5828.
        XCTAssertEqual(UpdateAttack.alieZ(n: 50, f: 12), 0.5828, accuracy: 1e-4)
    }

    func testLabelFlipMapping() {
        let everyClass = UpdateAttack(kind: .labelFlip)
        XCTAssertEqual((0..<10).map { everyClass.poisonedLabel($0, classes: 10) }, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
        let oneClass = UpdateAttack(kind: .labelFlip, source: 1, target: 7)
        XCTAssertEqual([0, 1, 7].map { oneClass.poisonedLabel($0, classes: 10) }, [0, 7, 7])
        XCTAssertEqual(UpdateAttack(kind: .gaussian).poisonedLabel(1, classes: 10), 1)
    }

    /// A model that always predicts class 1 (inputs 0, bias on class 1): flipping 0 -> 1
    /// succeeds on every flipped example, 0 -> 2 on none; flipping every class c -> 2 - c moves
    /// classes 0 and 2 only, and class 1 is never predicted as their flipped labels.
    func testLabelFlipSuccessIsTheShareOfFlippedExamplesPredictedAsTheFlippedLabel() {
        let labels: [Int32] = [0, 0, 1, 2, 2, 2]
        let data = LabelledData(features: [Double](repeating: 0, count: labels.count), labels: labels, dimension: 1, classes: 3)
        let model = DenseModel.logisticRegression(inputs: 1, classes: 3)
        let alwaysOne: [Double] = [0, 0, 0, 0, 5, 0]   // weights (1 x 3), then biases
        func success(_ attack: UpdateAttack?) -> Double? {
            let trainer = NativeTrainer(model: model, clients: [ClientData(train: data, test: data)], local: LocalTraining(epochs: 1, batchSize: 1, learningRate: 0.1),
                                        batches: RandomStreams(seed: 1).stream("fl.batches"))
            if let attack { trainer.measureSuccess(of: attack) }
            return trainer.evaluate(alwaysOne, round: 1).attackSuccess
        }
        XCTAssertEqual(success(UpdateAttack(kind: .labelFlip, source: 0, target: 1)), 1)
        XCTAssertEqual(success(UpdateAttack(kind: .labelFlip, source: 0, target: 2)), 0)
        XCTAssertEqual(success(UpdateAttack(kind: .labelFlip, source: 2, target: 1)), 1)
        XCTAssertEqual(success(UpdateAttack(kind: .labelFlip, source: -1, target: 0)), 0)
        XCTAssertNil(success(UpdateAttack(kind: .signFlip)))
        XCTAssertNil(success(nil))
    }
}
