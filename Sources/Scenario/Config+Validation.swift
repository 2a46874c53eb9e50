import NetworkModel
import SecureAggregation
import SimKernel

/// A value outside its allowed range, by dotted key path.
public struct ValidationIssue: Equatable, Sendable {
    public var path: String
    public var message: String
}

extension FedChainConfig {
    /// Largest node count a run accepts (memory grows linearly with it).
    public static let maxNodes = 10_000_000
    /// Largest value of a per-node rate, stake or reward: a sum over `maxNodes` nodes stays finite
    /// and exact enough to draw from.
    public static let maxMagnitude = 1e12
    /// Shortest mean block interval, in seconds.
    public static let minBlockIntervalS = 1e-6

    /// Every value that parses but lies outside its range, in schema order. Empty when valid.
    public func validationIssues() -> [ValidationIssue] {
        var issues = Validator()
        issues.check(stop.blocks >= 0, "stop.blocks", "expected an integer >= 0, found \(stop.blocks)")
        checkWorkload(into: &issues)
        checkComputeMarket(into: &issues)
        checkDataMarket(into: &issues)
        issues.seconds(stop.timeS, "stop.time_s", allowZero: true)
        issues.check(stop.blocks > 0 || stop.timeS > 0 || stop.events > 0, "stop",
                     "expected at least one of blocks, time_s, events to be > 0, found none")
        issues.check((2...Self.maxNodes).contains(network.nodes), "network.nodes",
                     "expected an integer from 2 to \(Self.maxNodes), found \(network.nodes)")
        issues.check(!network.regions.isEmpty, "network.regions",
                     "expected \(RegionTable.builtIn.keys.sorted().joined(separator: ", ")) or a region file path, found nothing")
        issues.check((1...10_000).contains(network.outboundPeers), "network.outbound_peers",
                     "expected an integer from 1 to 10000, found \(network.outboundPeers)")
        issues.check((0...Self.maxNodes).contains(network.inboundCap), "network.inbound_cap",
                     "expected an integer from 0 (no cap) to \(Self.maxNodes), found \(network.inboundCap)")
        issues.milliseconds(network.latency.fixedMs, "network.latency.fixed_ms")
        issues.bounded(network.latency.sdFraction, "network.latency.sd_fraction", 0...100)
        issues.milliseconds(network.processingMs, "network.processing_ms")
        issues.milliseconds(network.controlDelayMs, "network.control_delay_ms")
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
        // Shorter intervals put many blocks on one nanosecond and simulated time stands still.
        issues.bounded(consensus.blockIntervalS, "consensus.block_interval_s", Self.minBlockIntervalS...1e9)
        issues.check((1...Int(Int32.max)).contains(consensus.blockSizeBytes), "consensus.block_size_bytes",
                     "expected an integer from 1 to \(Int32.max), found \(consensus.blockSizeBytes)")
        issues.check((1...Int(Int32.max)).contains(consensus.txSizeBytes), "consensus.tx_size_bytes",
                     "expected an integer from 1 to \(Int32.max), found \(consensus.txSizeBytes)")
        let usesPoW = consensus.kind == .pow || consensus.kind == .hierarchical
        consensus.pow.hashRateThS.check(at: "consensus.pow.hash_rate_th_s", requirePositive: usesPoW && consensus.pow.poolsThS.isEmpty, into: &issues)
        let pow = consensus.pow
        issues.check(pow.retargetBlocks >= 0, "consensus.pow.retarget_blocks", "expected an integer >= 0 (0: fixed difficulty), found \(pow.retargetBlocks)")
        issues.bounded(pow.retargetClamp, "consensus.pow.retarget_clamp", 1...1e6)
        issues.check(!usesPoW || pow.poolsThS.count <= network.nodes, "consensus.pow.pools_th_s",
                     "expected at most network.nodes (\(network.nodes)) pools, found \(pow.poolsThS.count)")
        for (i, rate) in pow.poolsThS.enumerated() { issues.bounded(rate, "consensus.pow.pools_th_s.\(i)", 0...Self.maxMagnitude) }
        issues.check(!usesPoW || pow.poolsThS.isEmpty || pow.poolsThS.contains { $0 > 0 }, "consensus.pow.pools_th_s",
                     "expected at least one pool with hash rate > 0")
        for (i, change) in pow.hashRateChanges.enumerated() {
            issues.seconds(change.atS, "consensus.pow.hash_rate_changes.\(i).at_s", allowZero: true)
            issues.bounded(change.factor, "consensus.pow.hash_rate_changes.\(i).factor", 1e-6...1e6)
        }
        let pos = consensus.pos
        issues.bounded(pos.slotS, "consensus.pos.slot_s", 1e-6...1e9)
        issues.check(pos.activeSlotCoefficient > 0 && pos.activeSlotCoefficient <= 1, "consensus.pos.active_slot_coefficient",
                     "expected a number in (0, 1], found \(pos.activeSlotCoefficient)")
        issues.check((1...10_000).contains(pos.slotsPerEpoch), "consensus.pos.slots_per_epoch",
                     "expected an integer from 1 to 10000, found \(pos.slotsPerEpoch)")
        pos.stake.check(at: "consensus.pos.stake", requirePositive: consensus.kind == .pos, into: &issues)
        let hier = consensus.hierarchical
        // Checked against the node count only when the run uses them: `--set network.nodes=2`
        // must not fail on the defaults of a consensus it does not run.
        let hierarchical = consensus.kind == .hierarchical
        issues.check(hier.clusters >= 1 && (!hierarchical || hier.clusters <= network.nodes), "consensus.hierarchical.clusters",
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
        hier.stake.check(at: "consensus.hierarchical.stake", requirePositive: hierarchical, into: &issues)
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
        issues.check(fl.dataset.shardsPerClient >= 1, "federation.dataset.shards_per_client",
                     "expected an integer >= 1, found \(fl.dataset.shardsPerClient)")
        issues.check(fl.dataset.labelsPerClient >= 1, "federation.dataset.labels_per_client",
                     "expected an integer >= 1, found \(fl.dataset.labelsPerClient)")
        let trainer = fl.trainer
        if trainer.kind == .python {
            issues.check(!trainer.module.isEmpty, "federation.trainer.module", "expected the path of a Python module (.py) with trainer.kind python, found nothing")
            issues.check(fl.dataset.kind == .hdf5 || fl.dataset.kind == .fashionMnist, "federation.dataset.kind",
                         "expected hdf5 or fashion_mnist with trainer.kind python (the client reads the data itself; synthetic data exist only inside the simulator), found \(fl.dataset.kind.rawValue)")
        }
        issues.check((0...1024).contains(trainer.workers), "federation.trainer.workers", "expected an integer from 0 (one per core) to 1024, found \(trainer.workers)")
        issues.check(!trainer.python.isEmpty, "federation.trainer.python", "expected an interpreter name or path, found nothing")
        issues.bounded(trainer.flopsPerExample, "federation.trainer.flops_per_example", 0...Self.maxMagnitude)
        issues.check(trainer.evalClients >= 0 && trainer.evalClients <= max(fl.clients, 1), "federation.trainer.eval_clients",
                     "expected an integer from 0 (all) to federation.clients (\(fl.clients)), found \(trainer.evalClients)")
        issues.seconds(trainer.timeoutS, "federation.trainer.timeout_s", allowZero: false)
        issues.bounded(fl.dataset.dirichletAlpha, "federation.dataset.dirichlet_alpha", 1e-6...1e6)
        issues.bounded(fl.dataset.alpha, "federation.dataset.alpha", 0...1e6)
        issues.bounded(fl.dataset.beta, "federation.dataset.beta", 0...1e6)
        issues.check((1...1_000_000).contains(fl.model.hidden), "federation.model.hidden", "expected an integer from 1 to 1000000, found \(fl.model.hidden)")
        issues.bounded(fl.strategy.mu, "federation.strategy.mu", 0...1e6)
        checkLearning(fl, into: &issues)
        checkTrust(fl, into: &issues)
        issues.check((1...10_000).contains(fl.local.epochs), "federation.local.epochs", "expected an integer from 1 to 10000, found \(fl.local.epochs)")
        issues.check(fl.local.batchSize >= 1, "federation.local.batch_size", "expected an integer >= 1, found \(fl.local.batchSize)")
        issues.check(fl.local.learningRate.isFinite && fl.local.learningRate > 0 && fl.local.learningRate <= 1e6, "federation.local.learning_rate",
                     "expected a number > 0 and <= 1e6, found \(fl.local.learningRate)")
        issues.probability(fl.stragglers, "federation.stragglers")
        issues.probability(fl.dropout, "federation.dropout")
        issues.check(fl.confirmations >= 1, "federation.confirmations", "expected an integer >= 1, found \(fl.confirmations)")
        issues.check(fl.minParticipants >= 1 && fl.minParticipants <= max(fl.clientsPerRound, 1), "federation.min_participants",
                     "expected an integer from 1 to clients_per_round (\(fl.clientsPerRound)), found \(fl.minParticipants)")
        fl.deviceGflops.check(at: "federation.device_gflops", into: &issues)
        issues.bounded(fl.rewardPerRound, "federation.reward_per_round", 0...Self.maxMagnitude)
        issues.bounded(fl.recordFee, "federation.record_fee", 0...Self.maxMagnitude)
        issues.bounded(fl.targetAccuracy, "federation.target_accuracy", 0...1)
        issues.probability(fl.rentShare, "federation.rent_share")
        issues.check(fl.rentShare == 0 || workload.computeMarket.isOn, "federation.rent_share",
                     "clients that rent compute need a compute market (workload.compute_market.providers > 0)")
        issues.check(fl.recordFee == 0 || workload.transactions.isOn, "federation.record_fee",
                     "a record fee needs a transaction workload to compete in (workload.transactions.rate_per_s > 0 or a trace); 0 lets the record ride free")
        let secure = fl.secureAggregation
        issues.check(secure.threshold >= 0, "federation.secure_aggregation.threshold", "expected an integer >= 0 (0: automatic), found \(secure.threshold)")
        issues.check(secure.neighbours == 0 || secure.neighbours >= 2, "federation.secure_aggregation.neighbours",
                     "expected 0 (automatic) or an integer >= 2, found \(secure.neighbours)")
        issues.bounded(secure.clip, "federation.secure_aggregation.clip", Quantizer.clipRange)
        issues.check((1...32).contains(secure.bits), "federation.secure_aggregation.bits", "expected an integer from 1 to 32, found \(secure.bits)")
        issues.seconds(secure.timeoutS, "federation.secure_aggregation.timeout_s", allowZero: true)
        for (key, value) in [("key_generation_us", secure.cost.keyGenerationUs), ("key_agreement_us", secure.cost.keyAgreementUs),
                             ("aead_message_us", secure.cost.aeadMessageUs), ("field_multiplication_ns", secure.cost.fieldMultiplicationNs)] {
            issues.bounded(value, "federation.secure_aggregation.cost.\(key)", 0...1e9)
        }
        issues.bounded(secure.cost.prgGbS, "federation.secure_aggregation.cost.prg_gb_s", 1e-6...1e6)
        if let settings = secure.settings, secure.threshold > 0 && fl.rounds > 0 {
            let degree = settings.degree(clients: fl.clientsPerRound)
            issues.check(secure.threshold <= degree, "federation.secure_aggregation.threshold",
                         "expected at most the \(degree) neighbours each of clients_per_round clients has, found \(secure.threshold)")
        }
        issues.check(secure.protocol == .none || fl.rewardSplit == .samples, "federation.reward_split",
                     "expected samples with secure aggregation (contributions need the individual updates it hides), found contribution")
        issues.check(fl.committeeSize >= 1 && (fl.rounds == 0 || fl.committeeSize <= network.nodes), "federation.committee_size",
                     "expected an integer from 1 to network.nodes (\(network.nodes)), found \(fl.committeeSize)")
        issues.bounded(energy.efficiencyJPerTh, "energy.efficiency_j_per_th", 0...1e9)
        issues.bounded(energy.pue, "energy.pue", 1...100)
        for (role, watts) in zip(["full_node", "miner", "validator", "representative", "idle"], energy.baselineW.byRole) {
            issues.bounded(watts, "energy.baseline_w.\(role)", 0...1e9)
        }
        issues.bounded(energy.networkJPerByte, "energy.network_j_per_byte", 0...1e3)
        issues.check(output.receiveTimesNodes >= 0 && output.receiveTimesNodes <= network.nodes, "output.receive_times_nodes",
                     "expected an integer from 0 to network.nodes (\(network.nodes)), found \(output.receiveTimesNodes)")
        return issues.found
    }
}

extension DistributionConfig {
    /// Range checks of a per-node distribution.
    /// `requirePositive`: some node must draw a value > 0 (stakes and hash rates that produce blocks).
    func check(at path: String, requirePositive: Bool = false, into issues: inout Validator) {
        let numbers = [("mean", mean), ("sd", sd), ("min", min), ("max", max)]
        let limit = FedChainConfig.maxMagnitude
        for (key, value) in numbers {
            issues.bounded(value, "\(path).\(key)", -limit...limit)
        }
        issues.check(min >= 0, "\(path).min", "expected a number >= 0, found \(min)")
        issues.check(max >= 0, "\(path).max", "expected a number >= 0 (0: no upper bound), found \(max)")
        switch distribution {
        case .constant:
            issues.check(mean >= 0, "\(path).mean", "expected a number >= 0, found \(mean)")
            issues.check(!requirePositive || mean > 0, "\(path).mean",
                         "expected a number > 0: a constant 0 gives every node nothing, and the run needs someone to produce blocks")
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

    /// A number in `range` (finite by construction).
    mutating func bounded(_ value: Double, _ path: String, _ range: ClosedRange<Double>) {
        check(range.contains(value), path, "expected a number from \(Self.text(range.lowerBound)) to \(Self.text(range.upperBound)), found \(Self.text(value))")
    }

    /// A time in seconds that the simulation clock (integer nanoseconds) can hold: 0 where
    /// allowed, else from one nanosecond to `SimDuration.maxSeconds`.
    mutating func seconds(_ value: Double, _ path: String, allowZero: Bool) {
        let range = SimDuration.minSeconds...SimDuration.maxSeconds
        check(range.contains(value) || (allowZero && value == 0), path,
              "expected \(allowZero ? "0 or " : "")a time from \(Self.text(range.lowerBound)) to \(Self.text(range.upperBound)) s, found \(Self.text(value))")
    }

    /// A delay in milliseconds, 0 or representable in nanoseconds.
    mutating func milliseconds(_ value: Double, _ path: String) {
        let range = SimDuration.minSeconds * 1e3...SimDuration.maxSeconds * 1e3
        check(range.contains(value) || value == 0, path,
              "expected 0 or a delay from \(Self.text(range.lowerBound)) to \(Self.text(range.upperBound)) ms, found \(Self.text(value))")
    }

    /// A number as a person writes it in YAML: 600, 0.5, 1e-09, 1e+12.
    static func text(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        return String(format: "%g", value)
    }

    mutating func probability(_ value: Double, _ path: String) {
        check(value.isFinite && value >= 0 && value <= 1, path, "expected a number from 0 to 1, found \(value)")
    }
}
