import Consensus
import Federation
import Ledger
import Metrics

/// `/fl/rounds`, `/fl/participants` and the root attribute `fl_initial_model_sha256`.
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
        let participants = rounds.flatMap { round in zip(round.record.participants, round.record.sampleCounts).map { (round.record.round, $0.0, $0.1) } }
        record.setTable("/fl/participants", Table([
            Column("round", .int64(participants.map { Int64($0.0) })),
            Column("node", .int64(participants.map { Int64($0.1) })),
            Column("samples", .int64(participants.map { Int64($0.2) })),
        ]))
    }
}
