import Consensus
import Federation
import Ledger
import Metrics
import SecureAggregation

/// `/fl/rounds`, `/fl/participants`, `/fl/committees`, `/fl/clients` and the root attribute
/// `fl_initial_model_sha256`.
struct FederationReport<Base: ConsensusProtocol> {
    let model: FederatedChain<Base>

    func write(into record: inout RunRecord) {
        let rounds = model.rounds
        let malicious = model.learning.malicious
        var clientOfNode: [Int32: Int] = [:]
        for (client, node) in model.parameters.clientNodes.enumerated() { clientOfNode[Int32(node)] = client }
        func isMalicious(_ node: Int32) -> Bool { clientOfNode[node].map { $0 < malicious.count && malicious[$0] } ?? false }
        record.setRootAttribute("fl_initial_model_sha256", .string(ModelRecord.hex(model.initialModelSHA256)))
        let roundColumns = [
            Column("round", .int64(rounds.map { Int64($0.record.round) })),
            Column("start_ns", .int64(rounds.map { Int64(clamping: $0.start.nanoseconds) })),
            Column("end_ns", .int64(rounds.map { Int64(clamping: $0.confirmed.nanoseconds) })),
            Column("participants", .int64(rounds.map { Int64($0.record.participants.count) })),
            Column("dropped", .int64(rounds.map { Int64($0.dropped.count) })),
            Column("stragglers", .int64(rounds.map { Int64($0.result.stragglers.count) })),
            Column("train_loss", .double(rounds.map(\.record.trainLoss))),
            Column("test_accuracy", .double(rounds.map(\.record.testAccuracy))),
            Column("model_sha256", .string(rounds.map { ModelRecord.hex($0.record.modelSHA256) })),
            Column("parent_sha256", .string(rounds.map { ModelRecord.hex($0.record.parentModelSHA256) })),
            Column("record_sha256", .string(rounds.map { ModelRecord.hex($0.record.digest) })),
            Column("block", .int64(rounds.map { Int64($0.block) })),
            Column("resubmissions", .int64(rounds.map { Int64($0.resubmissions) })),
            Column("record_tx", .int64(rounds.map { Int64($0.transaction ?? -1) })),
            Column("aggregator", .int64(rounds.map { Int64($0.aggregator) })),
            Column("retries", .int64(rounds.map { Int64($0.retries) })),
            Column("rejected", .int64(rounds.map { Int64($0.record.rejected.count) })),
            Column("malicious", .int64(rounds.map { Int64($0.record.participants.filter(isMalicious).count) })),
            Column("epsilon", .double(rounds.map { $0.record.epsilon ?? .nan })),
            Column("malicious_accepted", .int64(rounds.map { r in Int64(r.record.participants.filter { isMalicious($0) && !r.record.rejected.contains($0) }.count) })),
            Column("attack_success", .double(rounds.map { $0.result.attackSuccess ?? .nan })),
            Column("slashed", .int64(rounds.map { Int64($0.slashed.count) })),
        ]
        let perRound = model.parameters.rewardPerRound
        let participants = rounds.flatMap { round in
            let r = round.record
            let shares = FederatedChain<Base>.rewardShares(r, perRound: perRound)
            return r.participants.indices.map { i in
                (round: r.round, node: r.participants[i], samples: r.sampleCounts[i],
                 contribution: r.contributions.isEmpty ? Double.nan : r.contributions[i], reward: shares[i],
                 accepted: !r.rejected.contains(r.participants[i]), malicious: isMalicious(r.participants[i]),
                 grant: r.grants.isEmpty ? Int64(-1) : Int64(r.grants[i]))
            }
        }
        let participantColumns = [
            Column("round", .int64(participants.map { Int64($0.round) })),
            Column("node", .int64(participants.map { Int64($0.node) })),
            Column("samples", .int64(participants.map { Int64($0.samples) })),
            Column("contribution", .double(participants.map(\.contribution))),
            Column("reward", .double(participants.map(\.reward))),
            Column("accepted", .int64(participants.map { $0.accepted ? 1 : 0 })),
            Column("malicious", .int64(participants.map { $0.malicious ? 1 : 0 })),
        ] + (model.dataMarket == nil ? [] : [Column("grant_tx", .int64(participants.map(\.grant)))])
        let config: String
        if case .string(let text)? = record.rootAttributes.first(where: { $0.0 == "config" })?.1 { config = text } else { config = "" }
        let history = RoundHistoryDigest(rounds: roundColumns, participants: participantColumns,
                                         nodeRewards: Column("fl_reward", .double(model.rewards())), config: config,
                                         roundCount: Int64(rounds.count))
        record.setTable("/fl/rounds", Table(roundColumns + [Column("row_sha256", .string(history.rowDigests().map(ModelRecord.hex)))], attributes: [
            ("note", .string("end_ns: when the round's record had its confirmations on the aggregator's chain; "
                             + "row_sha256: digest of the row and its /fl/participants rows (fedchain verify)")),
            ("column_sha256", .string(history.columnDigestText())),
        ]))
        record.setRootAttribute("fl_history_sha256", .string(ModelRecord.hex(history.history())))
        record.setTable("/fl/participants", Table(participantColumns, attributes: [
            ("note", .string("contribution: leave-one-out rise of the test loss (NaN unless reward_split is contribution); "
                             + "accepted: 0 when the robust defence rejected the update; malicious: 1 for an attacker's update; "
                             + "grant_tx (with a data market): the transaction that granted the participant its dataset")),
        ]))
        writeClients(into: &record)
        let members = rounds.flatMap { round in
            round.committee.enumerated().map { (round.record.round, $0.element, $0.offset == 0,
                                                round.memberRejections.indices.contains($0.offset) ? round.memberRejections[$0.offset] : 0) }
        }
        if model.parameters.secureAggregation != nil { writeSecureRounds(into: &record) }
        if let market = model.dataMarket { DataMarketReport.write(market, clientNodes: model.parameters.clientNodes, tree: model.chain.tree, into: &record) }
        record.setTable("/fl/committees", Table([
            Column("round", .int64(members.map { Int64($0.0) })),
            Column("node", .int64(members.map { Int64($0.1) })),
            Column("leader", .int64(members.map { $0.2 ? 1 : 0 })),
            Column("rejected", .int64(members.map { Int64($0.3) })),
            Column("malicious", .int64(members.map { isMalicious(Int32($0.1)) ? 1 : 0 })),
        ]))
    }

