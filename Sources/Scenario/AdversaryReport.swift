import Consensus
import Metrics

/// The adversary's summary keys and `/adversary/double_spend`, when an attack runs (PoW).
struct AdversaryReport {
    let model: NakamotoPoW
    let mainChain: [Bool]

    func write(into record: inout RunRecord) {
        guard model.adversary != .none else { return }
        let tree = model.tree
        let share = model.hashRate[model.attacker] / model.hashRate.reduce(0, +)
        record.setSummary("attacker_share", .double(share))
        let main = (1..<tree.count).filter { mainChain[$0] }
        let attackerMain = main.filter { Int(tree.producer[$0]) == model.attacker }.count
        record.setSummary("attacker_revenue_share", .double(main.isEmpty ? .nan : Double(attackerMain) / Double(main.count)))
        guard case .doubleSpend(let confirmations) = model.adversary, let (trials, successes) = model.doubleSpendResults else { return }
        let rate = { (z: Int) in trials > 0 ? Double(successes[z - 1]) / Double(trials) : .nan }
        record.setSummary("double_spend_success_rate", .double(rate(confirmations)))
        record.setSummary("double_spend_trials", .int(Int64(trials)))
        let zs = Array(1...successes.count)
        record.setTable("/adversary/double_spend", Table([
            Column("confirmations", .int64(zs.map(Int64.init))),
            Column("trials", .int64(zs.map { _ in Int64(trials) })),
            Column("successes", .int64(successes.map(Int64.init))),
            Column("success_rate", .double(zs.map(rate))),
        ]))
    }
}
