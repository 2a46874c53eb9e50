import Ledger
import XCTest

final class ModelRecordTests: XCTestCase {
    func record(round: Int, parent: [UInt8], model: [Double], samples: [Int32] = [120, 80]) -> ModelRecord {
        ModelRecord(round: round, modelSHA256: ModelRecord.hash(parameters: model), parentModelSHA256: parent,
                    participants: [3, 7], sampleCounts: samples, trainLoss: 0.5, testAccuracy: 0.9)
    }

    func testModelHashIsSHA256OfTheParameterBytes() {
        // SHA-256 of 8 zero bytes (one 0.0 double), a known value.
        XCTAssertEqual(ModelRecord.hex(ModelRecord.hash(parameters: [0.0])),
                       "af5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc")
        XCTAssertNotEqual(ModelRecord.hash(parameters: [0.0]), ModelRecord.hash(parameters: [-0.0]), "bits, not values")
    }

    /// Changing any participant's update (so the aggregate), a sample count or a metric changes
    /// the record's digest.
    func testDigestChangesWithAnyField() {
        let base = record(round: 1, parent: ModelRecord.hash(parameters: [0, 0]), model: [0.25, -1])
        let digest = base.digest
        var changed = [record(round: 1, parent: base.parentModelSHA256, model: [0.25, -1.0000001]),
                       record(round: 1, parent: base.parentModelSHA256, model: [0.25, -1], samples: [121, 80]),
                       record(round: 2, parent: base.parentModelSHA256, model: [0.25, -1])]
        var metric = base
        metric.testAccuracy = 0.91
        changed.append(metric)
        var who = base
        who.participants = [3, 8]
        changed.append(who)
        var grants = base
        grants.grants = [11, 12]
        changed.append(grants)
        var otherGrant = base
        otherGrant.grants = [11, 13]
        XCTAssertNotEqual(otherGrant.digest, grants.digest, "the cited grants are part of the digest")
        for other in changed { XCTAssertNotEqual(other.digest, digest) }
        XCTAssertEqual(record(round: 1, parent: base.parentModelSHA256, model: [0.25, -1]).digest, digest)
    }

    /// A record's size in a block is its canonical encoding: round, two hashes, the participant
    /// count, (node, samples) per participant, two metrics and the contribution count
    /// (8 + 32 + 32 + 8 + 2 x 8 + 8 + 8 + 8 = 120 bytes); rejections and epsilon add theirs.
    func testEncodedBytesCountTheCanonicalEncoding() {
        var plain = record(round: 1, parent: ModelRecord.hash(parameters: [0]), model: [1])
        XCTAssertEqual(plain.encodedBytes, 120)
        plain.rejected = [7]
        plain.epsilon = 1.5
        XCTAssertEqual(plain.encodedBytes, 120 + 8 + 4 + 8 + 8)
        plain.grants = [4, 5]
        XCTAssertEqual(plain.encodedBytes, 120 + 8 + 4 + 8 + 8 + 8 + 2 * 4)
    }

    func testHistoryCheckFindsTheFirstBreak() {
        let initial = ModelRecord.hash(parameters: [0, 0])
        let r1 = record(round: 1, parent: initial, model: [1, 0])
        let r2 = record(round: 2, parent: r1.modelSHA256, model: [1, 1])
        let r3 = record(round: 3, parent: r2.modelSHA256, model: [2, 1])
        XCTAssertNil(ModelRecord.firstBreak(in: [r1, r2, r3], initialModelSHA256: initial))
        var tampered = r2
        tampered.modelSHA256 = ModelRecord.hash(parameters: [1, 1.5])
        XCTAssertEqual(ModelRecord.firstBreak(in: [r1, tampered, r3], initialModelSHA256: initial), 2, "r3's parent no longer matches")
        XCTAssertEqual(ModelRecord.firstBreak(in: [r1, r3], initialModelSHA256: initial), 1, "a missing round")
        XCTAssertEqual(ModelRecord.firstBreak(in: [r1, r2, r3], initialModelSHA256: ModelRecord.hash(parameters: [9])), 0)
    }
}
