import Consensus
import Federation
import Ledger
import Metrics

/// `/fl/rounds`, `/fl/participants`, `/fl/committees` and the root attribute
/// `fl_initial_model_sha256`.
struct FederationReport<Base: ConsensusProtocol> {
    let model: FederatedChain<Base>

    func write(into record: inout RunRecord) {
        let rounds = model.rounds
        record.setRootAttribute("fl_initial_model_sha256", .string(ModelRecord.hex(model.initialModelSHA256)))
        record.setTable("/fl/rounds", Table([
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
            Column("aggregator", .int64(rounds.map { Int64($0.aggregator) })),
            Column("retries", .int64(rounds.map { Int64($0.retries) })),
        ], attributes: [("note", .string("end_ns: when the round's record had its confirmations on the aggregator's chain"))]))
        let perRound = model.parameters.rewardPerRound
        let participants = rounds.flatMap { round in
            let r = round.record
            let shares = FederatedChain<Base>.rewardShares(r, perRound: perRound)
            return r.participants.indices.map { i in
                (round: r.round, node: r.participants[i], samples: r.sampleCounts[i],
                 contribution: r.contributions.isEmpty ? Double.nan : r.contributions[i], reward: shares[i])
            }
        }
        record.setTable("/fl/participants", Table([
            Column("round", .int64(participants.map { Int64($0.round) })),
            Column("node", .int64(participants.map { Int64($0.node) })),
            Column("samples", .int64(participants.map { Int64($0.samples) })),
            Column("contribution", .double(participants.map(\.contribution))),
            Column("reward", .double(participants.map(\.reward))),
        ], attributes: [("note", .string("contribution: leave-one-out rise of the test loss (NaN unless reward_split is contribution)"))]))
        let members = rounds.flatMap { round in round.committee.enumerated().map { (round.record.round, $0.element, $0.offset == 0) } }
        record.setTable("/fl/committees", Table([
            Column("round", .int64(members.map { Int64($0.0) })),
            Column("node", .int64(members.map { Int64($0.1) })),
            Column("leader", .int64(members.map { $0.2 ? 1 : 0 })),
        ]))
    }
}
