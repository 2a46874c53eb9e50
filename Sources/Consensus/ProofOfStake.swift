#if canImport(Glibc)
import Glibc
#endif
import Ledger
import NetworkModel
import SimKernel

/// Which proof-of-stake design.
public enum PoSMode: String, Sendable, CaseIterable {
    /// Ouroboros Praos: every stakeholder runs a private lottery each slot.
    case praos
    /// Ethereum (Gasper): one stake-weighted proposer per slot, committees attest, finality by
    /// two justified epochs.
    case ethereum
}

/// Parameters of proof of stake.
public struct PoSParameters: Sendable, Equatable {
    public var mode: PoSMode
    /// Slot length (Praos mainnet 1 s, Ethereum 12 s).
    public var slot: SimDuration
    /// Praos active slot coefficient f: the chance that a slot has at least one leader.
    public var activeSlotCoefficient: Double
    /// Ethereum: slots per epoch (32).
    public var slotsPerEpoch: Int
    /// Size of every block, bytes.
    public var blockSizeBytes: Int
    /// Mean transaction size, bytes.
    public var txSizeBytes: Int
    /// Block production stops once a block of this height exists. Nil: no limit.
    public var targetHeight: Int?

    /// Creates PoS parameters.
    public init(mode: PoSMode, slot: SimDuration, activeSlotCoefficient: Double, slotsPerEpoch: Int, blockSizeBytes: Int,
                txSizeBytes: Int, targetHeight: Int?) {
        self.mode = mode
        self.slot = slot
        self.activeSlotCoefficient = activeSlotCoefficient
        self.slotsPerEpoch = slotsPerEpoch
        self.blockSizeBytes = blockSizeBytes
        self.txSizeBytes = txSizeBytes
        self.targetHeight = targetHeight
    }
}

/// Proof of stake, in the mode its parameters name.
///
/// **Praos.** A stakeholder with relative stake a leads each slot with probability
/// 1 - (1 - f)^a, independently of the others; a slot can have several leaders (a fork) or none
/// (empty, probability 1 - f whatever the stake distribution). Each node's next leader slot is
/// drawn as a geometric gap, so only one pending event per node is needed.
///
/// **Ethereum.** Each slot one proposer, drawn by stake, builds on its head. Every validator
/// attests once per epoch, a third into its committee's slot, for the epoch's checkpoint on its
/// head chain (see `ProofOfStake+Finality.swift`).
///
/// Fork choice in both: the longest chain, first seen among equals (Ethereum's LMD-GHOST
/// weighs attestations; on an honest network it follows the same chain).
public struct ProofOfStake: ConsensusProtocol {
    public private(set) var chain: ChainState
    /// Stake of each node.
    public let stake: [Double]
    /// The protocol's parameters.
    public let parameters: PoSParameters
    /// Slots in which each node led (Praos) or proposed (Ethereum).
    public private(set) var leaderSlots: [Int]
    /// Slots that had at least one leader.
    public private(set) var slotsWithLeader = 0
    /// Last slot before block production stopped (nil while it goes on).
    public private(set) var lastSlot: Int?

    var finality: FinalityTracker
    private var lastLeaderSlot = -1
    private let leaderProbability: [Double]
    private let proposer: WeightedChoice
    private let lottery: RandomStream
    let committees: RandomStream

    /// Creates the model; `streams` supplies `pos.lottery`, `pos.committee` (and the relay's).
    public init(network: Network, relay: RelayParameters, stake: [Double], pos: PoSParameters, energy: EnergyParameters = .none,
                streams: RandomStreams) {
        precondition(stake.count == network.nodeCount, "one stake per node")
        self.stake = stake
        self.parameters = pos
        self.chain = ChainState(network: network, relay: relay, energy: energy, blockSizeBytes: pos.blockSizeBytes,
                                txSizeBytes: pos.txSizeBytes, streams: streams)
        let total = stake.reduce(0, +)
        self.leaderProbability = stake.map { 1 - pow1p(-pos.activeSlotCoefficient, $0 / total) }
        self.proposer = WeightedChoice(weights: stake)
        self.lottery = streams.stream("pos.lottery")
        self.committees = streams.stream("pos.committee")
        self.leaderSlots = [Int](repeating: 0, count: network.nodeCount)
        self.finality = FinalityTracker(totalStake: total)
        for node in stake.indices {
            chain.energy.set(node, role: stake[node] > 0 ? .validator : .fullNode, hashingW: 0, parameters: energy, at: .zero)
        }
    }

    /// Slots that elapsed, up to the end of block production or `time`.
    public func slotsObserved(at time: SimTime) -> Int {
        lastSlot.map { $0 + 1 } ?? Int(time.nanoseconds / parameters.slot.nanoseconds) + 1
    }

    public func nodeColumns() -> [(name: String, values: [Double])] {
        [("stake", stake), ("leader_slots", leaderSlots.map(Double.init))]
    }

