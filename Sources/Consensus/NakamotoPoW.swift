import Ledger
import NetworkModel
import SimKernel

/// Parameters of Nakamoto proof of work.
public struct PoWParameters: Sendable, Equatable {
    /// Target mean time between blocks for the whole network.
    public var blockInterval: SimDuration
    /// Size of every block, bytes.
    public var blockSizeBytes: Int
    /// Mean transaction size, bytes: a block holds `blockSizeBytes / txSizeBytes` transactions.
    public var txSizeBytes: Int
    /// Mining stops once a block of this height exists; in-flight blocks still propagate.
    /// Nil: mine until another stop condition ends the run.
    public var targetHeight: Int?
    /// Blocks per difficulty epoch; 0: the difficulty never changes.
    public var retargetBlocks: Int
    /// Largest factor one retarget may change the difficulty by (Bitcoin: 4).
    public var retargetClamp: Double
    /// Changes of every node's hash rate: at each time, the rates become `factor` times the
    /// initial ones.
    public var hashRateChanges: [(at: SimTime, factor: Double)]
    /// Transactions arriving into a mempool that blocks are filled from; nil: full blocks.
    public var transactions: TransactionParameters?

    /// Creates PoW parameters (fixed difficulty unless `retargetBlocks` > 0).
    public init(blockInterval: SimDuration, blockSizeBytes: Int, txSizeBytes: Int, targetHeight: Int?,
                retargetBlocks: Int = 0, retargetClamp: Double = 4, hashRateChanges: [(at: SimTime, factor: Double)] = [],
                transactions: TransactionParameters? = nil) {
        self.blockInterval = blockInterval
        self.blockSizeBytes = blockSizeBytes
        self.txSizeBytes = txSizeBytes
        self.targetHeight = targetHeight
        self.retargetBlocks = retargetBlocks
        self.retargetClamp = retargetClamp
        self.hashRateChanges = hashRateChanges
        self.transactions = transactions
    }

    public static func == (a: PoWParameters, b: PoWParameters) -> Bool {
        a.blockInterval == b.blockInterval && a.blockSizeBytes == b.blockSizeBytes && a.txSizeBytes == b.txSizeBytes
            && a.targetHeight == b.targetHeight && a.retargetBlocks == b.retargetBlocks && a.retargetClamp == b.retargetClamp
            && a.hashRateChanges.elementsEqual(b.hashRateChanges) { $0.at == $1.at && $0.factor == $1.factor }
            && a.transactions == b.transactions
    }
}

/// Nakamoto proof of work: each node finds its next block after an exponential time with rate
/// (its hash rate) / (the difficulty of the next block on its tip); blocks spread through the
/// `BlockRelay`; each node follows the most-work chain it has connected, keeping the first-seen
/// block among equals, and announces a block when it becomes its tip.
///
/// The per-node exponential clocks are simulated as their superposition: one pending "block
/// found" event at Exp(1 / total rate), whose finder is drawn by rate. Memorylessness makes this
/// the same process; when the total rate changes (a hash-rate change, a tip crossing a retarget),
/// the pending draw is replaced (a generation counter voids the old event).
public struct NakamotoPoW: ConsensusProtocol {
    public private(set) var chain: ChainState
    /// Initial hash rate of each node, TH/s.
    public let hashRate: [Double]
    /// The protocol's parameters.
    public let parameters: PoWParameters
    /// The current factor on every node's hash rate.
    public private(set) var hashRateFactor = 1.0
    /// Difficulty (TH) a child of each block gets.
    public private(set) var childDifficulty: [Double]
    /// The attacking node (when `adversary` is not `.none`).
    public let attacker: Int
    /// What the attacker does.
    public let adversary: AdversaryStrategy
    var selfish: SelfishMining?
    var doubleSpend: DoubleSpendRaces?

