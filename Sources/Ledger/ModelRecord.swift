import Crypto

/// One federated round as recorded on the chain: who trained, on how much data, what came out,
/// and the hash links that make the history checkable.
///
/// `digest` is SHA-256 over a canonical byte encoding of every other field (little-endian
/// integers and IEEE doubles, participants in order), so changing any participant's update
/// (hence `modelSHA256`), sample count or metric changes the record's digest.
public struct ModelRecord: Sendable, Equatable {
    /// Round number, from 1.
    public var round: Int
    /// SHA-256 of the aggregated model's parameters.
    public var modelSHA256: [UInt8]
    /// SHA-256 of the previous round's model (of the initial model for round 1).
    public var parentModelSHA256: [UInt8]
    /// Node ids whose updates entered the aggregate, ascending.
    public var participants: [Int32]
    /// Training examples of each participant, in the same order.
    public var sampleCounts: [Int32]
    /// Training loss of the new model.
    public var trainLoss: Double
    /// Test accuracy of the new model.
    public var testAccuracy: Double
    /// Each participant's measured contribution (rewards are split by it), in the same order;
    /// empty when rewards follow sample counts.
    public var contributions: [Double]
    /// Participants whose updates the robust defence rejected (a subset of `participants`,
    /// ascending); they earn no reward.
    public var rejected: [Int32]
    /// Differential privacy spent by the rounds up to this one (epsilon at the run's delta); nil
    /// without differential privacy.
    public var epsilon: Double?
    /// With a data market: the grant each participant trained under (the transaction whose
    /// call granted it access to its dataset), in participant order; empty without one.
    public var grants: [Int32] = []

    /// Creates a record.
    public init(round: Int, modelSHA256: [UInt8], parentModelSHA256: [UInt8], participants: [Int32], sampleCounts: [Int32],
                trainLoss: Double, testAccuracy: Double, contributions: [Double] = [], rejected: [Int32] = [], epsilon: Double? = nil,
                grants: [Int32] = []) {
        precondition(participants.count == sampleCounts.count, "one sample count per participant")
        precondition(grants.isEmpty || grants.count == participants.count, "one grant per participant, or none")
        self.grants = grants
        precondition(contributions.isEmpty || contributions.count == participants.count, "one contribution per participant, or none")
        precondition(rejected.allSatisfy(participants.contains), "rejected updates come from participants")
        self.contributions = contributions
        self.rejected = rejected
        self.epsilon = epsilon
        self.round = round
        self.modelSHA256 = modelSHA256
        self.parentModelSHA256 = parentModelSHA256
        self.participants = participants
        self.sampleCounts = sampleCounts
        self.trainLoss = trainLoss
        self.testAccuracy = testAccuracy
    }

    /// SHA-256 of a parameter vector (its little-endian IEEE bytes).
    public static func hash(parameters: [Double]) -> [UInt8] {
        var hasher = SHA256()
        for value in parameters { withUnsafeBytes(of: value.bitPattern.littleEndian) { hasher.update(bufferPointer: $0) } }
        return Array(hasher.finalize())
    }

    /// SHA-256 of the record's canonical encoding.
    public var digest: [UInt8] {
        var hasher = SHA256()
        encode { hasher.update(bufferPointer: $0) }
        return Array(hasher.finalize())
    }

    /// Bytes of the canonical encoding: what the record weighs in a block, before its signature.
    public var encodedBytes: Int {
        var count = 0
        encode { count += $0.count }
        return count
    }

    /// Hands the canonical encoding to `sink`, piece by piece.
    private func encode(_ sink: (UnsafeRawBufferPointer) -> Void) {
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { sink($0) } }
        put(Int64(round))
        modelSHA256.withUnsafeBytes { sink($0) }
        parentModelSHA256.withUnsafeBytes { sink($0) }
        put(Int64(participants.count))
        for (node, samples) in zip(participants, sampleCounts) {
            put(node)
            put(samples)
        }
        put(trainLoss.bitPattern)
        put(testAccuracy.bitPattern)
        put(Int64(contributions.count))
        for value in contributions { put(value.bitPattern) }
        // Records without a defence's rejections encode as before, so their digests stay the same.
        if !rejected.isEmpty {
            put(Int64(rejected.count))
            for node in rejected { put(node) }
        }
        if let epsilon {
            put(Int64(-1))   // a marker no rejection count can equal
            put(epsilon.bitPattern)
        }
        if !grants.isEmpty {
            put(Int64(-2))
            for grant in grants { put(grant) }
        }
    }

    /// Lowercase hexadecimal of a digest.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    /// The bytes of a lowercase or uppercase hexadecimal string; nil if it is not hexadecimal.
    public static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var result: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[i]), let low = value(digits[i + 1]) else { return nil }
            result.append(high << 4 | low)
        }
        return result
    }

    /// Checks a history of records: rounds count up from 1 and each record's parent is the
    /// previous record's model (the first one's is `initialModelSHA256`). Returns the index of
    /// the first record that breaks the chain, or nil when the chain holds.
    public static func firstBreak(in records: [ModelRecord], initialModelSHA256: [UInt8]) -> Int? {
        var expectedParent = initialModelSHA256
        for (i, record) in records.enumerated() {
            guard record.round == i + 1, record.parentModelSHA256 == expectedParent else { return i }
            expectedParent = record.modelSHA256
        }
        return nil
    }
}
