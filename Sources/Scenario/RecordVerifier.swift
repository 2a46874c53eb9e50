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
        // Files written before differential privacy existed have no `epsilon` column.
        let epsilons = try file.columnNames("/fl/rounds").contains("epsilon")
            ? try file.doubleColumn("/fl/rounds", "epsilon") : rounds.map { _ in Double.nan }
        let partRound = try file.int64Column("/fl/participants", "round")
        let partNode = try file.int64Column("/fl/participants", "node")
        let partSamples = try file.int64Column("/fl/participants", "samples")
        let partContribution = try file.doubleColumn("/fl/participants", "contribution")
        // Files written before defences existed have no `accepted` column: nothing was rejected.
        let partAccepted = try file.columnNames("/fl/participants").contains("accepted")
            ? try file.int64Column("/fl/participants", "accepted") : partRound.map { _ in 1 }
        // Runs without a data market have no `grant_tx` column: their records cite no grants.
        let partGrant = try file.columnNames("/fl/participants").contains("grant_tx") ? try file.int64Column("/fl/participants", "grant_tx") : nil
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
                                     contributions: contributions.allSatisfy(\.isNaN) ? [] : contributions,
                                     rejected: rows.filter { partAccepted[$0] == 0 }.map { Int32(partNode[$0]) },
                                     epsilon: epsilons[i].isNaN ? nil : epsilons[i], grants: partGrant.map { g in rows.map { Int32(clamping: g[$0]) } } ?? [])
            if ModelRecord.hex(record.digest) != digest[i] {
                problems.append("round \(rounds[i]): the record's fields do not hash to its record_sha256 (the record was changed)")
            }
            records.append(record)
        }
        if let broken = ModelRecord.firstBreak(in: records, initialModelSHA256: initial) {
            problems.append("round \(records[broken].round): its parent is not the previous round's model (the model chain breaks here)")
        }
        if let partGrant {
            problems += try accessProblems(file, rounds: rounds, starts: try file.int64Column("/fl/rounds", "start_ns"),
                                           participants: (partRound, partNode, partGrant))
        }
        problems += try historyProblems(file, roundNumbers: rounds)
        return Report(rounds: rounds.count, problems: problems)
    }

    /// With a data market: every participant cites a grant that `/market/datasets` shows the
    /// market gave its node before the round started and had not revoked by then, so no model
    /// was trained on data without access.
    static func accessProblems(_ file: HDF5File, rounds: [Int64], starts: [Int64],
                               participants: (round: [Int64], node: [Int64], grant: [Int64])) throws -> [String] {
        guard file.exists("/market/datasets") else {
            return ["/fl/participants cites data market grants but the file has no /market/datasets"]
        }
        let grantTx = try file.int64Column("/market/datasets", "grant_tx"), holder = try file.int64Column("/market/datasets", "node")
        let granted = try file.int64Column("/market/datasets", "granted_ns"), revoked = try file.int64Column("/market/datasets", "revoked_ns")
        var rowOfGrant: [Int64: Int] = [:]
        for row in grantTx.indices where grantTx[row] >= 0 { rowOfGrant[grantTx[row]] = row }
        var startOfRound: [Int64: Int64] = [:]
        for (round, start) in zip(rounds, starts) { startOfRound[round] = start }
        var problems: [String] = []
        for i in participants.round.indices {
            let round = participants.round[i], node = participants.node[i], grant = participants.grant[i]
            let start = startOfRound[round] ?? .max
            guard grant >= 0 else {
                problems.append("round \(round): node \(node) trained without a data market grant")
                continue
            }
            guard let row = rowOfGrant[grant], holder[row] == node else {
                problems.append("round \(round): node \(node) cites grant transaction \(grant), which /market/datasets does not show it was given")
                continue
            }
            if granted[row] < 0 || granted[row] > start {
                problems.append("round \(round): node \(node)'s grant (transaction \(grant)) was confirmed after the round started")
            } else if revoked[row] >= 0 && revoked[row] <= start {
                problems.append("round \(round): node \(node)'s grant (transaction \(grant)) was revoked before the round started")
            }
        }
        return problems
    }

    /// Checks what the on-chain records do not cover (RoundHistoryDigest): the round count,
    /// every column of every round, the participants, the rewards per node and the config. Each
    /// problem names the round (from the row digests) and the field (from the field digests).
    static func historyProblems(_ file: HDF5File, roundNumbers: [Int64]) throws -> [String] {
        guard let expectedHistory = try file.stringAttribute("fl_history_sha256"),
              let fieldText = try file.stringAttribute("column_sha256", of: "/fl/rounds"),
              try file.columnNames("/fl/rounds").contains("row_sha256") else {
            return ["the file has no history digests (fl_history_sha256): it was written by fedchain 0.1.0 or edited; only the records were checked"]
        }
        let roundColumns = try file.columnNames("/fl/rounds").filter { $0 != "row_sha256" }.map { Column($0, try file.column("/fl/rounds", $0)) }
        let participantColumns = try file.columnNames("/fl/participants").map { Column($0, try file.column("/fl/participants", $0)) }
        let rewards = try file.doubleColumn("/nodes", "fl_reward")
        let summaryRounds = try file.attribute("fl_rounds", of: "/summary")?.number.flatMap { Int64(exactly: $0) } ?? -1
        let history = RoundHistoryDigest(rounds: roundColumns, participants: participantColumns, nodeRewards: Column("fl_reward", .double(rewards)),
                                         config: try file.stringAttribute("config") ?? "", roundCount: summaryRounds)
        var problems: [String] = []
        if summaryRounds != Int64(roundNumbers.count) {
            problems.append("/fl/rounds has \(roundNumbers.count) rows but summary.fl_rounds is \(summaryRounds): rounds were removed or added")
        }
        let stored = fieldText.split(separator: "\n").map { $0.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) } }
        var storedFields: [String: String] = [:]
        for pair in stored where pair.count == 2 { storedFields[pair[0]] = pair[1] }
        let changedFields = history.columnDigests().filter { storedFields[$0.name] != ModelRecord.hex($0.sha256) }.map(\.name)
        let storedRows = try file.stringColumn("/fl/rounds", "row_sha256")
        let changedRows = zip(history.rowDigests(), storedRows).enumerated().filter { ModelRecord.hex($0.element.0) != $0.element.1 }.map(\.offset)
        let rowFields = changedFields.filter { $0.hasPrefix("fl/") }
        for row in changedRows {
            let round = row < roundNumbers.count ? "round \(roundNumbers[row])" : "row \(row)"
            problems.append("\(round): \(rowFields.isEmpty ? "its row" : rowFields.joined(separator: ", ")) changed since the run wrote it")
        }
        if changedRows.isEmpty && !rowFields.isEmpty {
            problems.append("\(rowFields.joined(separator: ", ")) changed since the run wrote it (rows were reordered, removed or added)")
        }
        for field in changedFields where !field.hasPrefix("fl/") {
            problems.append(field == "nodes.fl_reward" ? rewardProblem(participantColumns, rewards) : "\(field) changed since the run wrote it")
        }
        if problems.isEmpty && ModelRecord.hex(history.history()) != expectedHistory {
            problems.append("fl_history_sha256 does not match the file: the digests themselves were changed")
        }
        return problems
    }

    /// Which node's `fl_reward` differs from the sum of its rewards in `/fl/participants`.
    private static func rewardProblem(_ participants: [Column], _ rewards: [Double]) -> String {
        guard case .int64(let nodes)? = participants.first(where: { $0.name == "node" })?.data,
              case .double(let shares)? = participants.first(where: { $0.name == "reward" })?.data else {
            return "nodes.fl_reward changed since the run wrote it"
        }
        var sums = [Double](repeating: 0, count: rewards.count)
        for (node, share) in zip(nodes, shares) where sums.indices.contains(Int(node)) { sums[Int(node)] += share }
        let node = sums.indices.first { sums[$0] != rewards[$0] }
        return node.map { "node \($0): fl_reward \(rewards[$0]) is not the sum of its rewards in /fl/participants (\(sums[$0]))" }
            ?? "nodes.fl_reward changed since the run wrote it"
    }
}