    /// Which nodes mine (all, unless a wrapper such as hierarchical consensus elects some).
    public private(set) var activeMiner: [Bool]
    /// Direct links among the active miners, beside the peer graph (hierarchical consensus:
    /// representatives relay among themselves); empty when off.
    public private(set) var minerOverlay: [Int32] = []
    private var roles: (active: NodeRole, inactive: NodeRole) = (.miner, .fullNode)

    var mining = MiningGroups()
    private var generation: UInt32 = 0
    private var scheduledRate = 0.0
    private var miningStopped = false
    private var finder: WeightedChoice
    private let miningStream: RandomStream
    private let gammaStream: RandomStream

    /// Creates the model; `streams` supplies `pow.mining`, `adversary.gamma` (and the relay's
    /// streams). Nodes with hash rate are miners, the others full nodes. With an `adversary`,
    /// node `attacker` follows that strategy instead of the honest rules.
    public init(network: Network, relay parameters: RelayParameters, hashRate: [Double], pow: PoWParameters,
                energy: EnergyParameters = .none, adversary: AdversaryStrategy = .none, attacker: Int = 0, streams: RandomStreams) {
        precondition(hashRate.count == network.nodeCount, "one hash rate per node")
        self.hashRate = hashRate
        self.parameters = pow
        self.adversary = adversary
        self.attacker = attacker
        self.chain = ChainState(network: network, relay: parameters, energy: energy, blockSizeBytes: pow.blockSizeBytes,
                                txSizeBytes: pow.txSizeBytes, transactions: pow.transactions, streams: streams)
        self.finder = WeightedChoice(weights: hashRate)
        self.activeMiner = hashRate.map { $0 > 0 }
        self.miningStream = streams.stream("pow.mining")
        self.gammaStream = streams.stream("adversary.gamma")
        let total = hashRate.reduce(0, +)
        switch adversary {
        case .none: break
        case .selfish: selfish = SelfishMining()
        case .doubleSpend: doubleSpend = DoubleSpendRaces(share: hashRate[attacker] / total)
        }
        let initial = total * pow.blockInterval.seconds
        self.childDifficulty = [initial]
        mining.add(total, at: initial)
        setHashingPower(factor: 1, at: .zero)
    }

    /// Every block produced so far.
    public var tree: BlockTree { chain.tree }
    /// The relay.
    public var relay: BlockRelay { chain.relay }
    /// The chain each node follows.
    public var tipOfNode: [BlockID] { chain.tipOfNode }

    public mutating func submitTransaction(at time: SimTime, sizeBytes: Int, fee: Double, kind: TransactionKind, origin: Int, gas: Int) -> Int32? {
        chain.submit(at: time, sizeBytes: sizeBytes, fee: fee, kind: kind, origin: origin, gas: gas)
    }

    public func nodeColumns() -> [(name: String, values: [Double])] { [("hash_rate_th_s", hashRate)] }

    /// With an adversary: `attacker_share`, `attacker_revenue_share`, and for a double spend
    /// `double_spend_success_rate` (the configured confirmations) and `double_spend_trials`.
    public func summary(at time: SimTime) -> [(key: String, value: Double)] {
        guard adversary != .none else { return [] }
        let tree = chain.tree
        let main = tree.mainChainMask(tip: tree.bestTip())
        let mainBlocks = (1..<tree.count).filter { main[$0] }
        let attackerBlocks = mainBlocks.filter { Int(tree.producer[$0]) == attacker }.count
        var keys: [(key: String, value: Double)] = [
            ("attacker_share", hashRate[attacker] / hashRate.reduce(0, +)),
            ("attacker_revenue_share", mainBlocks.isEmpty ? .nan : Double(attackerBlocks) / Double(mainBlocks.count)),
        ]
        if case .doubleSpend(let confirmations) = adversary, let races = doubleSpend {
            keys.append(("double_spend_success_rate", races.trials > 0 ? Double(races.successes[confirmations - 1]) / Double(races.trials) : .nan))
            keys.append(("double_spend_trials", Double(races.trials)))
        }
        return keys
    }

