import NetworkModel
import SecureAggregation

/// A value outside its allowed range, by dotted key path.
public struct ValidationIssue: Equatable, Sendable {
    public var path: String
    public var message: String
}

extension FedChainConfig {
    /// Largest node count a run accepts (memory grows linearly with it).
    public static let maxNodes = 10_000_000

    /// Every value that parses but lies outside its range, in schema order. Empty when valid.
    public func validationIssues() -> [ValidationIssue] {
        var issues = Validator()
        issues.check(stop.blocks >= 0, "stop.blocks", "expected an integer >= 0, found \(stop.blocks)")
        issues.check(stop.timeS.isFinite && stop.timeS >= 0, "stop.time_s", "expected a number >= 0, found \(stop.timeS)")
        issues.check(stop.blocks > 0 || stop.timeS > 0 || stop.events > 0, "stop",
                     "expected at least one of blocks, time_s, events to be > 0, found none")
        issues.check((2...Self.maxNodes).contains(network.nodes), "network.nodes",
                     "expected an integer from 2 to \(Self.maxNodes), found \(network.nodes)")
        issues.check(!network.regions.isEmpty, "network.regions",
                     "expected \(RegionTable.builtIn.keys.sorted().joined(separator: ", ")) or a region file path, found nothing")
        issues.check(network.outboundPeers >= 1, "network.outbound_peers", "expected an integer >= 1, found \(network.outboundPeers)")
        issues.check(network.inboundCap >= 0, "network.inbound_cap", "expected an integer >= 0 (0: no cap), found \(network.inboundCap)")
        issues.nonNegative(network.latency.fixedMs, "network.latency.fixed_ms")
        issues.nonNegative(network.latency.sdFraction, "network.latency.sd_fraction")
        issues.nonNegative(network.processingMs, "network.processing_ms")
        issues.nonNegative(network.controlDelayMs, "network.control_delay_ms")
        let relay = network.relay
        issues.check((0...Int(Int32.max)).contains(relay.invBytes), "network.relay.inv_bytes", "expected an integer >= 0, found \(relay.invBytes)")
        issues.check((0...Int(Int32.max)).contains(relay.getdataBytes), "network.relay.getdata_bytes", "expected an integer >= 0, found \(relay.getdataBytes)")
        issues.probability(relay.compact.share, "network.relay.compact.share")
        issues.probability(relay.compact.failureRate, "network.relay.compact.failure_rate")
        issues.probability(relay.compact.churnShare, "network.relay.compact.churn_share")
        issues.probability(relay.compact.churnFailureRate, "network.relay.compact.churn_failure_rate")
        issues.check((0...Int(Int32.max)).contains(relay.compact.sizeBytes), "network.relay.compact.size_bytes",
                     "expected an integer >= 0, found \(relay.compact.sizeBytes)")
        issues.probability(relay.compact.missingFraction, "network.relay.compact.missing_fraction")
        issues.check(consensus.blockIntervalS.isFinite && consensus.blockIntervalS > 0 && consensus.blockIntervalS <= 1e9,
                     "consensus.block_interval_s", "expected a number > 0 and <= 1e9, found \(consensus.blockIntervalS)")
        issues.check((1...Int(Int32.max)).contains(consensus.blockSizeBytes), "consensus.block_size_bytes",
                     "expected an integer from 1 to \(Int32.max), found \(consensus.blockSizeBytes)")
        issues.check((1...Int(Int32.max)).contains(consensus.txSizeBytes), "consensus.tx_size_bytes",
                     "expected an integer from 1 to \(Int32.max), found \(consensus.txSizeBytes)")
        consensus.pow.hashRateThS.check(at: "consensus.pow.hash_rate_th_s", into: &issues)
        let pow = consensus.pow
        issues.check(pow.retargetBlocks >= 0, "consensus.pow.retarget_blocks", "expected an integer >= 0 (0: fixed difficulty), found \(pow.retargetBlocks)")
        issues.check(pow.retargetClamp.isFinite && pow.retargetClamp >= 1, "consensus.pow.retarget_clamp", "expected a number >= 1, found \(pow.retargetClamp)")
        issues.check(pow.poolsThS.count <= network.nodes, "consensus.pow.pools_th_s",
                     "expected at most network.nodes (\(network.nodes)) pools, found \(pow.poolsThS.count)")
        for (i, rate) in pow.poolsThS.enumerated() { issues.nonNegative(rate, "consensus.pow.pools_th_s.\(i)") }
        for (i, change) in pow.hashRateChanges.enumerated() {
            issues.nonNegative(change.atS, "consensus.pow.hash_rate_changes.\(i).at_s")
            issues.check(change.factor.isFinite && change.factor > 0, "consensus.pow.hash_rate_changes.\(i).factor",
                         "expected a number > 0, found \(change.factor)")
        }
        let pos = consensus.pos
        issues.check(pos.slotS.isFinite && pos.slotS >= 1e-6, "consensus.pos.slot_s", "expected a number >= 1e-6, found \(pos.slotS)")
        issues.check(pos.activeSlotCoefficient > 0 && pos.activeSlotCoefficient <= 1, "consensus.pos.active_slot_coefficient",
                     "expected a number in (0, 1], found \(pos.activeSlotCoefficient)")
        issues.check((1...10_000).contains(pos.slotsPerEpoch), "consensus.pos.slots_per_epoch",
                     "expected an integer from 1 to 10000, found \(pos.slotsPerEpoch)")
        pos.stake.check(at: "consensus.pos.stake", into: &issues)
        let hier = consensus.hierarchical
        issues.check(hier.clusters >= 1 && hier.clusters <= network.nodes, "consensus.hierarchical.clusters",
                     "expected an integer from 1 to network.nodes (\(network.nodes)), found \(hier.clusters)")
        issues.check(hier.representativesPerCluster >= 1, "consensus.hierarchical.representatives_per_cluster",
                     "expected an integer >= 1, found \(hier.representativesPerCluster)")
        issues.check(hier.electionPeriodBlocks >= 1, "consensus.hierarchical.election_period_blocks",
                     "expected an integer >= 1, found \(hier.electionPeriodBlocks)")
        let split = hier.rewardSplit
        for (key, value) in [("producer", split.producer), ("cluster", split.cluster), ("foundation", split.foundation)] {
            issues.probability(value, "consensus.hierarchical.reward_split.\(key)")
        }
        issues.check(abs(split.producer + split.cluster + split.foundation - 1) < 1e-9, "consensus.hierarchical.reward_split",
                     "expected shares that sum to 1, found \(split.producer + split.cluster + split.foundation)")
        hier.stake.check(at: "consensus.hierarchical.stake", into: &issues)
        issues.check(consensus.kind == .pow || adversary.kind == .none, "adversary.kind",
                     "expected none with consensus.kind \(consensus.kind.rawValue) (the attacks are PoW attacks), found \(adversary.kind.rawValue)")
        if adversary.kind != .none {
            issues.check(adversary.share > 0 && adversary.share < 1, "adversary.share",
                         "expected a number between 0 and 1 (exclusive) for an attack, found \(adversary.share)")
        } else {
            issues.check(adversary.share == 0, "adversary.share", "expected 0 when adversary.kind is none, found \(adversary.share)")
        }
        issues.probability(adversary.gamma, "adversary.gamma")
        issues.check((1...10).contains(adversary.confirmations), "adversary.confirmations",
                     "expected an integer from 1 to 10, found \(adversary.confirmations)")
        let fl = federation
        issues.check(fl.rounds >= 0, "federation.rounds", "expected an integer >= 0 (0: off), found \(fl.rounds)")
        if fl.rounds > 0 {
            issues.check(fl.clients >= 1 && fl.clients < network.nodes, "federation.clients",
                         "expected an integer from 1 to network.nodes - 1 (\(network.nodes - 1); node 0 aggregates), found \(fl.clients)")
            issues.check(fl.clientsPerRound >= 1 && fl.clientsPerRound <= fl.clients, "federation.clients_per_round",
                         "expected an integer from 1 to federation.clients (\(fl.clients)), found \(fl.clientsPerRound)")
        }
        issues.check(fl.dataset.kind != .hdf5 || !fl.dataset.path.isEmpty, "federation.dataset.path",
                     "expected a file path with dataset.kind hdf5, found nothing")
        issues.check(fl.dataset.dirichletAlpha.isFinite && fl.dataset.dirichletAlpha > 0, "federation.dataset.dirichlet_alpha",
                     "expected a number > 0, found \(fl.dataset.dirichletAlpha)")
        issues.check(fl.dataset.shardsPerClient >= 1, "federation.dataset.shards_per_client",
                     "expected an integer >= 1, found \(fl.dataset.shardsPerClient)")
        issues.nonNegative(fl.dataset.alpha, "federation.dataset.alpha")
        issues.nonNegative(fl.dataset.beta, "federation.dataset.beta")
        issues.check(fl.model.hidden >= 1, "federation.model.hidden", "expected an integer >= 1, found \(fl.model.hidden)")
        issues.nonNegative(fl.strategy.mu, "federation.strategy.mu")
        issues.check(fl.local.epochs >= 1, "federation.local.epochs", "expected an integer >= 1, found \(fl.local.epochs)")
        issues.check(fl.local.batchSize >= 1, "federation.local.batch_size", "expected an integer >= 1, found \(fl.local.batchSize)")
        issues.check(fl.local.learningRate.isFinite && fl.local.learningRate > 0, "federation.local.learning_rate",
                     "expected a number > 0, found \(fl.local.learningRate)")
        issues.probability(fl.stragglers, "federation.stragglers")
        issues.probability(fl.dropout, "federation.dropout")
        issues.check(fl.confirmations >= 1, "federation.confirmations", "expected an integer >= 1, found \(fl.confirmations)")
        issues.check(fl.minParticipants >= 1 && fl.minParticipants <= max(fl.clientsPerRound, 1), "federation.min_participants",
                     "expected an integer from 1 to clients_per_round (\(fl.clientsPerRound)), found \(fl.minParticipants)")
        fl.deviceGflops.check(at: "federation.device_gflops", into: &issues)
        issues.nonNegative(fl.rewardPerRound, "federation.reward_per_round")
        let secure = fl.secureAggregation
        issues.check(secure.threshold >= 0, "federation.secure_aggregation.threshold", "expected an integer >= 0 (0: automatic), found \(secure.threshold)")
        issues.check(secure.neighbours == 0 || secure.neighbours >= 2, "federation.secure_aggregation.neighbours",
                     "expected 0 (automatic) or an integer >= 2, found \(secure.neighbours)")
        issues.check(secure.clip.isFinite && secure.clip > 0, "federation.secure_aggregation.clip", "expected a number > 0, found \(secure.clip)")
        issues.check((1...32).contains(secure.bits), "federation.secure_aggregation.bits", "expected an integer from 1 to 32, found \(secure.bits)")
        issues.nonNegative(secure.timeoutS, "federation.secure_aggregation.timeout_s")
        for (key, value) in [("key_generation_us", secure.cost.keyGenerationUs), ("key_agreement_us", secure.cost.keyAgreementUs),
                             ("aead_message_us", secure.cost.aeadMessageUs), ("field_multiplication_ns", secure.cost.fieldMultiplicationNs)] {
            issues.nonNegative(value, "federation.secure_aggregation.cost.\(key)")
        }
        issues.check(secure.cost.prgGbS.isFinite && secure.cost.prgGbS > 0, "federation.secure_aggregation.cost.prg_gb_s",
                     "expected a number > 0, found \(secure.cost.prgGbS)")
        if let settings = secure.settings, secure.threshold > 0 && fl.rounds > 0 {
            let degree = settings.degree(clients: fl.clientsPerRound)
            issues.check(secure.threshold <= degree, "federation.secure_aggregation.threshold",
                         "expected at most the \(degree) neighbours each of clients_per_round clients has, found \(secure.threshold)")
        }
        issues.check(secure.protocol == .none || fl.rewardSplit == .samples, "federation.reward_split",
                     "expected samples with secure aggregation (contributions need the individual updates it hides), found contribution")
        issues.check(fl.committeeSize >= 1 && fl.committeeSize <= network.nodes, "federation.committee_size",
                     "expected an integer from 1 to network.nodes (\(network.nodes)), found \(fl.committeeSize)")
        issues.nonNegative(energy.efficiencyJPerTh, "energy.efficiency_j_per_th")
        issues.check(energy.pue.isFinite && energy.pue >= 1, "energy.pue", "expected a number >= 1, found \(energy.pue)")
        for (role, watts) in zip(["full_node", "miner", "validator", "representative", "idle"], energy.baselineW.byRole) {
            issues.nonNegative(watts, "energy.baseline_w.\(role)")
        }
        issues.nonNegative(energy.networkJPerByte, "energy.network_j_per_byte")
        return issues.found
    }
}

