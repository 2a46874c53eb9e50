import Learning

extension FedChainConfig {
    /// `federation.attack`, `federation.strategy.robust` and `federation.privacy` (docs/trust.md).
    func checkTrust(_ fl: FederationConfig, into issues: inout Validator) {
        checkPrivacy(fl, into: &issues)
        checkSlashing(fl, into: &issues)
        let robust = fl.strategy.robust
        if robust.kind != .none {
            let key = "federation.strategy.robust"
            issues.check((0..<max(1, fl.clientsPerRound)).contains(robust.f), "\(key).f",
                         "expected a number of attackers from 0 to below clients_per_round (\(fl.clientsPerRound)), found \(robust.f)")
            let needed = robust.aggregation.minimumUpdates
            issues.check(fl.clientsPerRound >= needed, "\(key).f",
                         "expected f small enough for \(robust.kind.rawValue) with \(fl.clientsPerRound) clients per round (it needs at least \(needed) updates for f = \(robust.f)), found \(robust.f)")
            issues.check((0...max(0, fl.clientsPerRound)).contains(robust.m), "\(key).m",
                         "expected 0 (clients per round - f) or up to clients_per_round (\(fl.clientsPerRound)), found \(robust.m)")
            issues.check(robust.beta.isFinite && (0..<0.5).contains(robust.beta), "\(key).beta", "expected a share from 0 to below 0.5, found \(robust.beta)")
            issues.check(robust.bound.isFinite && robust.bound > 0, "\(key).bound", "expected an L2 radius > 0, found \(robust.bound)")
            issues.check((1...1000).contains(robust.iterations), "\(key).iterations", "expected 1 ... 1000 iterations, found \(robust.iterations)")
            issues.check(fl.strategy.strategy.needsOnlyWeightedAverage, "\(key).kind",
                         "expected no defence with strategy \(fl.strategy.kind.rawValue) (it aggregates each update its own way), found \(robust.kind.rawValue)")
            issues.check(fl.secureAggregation.protocol == .none, "\(key).kind",
                         "expected no defence with secure aggregation (the server sees only the sum, not the updates a defence inspects), found \(robust.kind.rawValue)")
        }
        let attack = fl.attack
        let key = "federation.attack"
        issues.check(attack.fraction.isFinite && (0..<1).contains(attack.fraction), "\(key).fraction",
                     "expected a share of the clients from 0 to below 1, found \(attack.fraction)")
        issues.check(attack.fraction == 0 || (attack.fraction * Double(fl.clients)).rounded() >= 1, "\(key).fraction",
                     "expected a share that makes at least one of the \(fl.clients) clients malicious, found \(attack.fraction)")
        issues.check(attack.fraction == 0 || attack.clients.isEmpty, "\(key).clients",
                     "expected either fraction or a list of clients, found both")
        if let outside = attack.clients.first(where: { !(0..<fl.clients).contains($0) }) {
            issues.check(false, "\(key).clients", "expected client indices from 0 to \(fl.clients - 1), found \(outside)")
        }
        issues.check(Set(attack.clients).count == attack.clients.count, "\(key).clients", "expected each client once, found \(attack.clients)")
        if attack.kind == .none {
            issues.check(attack.fraction == 0 && attack.clients.isEmpty, "\(key).kind",
                         "expected an attack kind when clients are malicious (fraction or clients set), found none")
        } else {
            issues.check(attack.fraction > 0 || !attack.clients.isEmpty, "\(key).fraction",
                         "expected malicious clients for attack \(attack.kind.rawValue) (fraction > 0 or a list of clients), found none")
        }
        issues.bounded(attack.sigma, "\(key).sigma", 0...1e12)
        issues.bounded(attack.z, "\(key).z", 0...1e6)
        issues.check(attack.boost.isFinite && abs(attack.boost) <= 1e9, "\(key).boost", "expected a finite factor, found \(attack.boost)")
        issues.check(attack.epsilon.isFinite && abs(attack.epsilon) <= 1e9, "\(key).epsilon", "expected a finite number, found \(attack.epsilon)")
        issues.check(attack.stakeShare.isFinite && (0..<1).contains(attack.stakeShare), "\(key).stake_share",
                     "expected a share of the total stake from 0 to below 1, found \(attack.stakeShare)")
        if attack.stakeShare > 0 {
            issues.check(consensus.kind != .pow, "\(key).stake_share",
                         "expected consensus pos or hierarchical (proof of work has no stake to hold), found \(consensus.kind.rawValue)")
            issues.check(attack.kind != .none, "\(key).stake_share", "expected malicious clients to hold the stake (attack.kind is none)")
        }
        if attack.kind == .labelFlip {
            issues.check(fl.trainer.kind == .native, "\(key).kind",
                         "expected trainer.kind native for label_flip (a Python client's labels are its own; poison them in its code), found \(fl.trainer.kind.rawValue)")
            issues.check(attack.source >= -1, "\(key).source", "expected a class index, or -1 for every class, found \(attack.source)")
            issues.check(attack.target >= 0, "\(key).target", "expected a class index, found \(attack.target)")
        }
    }

