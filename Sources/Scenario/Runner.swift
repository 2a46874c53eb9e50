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
    public var blocks: Int
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
    /// Events handled between two progress reports.
    public static let progressSlice: UInt64 = 2_000_000

    /// Runs `setup`; `progress` (if any) is called between slices of events, which does not
    /// change the result. Throws `World.BuildError` when the world cannot be built as configured.
    public static func run(_ setup: RunSetup, progress: ((RunProgress) -> Void)? = nil) throws -> RunOutcome {
        var outcome: RunOutcome
        switch setup.config.consensus.kind {
        case .pow: outcome = try runWithFederation(World.proofOfWork(setup), setup, progress)
        case .pos: outcome = try runWithFederation(World.proofOfStake(setup), setup, progress)
        case .hierarchical: outcome = try runWithFederation(World.hierarchical(setup), setup, progress)
        }
        outcome.record.setRootAttribute("inputs_sha256", .string(setup.inputDigestText))
        return outcome
    }

    /// Runs `base` alone, or wrapped with the federated workload when `federation.rounds` > 0.
    private static func runWithFederation<Base: ConsensusProtocol>(_ base: Base, _ setup: RunSetup,
                                                                   _ progress: ((RunProgress) -> Void)?) throws -> RunOutcome {
        let config = setup.config
        guard config.federation.rounds > 0 else {
            var model = base
            return execute(&model, config, progress) { _, _ in }
        }
        var model = try World.federated(base, setup)
        return execute(&model, config, progress) { model, record in FederationReport(model: model).write(into: &record) }
    }

    /// Runs one built model to its stop condition and writes its record.
    private static func execute<Model: ConsensusProtocol>(_ model: inout Model, _ config: FedChainConfig,
                                                          _ progress: ((RunProgress) -> Void)?,
                                                          extraTables: (Model, inout RunRecord) -> Void) -> RunOutcome {
        var scheduler = Scheduler(expectedPendingEvents: config.network.nodes * 4)
        model.start(scheduler: &scheduler)
        let maxTime = config.stop.timeS > 0 ? SimTime.zero + SimDuration(seconds: config.stop.timeS) : nil
        let maxEvents = config.stop.events > 0 ? config.stop.events : UInt64.max
        var reason: StopReason
        repeat {
            let sliceEnd = min(maxEvents, scheduler.eventsProcessed &+ progressSlice)
            reason = scheduler.run(&model, until: StopCondition(maxTime: maxTime, maxEvents: sliceEnd))
            progress?(RunProgress(simTime: scheduler.now, events: scheduler.eventsProcessed, blocks: model.chain.tree.count - 1))
        } while reason == .eventLimit && scheduler.eventsProcessed < maxEvents

        var record = RunRecord()
        record.setRootAttribute("schema_version", .int(RunRecord.schemaVersion))
        record.setRootAttribute("fedchain_version", .string(FedChainVersion.current))
        record.setRootAttribute("seed", .int(Int64(bitPattern: config.seed)))
        record.setRootAttribute("config", .string(ConfigLoader.yaml(config)))
        record.setRootAttribute("stop_reason", .string(reason.rawValue))
        record.setSummary("sim_time_s", .double(scheduler.now.seconds))
        record.setSummary("events_processed", .int(Int64(clamping: scheduler.eventsProcessed)))
        let report = ChainReport(model: model, simTime: scheduler.now)
        report.write(into: &record)
        EnergyReport(chain: model.chain, simTime: scheduler.now, mainChain: report.mainChain, blockWorkJ: model.blockWorkJ,
                     workloadBytesSent: model.workloadBytesSent()).write(into: &record)
        if let pow = model as? NakamotoPoW ?? (model as? FederatedChain<NakamotoPoW>)?.base {
            AdversaryReport(model: pow).write(into: &record)
        }
        NetworkReport(relay: model.chain.relay).write(into: &record)
        extraTables(model, &record)
        return RunOutcome(record: record, stopReason: reason, eventsProcessed: scheduler.eventsProcessed, simTime: scheduler.now)
    }
}
