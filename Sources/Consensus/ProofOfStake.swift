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
    /// Transactions arriving into a mempool that blocks are filled from; nil: full blocks.
    public var transactions: TransactionParameters?

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
    /// Stake of each node, as configured.
    public let stake: [Double]
    /// Stake burned from each node so far (`slash`); elections use `stake - slashed` from the
    /// epoch after a slash.
    public private(set) var slashed: [Double]
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
    private var leaderProbability: [Double]
    private var proposer: WeightedChoice
    /// Praos: each node's pending leader slot (-1: none); an event for another slot was replaced.
    private var nextLeadSlot: [Int]
    /// The stakes elections use: `stake` until a slash, then the current stakes from the next
    /// epoch on.
    var electionStake: [Double]
    /// A slash not yet in the election weights.
    private var stakeChanged = false
    private let lottery: RandomStream
    let committees: RandomStream

    /// Creates the model; `streams` supplies `pos.lottery`, `pos.committee` (and the relay's).
    public init(network: Network, relay: RelayParameters, stake: [Double], pos: PoSParameters, energy: EnergyParameters = .none,
                streams: RandomStreams) {
        precondition(stake.count == network.nodeCount, "one stake per node")
        self.stake = stake
        self.slashed = [Double](repeating: 0, count: stake.count)
        self.electionStake = stake
        self.nextLeadSlot = [Int](repeating: -1, count: stake.count)
        self.parameters = pos
        self.chain = ChainState(network: network, relay: relay, energy: energy, blockSizeBytes: pos.blockSizeBytes,
                                txSizeBytes: pos.txSizeBytes, transactions: pos.transactions, streams: streams)
        let total = stake.reduce(0, +)
        self.leaderProbability = Self.leaderProbabilities(stake, activeSlotCoefficient: pos.activeSlotCoefficient)
        self.proposer = WeightedChoice(weights: stake)
        self.lottery = streams.stream("pos.lottery")
        self.committees = streams.stream("pos.committee")
        self.leaderSlots = [Int](repeating: 0, count: network.nodeCount)
        self.finality = FinalityTracker(totalStake: total)
        for node in stake.indices {
            chain.energy.set(node, role: stake[node] > 0 ? .validator : .fullNode, hashingW: 0, parameters: energy, at: .zero)
        }
    }

    /// The stake `node` holds now (configured minus slashed).
    public func currentStake(_ node: Int) -> Double { stake[node] - slashed[node] }

    /// Praos: each stakeholder's chance to lead a slot, 1 - (1 - f)^(its share of the stake).
    private static func leaderProbabilities(_ stake: [Double], activeSlotCoefficient f: Double) -> [Double] {
        let total = stake.reduce(0, +)
        return stake.map { total > 0 ? 1 - pow1p(-f, $0 / total) : 0 }
    }

    /// Burns `fraction` of `node`'s stake. Ethereum draws proposers and counts votes with it from
    /// the next epoch; Praos from the first slot of the next `slotsPerEpoch`-slot epoch.
    public mutating func slash(_ node: Int, fraction: Double, scheduler: inout Scheduler) -> Double {
        let burned = currentStake(node) * min(max(fraction, 0), 1)
        guard burned > 0 else { return 0 }
        slashed[node] += burned
        if !stakeChanged && parameters.mode == .praos {
            let perEpoch = parameters.slotsPerEpoch
            let current = Int(scheduler.now.nanoseconds / parameters.slot.nanoseconds)
            let epochStart = (current / perEpoch + 1) * perEpoch
            if epochStart < Int(UInt32.max) {
                // One nanosecond early, so the update precedes every lead of the epoch's first slot.
                let at = SimTime(nanoseconds: slotStart(epochStart).nanoseconds - 1)
                scheduler.schedule(at: at, target: 0, kind: ConsensusEventKind.stakeUpdate, payload: UInt32(epochStart))
            }
        }
        stakeChanged = true
        return burned
    }

    /// Makes the election weights (Praos lottery, Ethereum proposer and vote weights) follow
    /// the current stakes.
    private mutating func updateElectionWeights() {
        electionStake = stake.indices.map(currentStake)
        leaderProbability = Self.leaderProbabilities(electionStake, activeSlotCoefficient: parameters.activeSlotCoefficient)
        if electionStake.contains(where: { $0 > 0 }) { proposer = WeightedChoice(weights: electionStake) }
        finality.totalStake = electionStake.reduce(0, +)
        stakeChanged = false
    }

    /// Slots that elapsed, up to the end of block production or `time`.
    public func slotsObserved(at time: SimTime) -> Int {
        lastSlot.map { $0 + 1 } ?? Int(time.nanoseconds / parameters.slot.nanoseconds) + 1
    }

    public mutating func submitTransaction(at time: SimTime, sizeBytes: Int, fee: Double, kind: TransactionKind, origin: Int, gas: Int) -> Int32? {
        chain.submit(at: time, sizeBytes: sizeBytes, fee: fee, kind: kind, origin: origin, gas: gas)
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
            guard lastSlot == nil, Int(event.payload) == nextLeadSlot[Int(event.target)] else { return false }
            lead(Int(event.target), slot: Int(event.payload), &scheduler)
            scheduleNextLead(Int(event.target), after: Int(event.payload), &scheduler)
        case ConsensusEventKind.slotBegins:
            guard lastSlot == nil else { return false }
            let slot = Int(event.payload)
            if slot % parameters.slotsPerEpoch == 0 {
                if stakeChanged { updateElectionWeights() }
                startEpoch(slot / parameters.slotsPerEpoch, &scheduler)
            }
            lead(proposer.draw(using: committees), slot: slot, &scheduler)
            scheduler.schedule(at: slotStart(slot + 1), target: 0, kind: ConsensusEventKind.slotBegins, payload: UInt32(slot + 1))
        case ConsensusEventKind.attestation:
            attest(Int(event.target), epoch: Int(event.payload), at: scheduler.now)
        case ConsensusEventKind.epochEnd:
            finality.closeEpoch(Int(event.payload), tree: chain.tree, at: scheduler.now)
        case ConsensusEventKind.stakeUpdate:
            guard lastSlot == nil else { return false }
            updateElectionWeights()
            // Geometric gaps are memoryless: redrawing every node's next lead from the epoch's
            // first slot gives the leads the new stakes would have given.
            for node in stake.indices { scheduleNextLead(node, after: Int(event.payload) - 1, &scheduler) }
            return true
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
        nextLeadSlot[node] = -1
        let p = leaderProbability[node]
        guard p > 0 else { return }
        let next = slot + lottery.geometric(p)
        guard next < Int(UInt32.max) else { return }
        nextLeadSlot[node] = next
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