    /// `/fl/clients`: one row per client, with its partition's sizes and per-class training
    /// examples (`label_0`, `label_1`, ...).
    private func writeClients(into record: inout RunRecord) {
        let parameters = model.parameters
        let clients = parameters.clientNodes.indices
        let counts = parameters.clientLabelCounts
        let classes = counts.first?.count ?? 0
        var columns = [
            Column("client", .int64(clients.map { Int64($0) })),
            Column("node", .int64(parameters.clientNodes.map { Int64($0) })),
            Column("train_examples", .int64(clients.map { Int64(model.learning.trainer.trainingExamples(of: $0)) })),
            Column("test_examples", .int64(parameters.clientTestExamples.map { Int64($0) })),
        ]
        for label in 0..<classes { columns.append(Column("label_\(label)", .int64(counts.map { Int64($0[label]) }))) }
        record.setTable("/fl/clients", Table(columns, attributes: [
            ("note", .string("label_C: the client's training examples of class C")),
        ]))
    }

    /// `/secagg/rounds`: one row per attempt and stage.
    private func writeSecureRounds(into record: inout RunRecord) {
        let rows = model.secureRounds.flatMap { attempt in
            attempt.stages.isEmpty ? [(attempt, nil)] : attempt.stages.map { (attempt, Optional($0)) }
        }
        func int(_ name: String, _ value: (SecureRoundRecord, SecureStage?) -> Int) -> Column { Column(name, .int64(rows.map { Int64(value($0.0, $0.1)) })) }
        record.setTable("/secagg/rounds", Table([
            int("round") { a, _ in a.round },
            int("attempt") { a, _ in a.attempt },
            Column("stage", .string(rows.map { $0.1.map { "\($0.record.stage)" } ?? "none" })),
            Column("start_ns", .int64(rows.map { Int64(clamping: $0.1?.start.nanoseconds ?? 0) })),
            Column("end_ns", .int64(rows.map { Int64(clamping: $0.1?.end.nanoseconds ?? 0) })),
            int("clients") { _, s in s?.record.clientsIn ?? 0 },
            int("dropouts") { _, s in s?.record.dropped ?? 0 },
            int("client_bytes_sent") { _, s in s?.record.client.upBytes ?? 0 },
            int("client_bytes_received") { _, s in s?.record.client.downBytes ?? 0 },
            int("server_key_agreements") { _, s in s?.record.server.keyAgreements ?? 0 },
            int("server_prg_bytes") { _, s in s?.record.server.prgBytes ?? 0 },
            int("exact") { a, _ in a.abortReason != nil ? -1 : a.exact ? 1 : 0 },
            Column("max_abs_error", .double(rows.map { $0.0.maxAbsError })),
            int("clipped") { a, _ in a.clipped },
            Column("abort_reason", .string(rows.map { $0.0.abortReason ?? "" })),
        ], attributes: [("note", .string("one row per attempt and stage; exact: 1 exact sum, 0 wrong sum, -1 aborted (no sum); "
                                          + "client bytes are per client taking part in the stage"))]))
    }
}
