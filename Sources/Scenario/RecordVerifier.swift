import Ledger
import Metrics

/// Re-checks the federated rounds recorded in a run file (`fedchain verify`).
public enum RecordVerifier {
    /// What the check found.
    public struct Report: Sendable, Equatable {
        /// Rounds in the file.
        public var rounds: Int
        /// Problems, in round order; empty when the history holds.
        public var problems: [String]
    }

    /// Rebuilds every round's record from `/fl/rounds` and `/fl/participants`. Each recomputed
    /// digest must equal the stored `record_sha256`, and each round's parent must be the previous
    /// round's model (round 1: the root attribute `fl_initial_model_sha256`).
    public static func verify(_ file: HDF5File) throws -> Report {
        guard file.exists("/fl/rounds") else { throw HDF5Error("\(file.path) has no /fl/rounds: the run had no federated learning") }
        let rounds = try file.int64Column("/fl/rounds", "round")
        let model = try file.stringColumn("/fl/rounds", "model_sha256")
        let parent = try file.stringColumn("/fl/rounds", "parent_sha256")
        let digest = try file.stringColumn("/fl/rounds", "record_sha256")
        let loss = try file.doubleColumn("/fl/rounds", "train_loss")
        let accuracy = try file.doubleColumn("/fl/rounds", "test_accuracy")
        let partRound = try file.int64Column("/fl/participants", "round")
        let partNode = try file.int64Column("/fl/participants", "node")
        let partSamples = try file.int64Column("/fl/participants", "samples")
        let partContribution = try file.doubleColumn("/fl/participants", "contribution")
        guard let initialHex = try file.stringAttribute("fl_initial_model_sha256"),
              let initial = ModelRecord.bytes(hex: initialHex) else {
            throw HDF5Error("\(file.path) has no root attribute fl_initial_model_sha256")
        }
        var problems: [String] = []
        var records: [ModelRecord] = []
        for i in rounds.indices {
            let rows = partRound.indices.filter { partRound[$0] == rounds[i] }
            guard let modelBytes = ModelRecord.bytes(hex: model[i]), let parentBytes = ModelRecord.bytes(hex: parent[i]) else {
                problems.append("round \(rounds[i]): a hash is not hexadecimal")
                continue
            }
            let contributions = rows.map { partContribution[$0] }
            let record = ModelRecord(round: Int(rounds[i]), modelSHA256: modelBytes, parentModelSHA256: parentBytes,
                                     participants: rows.map { Int32(partNode[$0]) }, sampleCounts: rows.map { Int32(partSamples[$0]) },
                                     trainLoss: loss[i], testAccuracy: accuracy[i],
                                     contributions: contributions.allSatisfy(\.isNaN) ? [] : contributions)
            if ModelRecord.hex(record.digest) != digest[i] {
                problems.append("round \(rounds[i]): the record's fields do not hash to its record_sha256 (the record was changed)")
            }
            records.append(record)
        }
        if let broken = ModelRecord.firstBreak(in: records, initialModelSHA256: initial) {
            problems.append("round \(records[broken].round): its parent is not the previous round's model (the model chain breaks here)")
        }
        return Report(rounds: rounds.count, problems: problems)
    }
}