    public func summary(at time: SimTime) -> [(key: String, value: Double)] {
        let slots = slotsObserved(at: time)
        var keys: [(key: String, value: Double)] = [("empty_slot_rate", Double(slots - slotsWithLeader) / Double(slots)), ("slots", Double(slots))]
        if parameters.mode == .ethereum {
            keys.append(("finality_latency_mean_s", finality.meanLatencySeconds(chain.tree)))
            keys.append(("epochs_justified", Double(finality.justifiedEpochs)))
            keys.append(("blocks_finalized", Double(finality.finalizedCount)))
        }
        return keys
    }

    public mutating func stopProducing() {
        if lastSlot == nil { lastSlot = max(lastLeaderSlot, 0) }
    }

    /// Producing a PoS block costs no hashing.
    public func blockWorkJ(_ block: BlockID) -> Double { 0 }

    public mutating func start(scheduler: inout Scheduler) {
        switch parameters.mode {
        case .praos:
            for node in stake.indices { scheduleNextLead(node, after: -1, &scheduler) }
        case .ethereum:
            scheduler.schedule(at: .zero, target: 0, kind: ConsensusEventKind.slotBegins, payload: 0)
        }
    }

    public mutating func handle(_ event: Event, scheduler: inout Scheduler) -> Bool {
        switch event.kind {
        case ConsensusEventKind.slotLeader:
            guard lastSlot == nil else { return false }
            lead(Int(event.target), slot: Int(event.payload), &scheduler)
            scheduleNextLead(Int(event.target), after: Int(event.payload), &scheduler)
        case ConsensusEventKind.slotBegins:
            guard lastSlot == nil else { return false }
            let slot = Int(event.payload)
            if slot % parameters.slotsPerEpoch == 0 { startEpoch(slot / parameters.slotsPerEpoch, &scheduler) }
            lead(proposer.draw(using: committees), slot: slot, &scheduler)
            scheduler.schedule(at: slotStart(slot + 1), target: 0, kind: ConsensusEventKind.slotBegins, payload: UInt32(slot + 1))
        case ConsensusEventKind.attestation:
            attest(Int(event.target), epoch: Int(event.payload), at: scheduler.now)
        case ConsensusEventKind.epochEnd:
            finality.closeEpoch(Int(event.payload), tree: chain.tree, at: scheduler.now)
        default:
            precondition(RelayEventKind.contains(event.kind), "ProofOfStake got unknown event kind \(event.kind)")
            chain.relay.handle(event, scheduler: &scheduler)
        }
        adoptConnectedBlocks(&scheduler)
        return true
    }

    /// When `slot` begins; saturates at the last representable instant (a slot that late never
    /// comes before any stop).
    func slotStart(_ slot: Int) -> SimTime {
        let (start, overflow) = UInt64(slot).multipliedReportingOverflow(by: parameters.slot.nanoseconds)
        return SimTime(nanoseconds: overflow ? .max : start)
    }

    /// `node` leads `slot`: it builds a block on its head.
    private mutating func lead(_ node: Int, slot: Int, _ scheduler: inout Scheduler) {
        leaderSlots[node] += 1
        if slot != lastLeaderSlot {
            slotsWithLeader += 1
            lastLeaderSlot = slot
        }
        let block = chain.produce(on: chain.tipOfNode[node], by: node, at: scheduler.now, difficulty: 1)
        chain.relay.originate(block, at: node, scheduler: &scheduler)
        if let target = parameters.targetHeight, Int(chain.tree.height[Int(block)]) >= target { lastSlot = slot }
    }

    /// Praos: the node's next leader slot after `slot`, a geometric gap away.
    private mutating func scheduleNextLead(_ node: Int, after slot: Int, _ scheduler: inout Scheduler) {
        let p = leaderProbability[node]
        guard p > 0 else { return }
        let next = slot + lottery.geometric(p)
        guard next < Int(UInt32.max) else { return }
        scheduler.schedule(at: slotStart(next), target: UInt32(node), kind: ConsensusEventKind.slotLeader, payload: UInt32(next))
    }

    /// Longest-chain fork choice; a block that becomes a node's head is announced.
    private mutating func adoptConnectedBlocks(_ scheduler: inout Scheduler) {
        for i in 0..<chain.relay.connectedNow.count {
            let (node, block, source) = chain.relay.connectedNow[i]
            guard chain.tree.isBetter(block, than: chain.tipOfNode[Int(node)]) else { continue }
            chain.tipOfNode[Int(node)] = block
            chain.relay.announce(block, from: Int(node), except: Int(source), scheduler: &scheduler)
        }
        chain.relay.clearConnected()
    }
}

/// (1 + x)^y for x in (-1, 0], accurate for tiny y (stakes of 1e-5 and less).
private func pow1p(_ x: Double, _ y: Double) -> Double { exp(y * log1p(x)) }
