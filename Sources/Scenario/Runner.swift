import Consensus
import Federation
import Metrics
import SimKernel

/// The version written into every output file.
public enum FedChainVersion {
    public static let current = "0.1.0"
}

/// How far a run has got, reported between slices of events.
public struct RunProgress: Sendable {
    public var simTime: SimTime
    public var events: UInt64
    /// Blocks produced so far, and the `stop.blocks` target (0: none).
    public var blocks: Int
    public var blocksTarget: Int
    /// The `stop.time_s` target in seconds (0: none).
    public var timeTargetS: Double
    /// Federated rounds confirmed so far and configured (0: no federated learning), and the
    /// test accuracy of the last confirmed round.
    public var flRounds: Int
    public var flRoundsTarget: Int
    public var lastAccuracy: Double?
    /// How far the run is, from 0 to 1, by the stop condition (or round count) nearest to done.
    public var fractionDone: Double
}

/// The result of one run: what goes into the file, and the counts the CLI reports.
public struct RunOutcome: Sendable {
    /// Everything the run writes.
    public var record: RunRecord
    /// Why the run ended.
    public var stopReason: StopReason
    /// Events handled.
    public var eventsProcessed: UInt64
    /// Simulated time at the end.
    public var simTime: SimTime
}

/// Runs one configured simulation from start to finish.
public enum Runner {
    /// Events handled between two progress reports: small, so that a run whose events are
    /// few and costly (federated rounds) still reports often; the caller throttles by wall time.
    public static let progressSlice: UInt64 = 100

    /// Runs `setup`; `progress` (if any) is called between slices of events, which does not
    /// change the result. Throws `World.BuildError` when the world cannot be built as configured.
    public static func run(_ setup: RunSetup, progress: ((RunProgress) -> Void)? = nil) throws -> RunOutcome {
        var outcome: RunOutcome
        switch setup.config.consensus.kind {
        case .pow: outcome = try runWithMarket(World.proofOfWork(setup), setup, progress)
        case .pos: outcome = try runWithMarket(World.proofOfStake(setup), setup, progress)
        case .hierarchical: outcome = try runWithMarket(World.hierarchical(setup), setup, progress)
        }
        outcome.record.setRootAttribute("inputs_sha256", .string(setup.inputDigestText))
        return outcome
    }

    /// Runs `base`, wrapped with the compute market when `workload.compute_market` is on.
    private static func runWithMarket<Base: ConsensusProtocol>(_ base: Base, _ setup: RunSetup,
                                                               _ progress: ((RunProgress) -> Void)?) throws -> RunOutcome {
        guard setup.config.workload.computeMarket.isOn else { return try runWithFederation(base, setup, progress) { _, _, _ in } }
        return try runWithFederation(World.computeMarket(base, setup), setup, progress) { market, time, record in
            MarketReport.write(market, simTime: time, into: &record)
        }
    }

    /// Runs `base` alone, or wrapped with the federated workload when `federation.rounds` > 0;
    /// `baseTables` writes the tables of `base` itself at the end.
    private static func runWithFederation<Base: ConsensusProtocol>(_ base: Base, _ setup: RunSetup, _ progress: ((RunProgress) -> Void)?,
                                                                   baseTables: @escaping (Base, SimTime, inout RunRecord) -> Void) throws -> RunOutcome {
        let config = setup.config
        guard config.federation.rounds > 0 else {
            var model = base
            return try execute(&model, config, progress, learning: { _ in (0, nil) }, failure: { _ in nil }, extraTables: baseTables)
        }
        var model = try World.federated(base, setup)
        defer { model.learning.trainer.close() }
        return try execute(&model, config, progress, learning: { ($0.rounds.count, $0.rounds.last?.record.testAccuracy) },
                           failure: { $0.failure }) { model, time, record in
            FederationReport(model: model).write(into: &record)
            baseTables(model.base, time, &record)
        }
    }

    /// Runs one built model to its stop condition and writes its record. `learning` reports
    /// the confirmed rounds and the last accuracy, for progress; `failure` a failure that ends
    /// the run with an error (nothing is written).
    private static func execute<Model: ConsensusProtocol>(_ model: inout Model, _ config: FedChainConfig,
                                                          _ progress: ((RunProgress) -> Void)?,
                                                          learning: (Model) -> (rounds: Int, accuracy: Double?),
                                                          failure: (Model) -> (any Error)?,
                                                          extraTables: (Model, SimTime, inout RunRecord) -> Void) throws -> RunOutcome {
        var scheduler = Scheduler()
        model.start(scheduler: &scheduler)
        let maxTime = config.stop.timeS > 0 ? SimTime.zero + SimDuration(seconds: config.stop.timeS) : nil
        let maxEvents = config.stop.events > 0 ? config.stop.events : UInt64.max
        var reason: StopReason
        repeat {
            let sliceEnd = min(maxEvents, scheduler.eventsProcessed &+ progressSlice)
            reason = scheduler.run(&model, until: StopCondition(maxTime: maxTime, maxEvents: sliceEnd))
            if let error = failure(model) { throw error }
            if let progress {
                let fl = learning(model), blocks = model.chain.tree.count - 1, stop = config.stop
                var fractions: [Double] = []
                if stop.blocks > 0 { fractions.append(Double(blocks) / Double(stop.blocks)) }
                if stop.timeS > 0 { fractions.append(scheduler.now.seconds / stop.timeS) }
                if stop.events > 0 { fractions.append(Double(scheduler.eventsProcessed) / Double(stop.events)) }
                if config.federation.rounds > 0 { fractions.append(Double(fl.rounds) / Double(config.federation.rounds)) }
                progress(RunProgress(simTime: scheduler.now, events: scheduler.eventsProcessed, blocks: blocks, blocksTarget: stop.blocks,
                                     timeTargetS: stop.timeS, flRounds: fl.rounds, flRoundsTarget: config.federation.rounds,
                                     lastAccuracy: fl.accuracy, fractionDone: min(1, max(0, fractions.max() ?? 0))))
            }
        } while reason == .eventLimit && scheduler.eventsProcessed < maxEvents

        var record = RunRecord()
        record.setRootAttribute("schema_version", .int(RunRecord.schemaVersion))
        record.setRootAttribute("fedchain_version", .string(FedChainVersion.current))
        record.setRootAttribute("seed", .int(Int64(bitPattern: config.seed)))
        record.setRootAttribute("config", .string(ConfigLoader.yaml(config.withoutExecutionSettings)))
        record.setRootAttribute("stop_reason", .string(reason.rawValue))
        record.setSummary("sim_time_s", .double(scheduler.now.seconds))
        record.setSummary("events_processed", .int(Int64(clamping: scheduler.eventsProcessed)))
        let report = ChainReport(model: model, simTime: scheduler.now)
        report.write(into: &record)
        TransactionReport.write(model.chain, mainChain: report.mainChain, simTime: scheduler.now, sample: config.output.txSample, into: &record)
        EnergyReport(chain: model.chain, simTime: scheduler.now, mainChain: report.mainChain, blockWorkJ: model.blockWorkJ,
                     workloadBytesSent: model.workloadBytesSent()).write(into: &record)
        if let pow = model as? NakamotoPoW ?? (model as? FederatedChain<NakamotoPoW>)?.base {
            AdversaryReport(model: pow).write(into: &record)
        }
        NetworkReport(relay: model.chain.relay).write(into: &record)
        extraTables(model, scheduler.now, &record)
        return RunOutcome(record: record, stopReason: reason, eventsProcessed: scheduler.eventsProcessed, simTime: scheduler.now)
    }
}
