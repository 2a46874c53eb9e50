import Consensus
import Metrics

/// `/adversary/double_spend` (every confirmation count), for double-spend runs. The attacker's
/// summary keys come from `NakamotoPoW.summary(at:)`.
struct AdversaryReport {
    let model: NakamotoPoW

    func write(into record: inout RunRecord) {
        guard let (trials, successes) = model.doubleSpendResults else { return }
        let zs = Array(1...successes.count)
        record.setTable("/adversary/double_spend", Table([
            Column("confirmations", .int64(zs.map(Int64.init))),
            Column("trials", .int64(zs.map { _ in Int64(trials) })),
            Column("successes", .int64(successes.map(Int64.init))),
            Column("success_rate", .double(zs.map { trials > 0 ? Double(successes[$0 - 1]) / Double(trials) : .nan })),
        ]))
    }
}