    public mutating func stopProducing() {
        miningStopped = true
        generation &+= 1   // voids the pending draw
    }

    public func blockWorkJ(_ block: BlockID) -> Double {
        chain.energyParameters.blockWorkJ(difficultyTH: chain.tree.difficulty[Int(block)])
    }

    public mutating func start(scheduler: inout Scheduler) {
        for (index, change) in parameters.hashRateChanges.enumerated() {
            scheduler.schedule(at: change.at, target: 0, kind: ConsensusEventKind.hashRateChange, payload: UInt32(index))
        }
        redrawNextBlock(&scheduler)
    }

    public mutating func handle(_ event: Event, scheduler: inout Scheduler) -> Bool {
        switch event.kind {
        case ConsensusEventKind.blockFound:
            guard event.payload == generation else { return false }   // replaced by a later draw
            mineBlock(&scheduler)
        case ConsensusEventKind.hashRateChange:
            guard !miningStopped else { return false }
            hashRateFactor = parameters.hashRateChanges[Int(event.payload)].factor
            setHashingPower(factor: hashRateFactor, at: scheduler.now)
        default:
            precondition(RelayEventKind.contains(event.kind), "NakamotoPoW got unknown event kind \(event.kind)")
            chain.relay.handle(event, scheduler: &scheduler)
        }
        adoptConnectedBlocks(&scheduler)
        if !miningStopped && mining.rate(factor: hashRateFactor) != scheduledRate { redrawNextBlock(&scheduler) }
        return true
    }

    /// From now on only the nodes marked in `active` mine; they take the role `roles.active`,
    /// the others `roles.inactive` (e.g. representative and idle), and with `overlay` they also
    /// relay new tips to each other directly. The finder, the rate groups and the meters are
    /// rebuilt and the next block time is redrawn. At least one active node
    /// must have hash rate.
    public mutating func setActiveMiners(_ active: [Bool], roles: (active: NodeRole, inactive: NodeRole), overlay: Bool = false,
                                         scheduler: inout Scheduler) {
        precondition(active.count == hashRate.count && hashRate.indices.contains { active[$0] && hashRate[$0] > 0 },
                     "at least one active miner with hash rate")
        activeMiner = active
        self.roles = roles
        minerOverlay = overlay ? hashRate.indices.filter { active[$0] }.map { Int32($0) } : []
        let rates = hashRate.indices.map { active[$0] ? hashRate[$0] : 0 }
        finder = WeightedChoice(weights: rates)
        mining = MiningGroups()
        for node in rates.indices where rates[node] > 0 { mining.add(rates[node], at: childDifficulty[Int(chain.tipOfNode[node])]) }
        if chain.tree.count == 1 {
            // Before the first block, the genesis difficulty is set for the miners who start.
            childDifficulty[0] = rates.reduce(0, +) * parameters.blockInterval.seconds
            mining = MiningGroups()
            mining.add(rates.reduce(0, +), at: childDifficulty[0])
        }
        setHashingPower(factor: hashRateFactor, at: scheduler.now)
        if !miningStopped { redrawNextBlock(&scheduler) }
    }

    /// Every node's meter from `time` on: active miners hash at `factor` x their initial rate.
    private mutating func setHashingPower(factor: Double, at time: SimTime) {
        let energy = chain.energyParameters
        for node in hashRate.indices {
            let mines = activeMiner[node] && hashRate[node] > 0
            chain.energy.set(node, role: mines ? roles.active : roles.inactive,
                             hashingW: mines ? energy.hashingPowerW(hashRateTHs: hashRate[node] * factor) : 0, parameters: energy, at: time)
        }
    }