    private func checkSlashing(_ fl: FederationConfig, into issues: inout Validator) {
        let slashing = fl.slashing, key = "federation.slashing"
        issues.check(slashing.fraction.isFinite && (0...1).contains(slashing.fraction), "\(key).fraction",
                     "expected a share of the stake from 0 to 1, found \(slashing.fraction)")
        issues.check(slashing.threshold.isFinite && (0...1).contains(slashing.threshold), "\(key).threshold",
                     "expected a reputation from 0 to 1, found \(slashing.threshold)")
        issues.check(slashing.decay.isFinite && (0..<1).contains(slashing.decay), "\(key).decay",
                     "expected a weight from 0 to below 1, found \(slashing.decay)")
        issues.check((0...1_000_000).contains(slashing.exclusionRounds), "\(key).exclusion_rounds",
                     "expected 0 ... 1000000 rounds, found \(slashing.exclusionRounds)")
        guard slashing.isOn else { return }
        issues.check(fl.strategy.robust.kind != .none, "\(key).fraction",
                     "expected a robust defence (federation.strategy.robust.kind) whose rejections slashing punishes, found none")
    }

    private func checkPrivacy(_ fl: FederationConfig, into issues: inout Validator) {
        let privacy = fl.privacy, key = "federation.privacy"
        guard privacy.kind != .none else { return }
        issues.check(privacy.clip.isFinite && privacy.clip > 0, "\(key).clip", "expected a clipping norm > 0, found \(privacy.clip)")
        issues.check(privacy.noiseMultiplier.isFinite && privacy.noiseMultiplier > 0 && privacy.noiseMultiplier <= 1e4, "\(key).noise_multiplier",
                     "expected a noise multiplier > 0 and <= 1e4 (without noise there is no privacy to account), found \(privacy.noiseMultiplier)")
        issues.check(privacy.delta > 0 && privacy.delta < 1, "\(key).delta", "expected a delta strictly between 0 and 1, found \(privacy.delta)")
        issues.check(privacy.targetEpsilon.isFinite && privacy.targetEpsilon >= 0, "\(key).target_epsilon",
                     "expected an epsilon budget >= 0 (0: none), found \(privacy.targetEpsilon)")
        let kind = privacy.kind.rawValue
        if privacy.kind == .central {
            issues.check(fl.secureAggregation.protocol == .none, "\(key).kind",
                         "expected no secure aggregation with central privacy (the server adds the noise to the updates it sees; use kind distributed), found \(fl.secureAggregation.protocol.rawValue)")
        } else if let secure = fl.secureAggregation.settings {
            // The quantizer must hold a clipped coordinate (at most S) plus 4 sd of its noise share.
            let shares = max(secure.threshold(clients: fl.clientsPerRound), fl.minParticipants)
            let shareSD = privacy.noiseMultiplier * privacy.clip / Double(shares).squareRoot()
            let needed = privacy.clip + 4 * shareSD
            issues.check(secure.clip >= needed, "federation.secure_aggregation.clip",
                         "expected a range of at least \(needed) for distributed privacy (clip S \(privacy.clip) plus 4 sd of each client's noise share, \(shareSD)), found \(secure.clip)")
        } else {
            issues.check(false, "\(key).kind", "expected secure aggregation (federation.secure_aggregation.protocol) with distributed privacy: the clients' noise shares only hide the sum under masking, found none")
        }
        issues.check(fl.strategy.robust.kind == .none, "\(key).kind",
                     "expected no robust defence with \(kind) privacy (the noise is calibrated to a clipped sum, not to \(fl.strategy.robust.kind.rawValue)), found both")
        issues.check(fl.strategy.strategy.needsOnlyWeightedAverage, "\(key).kind",
                     "expected a strategy that aggregates an average with \(kind) privacy (\(fl.strategy.kind.rawValue) needs each update), found \(fl.strategy.kind.rawValue)")
        issues.check(fl.rewardSplit != .contribution, "\(key).kind",
                     "expected reward_split samples with \(kind) privacy (leave-one-out contributions would measure single updates), found contribution")
    }
}