extension DistributionConfig {
    /// Range checks of a per-node distribution.
    func check(at path: String, into issues: inout Validator) {
        let numbers = [("mean", mean), ("sd", sd), ("min", min), ("max", max)]
        for (key, value) in numbers { issues.check(value.isFinite, "\(path).\(key)", "expected a finite number, found \(value)") }
        issues.check(min >= 0, "\(path).min", "expected a number >= 0, found \(min)")
        issues.check(max >= 0, "\(path).max", "expected a number >= 0 (0: no upper bound), found \(max)")
        switch distribution {
        case .constant:
            issues.check(mean >= 0, "\(path).mean", "expected a number >= 0, found \(mean)")
        case .exponential:
            issues.check(mean > 0, "\(path).mean", "expected a number > 0, found \(mean)")
        case .normal:
            issues.check(mean > 0, "\(path).mean", "expected a number > 0, found \(mean)")
            issues.check(sd >= 0, "\(path).sd", "expected a number >= 0, found \(sd)")
        case .uniform:
            issues.check(max > min, "\(path).max", "expected a number > min (\(min)) for a uniform distribution, found \(max)")
        }
        if distribution != .uniform && max > 0 {
            issues.check(max >= min, "\(path).max", "expected a number >= min (\(min)), found \(max)")
        }
    }
}

/// Collects issues in order.
struct Validator {
    private(set) var found: [ValidationIssue] = []
    mutating func check(_ condition: Bool, _ path: String, _ message: @autoclosure () -> String) {
        if !condition { found.append(ValidationIssue(path: path, message: message())) }
    }

    mutating func nonNegative(_ value: Double, _ path: String) {
        check(value.isFinite && value >= 0, path, "expected a number >= 0, found \(value)")
    }

    mutating func probability(_ value: Double, _ path: String) {
        check(value.isFinite && value >= 0 && value <= 1, path, "expected a number from 0 to 1, found \(value)")
    }
}