    private mutating func mineBlock(_ scheduler: inout Scheduler) {
        let difficulty = mining.drawDifficulty(factor: hashRateFactor, using: miningStream)
        var miner = finder.draw(using: miningStream)
        while childDifficulty[Int(chain.tipOfNode[miner])] != difficulty { miner = finder.draw(using: miningStream) }
        let block = chain.produce(on: chain.tipOfNode[miner], by: miner, at: scheduler.now, difficulty: difficulty)
        childDifficulty.append(nextDifficulty(after: block))
        chain.relay.originate(block, at: miner, scheduler: &scheduler)
        if let target = parameters.targetHeight, Int(chain.tree.height[Int(block)]) >= target {
            miningStopped = true
            generation &+= 1
        } else {
            redrawNextBlock(&scheduler)
        }
    }

    /// Voids the pending draw and draws the next block time at the current total rate.
    private mutating func redrawNextBlock(_ scheduler: inout Scheduler) {
        generation &+= 1
        scheduledRate = mining.rate(factor: hashRateFactor)
        guard scheduledRate > 0 else { return }
        let wait = SimDuration(seconds: miningStream.exponential(mean: 1 / scheduledRate))
        scheduler.schedule(after: wait, target: 0, kind: ConsensusEventKind.blockFound, payload: generation)
    }

    /// Most-work fork choice on every block a node connected during this event; a block that
    /// becomes the node's tip is announced (Bitcoin nodes do not relay side-chain blocks). The
    /// attacker's blocks go to its strategy instead.
    private mutating func adoptConnectedBlocks(_ scheduler: inout Scheduler) {
        for i in 0..<chain.relay.connectedNow.count {
            let (node, block, source) = chain.relay.connectedNow[i]
            if adversary != .none && Int(node) == attacker {
                attackerConnected(block, &scheduler)
            } else if chain.tree.isBetter(block, than: chain.tipOfNode[Int(node)]) || joinsRace(block, node: Int(node)) {
                setTip(Int(node), block)
                chain.relay.announce(block, from: Int(node), except: Int(source), scheduler: &scheduler)
                if !minerOverlay.isEmpty && activeMiner[Int(node)] {
                    chain.relay.announce(block, from: Int(node), to: minerOverlay, except: Int(source), scheduler: &scheduler)
                }
            }
        }
        chain.relay.clearConnected()
    }

    /// An honest node that holds an equally good block switches to the selfish miner's tying
    /// block with probability gamma.
    private func joinsRace(_ block: BlockID, node: Int) -> Bool {
        guard case .selfish(let gamma) = adversary, block == selfish?.raceBlock,
              chain.tree.chainWork[Int(block)] == chain.tree.chainWork[Int(chain.tipOfNode[node])] else { return false }
        return gammaStream.uniform() < gamma
    }

    private mutating func attackerConnected(_ block: BlockID, _ scheduler: inout Scheduler) {
        let own = Int(chain.tree.producer[Int(block)]) == attacker
        if var strategy = selfish {
            let publish = own ? strategy.found(block, tree: chain.tree) : strategy.honest(block, tree: chain.tree)
            selfish = strategy
            for b in publish { chain.relay.announce(b, from: attacker, except: -1, scheduler: &scheduler) }
            setTip(attacker, strategy.miningTip)
        } else if var races = doubleSpend {
            if own { races.found(block, tree: chain.tree) } else { races.honest(block, tree: chain.tree) }
            doubleSpend = races
            setTip(attacker, races.miningTip)
        }
    }

    /// Confirmations tracked by the double-spend races, with trials and successes of each.
    public var doubleSpendResults: (trials: Int, successes: [Int])? {
        doubleSpend.map { ($0.trials, $0.successes) }
    }

    private mutating func setTip(_ node: Int, _ block: BlockID) {
        let old = childDifficulty[Int(chain.tipOfNode[node])], new = childDifficulty[Int(block)]
        if old != new && activeMiner[node] { mining.move(hashRate[node], from: old, to: new) }
        chain.tipOfNode[node] = block
    }
}
