import Consensus
import Learning
import Ledger
import NetworkModel
import SecureAggregation
import SimKernel

/// The simulator's named streams serve learning code's randomness.
extension RandomStream: RandomSource {}

/// Event kinds of the federation (from 40 on; consensus and relay kinds stay below).
enum Kind {
    static let roundStart: UInt16 = 40
    static let modelArrived: UInt16 = 41
    static let trainingDone: UInt16 = 42
    static let updateArrived: UInt16 = 43
    static let partialArrived: UInt16 = 44
    static let secureAggregationDone: UInt16 = 45
}

/// What happened in one federated round on the chain.
public struct FederatedRound: Sendable, Equatable {
    public var result: RoundResult
    public var record: ModelRecord
    /// Training clients that dropped before uploading.
    public var dropped: [Int]
    public var start: SimTime
    /// When the record reached its confirmations.
    public var confirmed: SimTime
    /// The block holding the record.
    public var block: BlockID
    /// Times the record went back to the mempool because its block lost a fork.
    public var resubmissions: Int
    /// The node that aggregated the round (the committee's leader).
    public var aggregator: Int
    /// The nodes that aggregated the round, leader first (one node unless the aggregator is a
    /// committee).
    public var committee: [Int]
    /// Failed attempts (too few updates) before this one.
    public var retries: Int
    /// Clients slashed when the record was confirmed (`FederationParameters.slashing`).
    public var slashed: [Int] = []
    /// Per committee member (in `committee` order): the updates its defence verdict rejected;
    /// zeros when no member ran a defence.
    public var memberRejections: [Int] = []
    /// With a record fee: the record's transaction (`TransactionPool` id).
    public var transaction: Int32?
}

/// Federated learning as simulation events on a chain: a wrapper around any consensus protocol.
///
/// Per round:
/// 1. The aggregator (a fixed node, the producer of the chain tip, or an elected committee) plans
///    the round and trains every selected client's update in plan order, exactly as
///    `InMemoryFederation` does, so the models are equal to the last bit.
/// 2. The updates arrive on the network's timeline. Training client i is served by committee
///    member i mod k (k = 1 without a committee). The model download (the trainer's
///    `modelBytes`) queues on that member's uplink. Compute takes the
///    training's FLOPs (as the trainer reports them) / device speed. A client may drop (probability, or offline in the trace). Each upload travels
///    to its member; once a member has all its clients' updates (or dropouts), it sends one
///    partial aggregate (the model's size) to the leader. With a robust defence and a committee,
///    every member gets every update and sends a verdict instead
///    (`FederatedChain+CommitteeDefence.swift`).
/// 3. The aggregate's record (`ModelRecord`) goes into the first block produced after it is
///    submitted, or with a record fee into the mempool as a transaction that competes for block
///    space by fee per byte.
/// 4. The next round starts when that block has `confirmations` blocks on the aggregator's chain.
///    If the record's block loses a fork, the record is submitted again.
public struct FederatedChain<Base: ConsensusProtocol>: ConsensusProtocol {
    /// The chain's own protocol.
    public internal(set) var base: Base
    /// The learning loop the rounds drive.
    public internal(set) var learning: InMemoryFederation
    public let parameters: FederationParameters
    /// Finished rounds, in order.
    public internal(set) var rounds: [FederatedRound] = []
    /// Hash of the initial global model (the parent of round 1).
    public let initialModelSHA256: [UInt8]

    /// Every secure aggregation attempt, in order.
    public internal(set) var secureRounds: [SecureRoundRecord] = []
    /// Bytes each node sent for the federation (models, updates, secure aggregation).
    public internal(set) var bytesSent: [Int]

    /// Reputation, slashes and burned stake per client (all at their start without slashing).
    public internal(set) var reputation: ReputationBook

    /// The data market the clients' data comes through (`FederationParameters.dataSourcing`).
    public internal(set) var dataMarket: DataMarketRun?

    /// The first failure of local training or evaluation; the run stops there and writes nothing.
    public private(set) var failure: TrainerError?

    var plan: RoundPlan?
    var updates: [FitOutcome] = []
    var delivered: [Bool] = []
    var committee: [Int] = []
    private var memberOutstanding: [Int] = []
    private var partialsOutstanding = 0
    var roundStart = SimTime.zero
    var pending: PendingRecord?
    private var uplinkFree: [Int: SimTime] = [:]
    var retries = 0
    let modelBytes: Int
    let dropoutStream: RandomStream
    let latencyStream: RandomStream
    /// Secure aggregation: training clients still training, who finished, and the result.
    var stillTraining = 0
    var trained: [Bool] = []
    /// Whether each training client of the plan drops at its upload, drawn from `fl.dropout` in
    /// plan order when the round starts: the same clients drop with and without secure
    /// aggregation, so same-seed runs compare like with like.
    var dropsAtUpload: [Bool] = []
    var secureAggregate: [Double]?
    /// Rented training: each training client's ticket (plan order), while the round runs.
    var rentTickets: [Int32?] = []
    let secureSeedStream: RandomStream
    let roundingStream: RandomStream
    let maxWeight: Int

    /// Consecutive failed attempts after which a round proceeds with whatever arrived.
    public static var maxRetries: Int { 100 }

    /// Wraps `base`; `streams` supplies `fl.dropout` and `fl.latency`.
    public init(base: Base, learning: InMemoryFederation, parameters: FederationParameters, streams: RandomStreams) {
        precondition(parameters.clientNodes.count == learning.clientCount, "one node per client")
        self.base = base
        self.learning = learning
        self.parameters = parameters
        self.initialModelSHA256 = ModelRecord.hash(parameters: learning.parameters)
        self.modelBytes = learning.transferBytes
        self.dropoutStream = streams.stream("fl.dropout")
        self.latencyStream = streams.stream("fl.latency")
        self.secureSeedStream = streams.stream("secagg.keys")
        self.roundingStream = streams.stream("secagg.rounding")
        self.maxWeight = (0..<learning.clientCount).map(learning.trainer.trainingExamples).max() ?? 1
        self.bytesSent = [Int](repeating: 0, count: base.chain.network.nodeCount)
        self.reputation = ReputationBook(clients: learning.clientCount)
        if let sourcing = parameters.dataSourcing {
            precondition(sourcing.owners.count == learning.clientCount, "one dataset per client")
            precondition(base.chain.transactions != nil, "the data market's calls are transactions")
            dataMarket = DataMarketRun(sourcing: sourcing, streams: streams)
        }
        precondition(parameters.rewardSplit == .samples || learning.measuresContributions,
                     "rewards by contribution need the learning loop to measure contributions")
        precondition(parameters.committeeSize >= 1, "a committee has at least one member")
        precondition(parameters.secureAggregation == nil || parameters.rewardSplit == .samples,
                     "contributions need individual updates, which secure aggregation hides")
    }

    public var chain: ChainState { base.chain }

    public mutating func submitTransaction(at time: SimTime, sizeBytes: Int, fee: Double, kind: TransactionKind, origin: Int, gas: Int) -> Int32? {
        base.submitTransaction(at: time, sizeBytes: sizeBytes, fee: fee, kind: kind, origin: origin, gas: gas)
    }
    public func nodeColumns() -> [(name: String, values: [Double])] {
        var columns = base.nodeColumns() + [("fl_reward", rewards())] + dataRevenueColumn()
        if parameters.slashing != nil {
            let nodes = base.chain.network.nodeCount
            var reputation = [Double](repeating: .nan, count: nodes), slashes = [Double](repeating: 0, count: nodes)
            var burned = [Double](repeating: 0, count: nodes)
            for (client, node) in parameters.clientNodes.enumerated() {
                reputation[node] = self.reputation.reputation[client]
                slashes[node] += Double(self.reputation.slashes[client])
                burned[node] += self.reputation.burned[client]
            }
            columns += [("fl_reputation", reputation), ("fl_slashes", slashes), ("fl_stake_slashed", burned)]
        }
        return columns
    }

    /// Rewards per node: the sum of `rewardShares` over confirmed rounds.
    public func rewards() -> [Double] {
        var reward = [Double](repeating: 0, count: base.chain.network.nodeCount)
        for round in rounds {
            for (node, share) in zip(round.record.participants, Self.rewardShares(round.record, perRound: parameters.rewardPerRound)) {
                reward[Int(node)] += share
            }
        }
        return reward
    }

    /// A round's reward per participant, in record order: `perRound` split by the recorded
    /// contributions when there are some and they are not all zero, else by sample counts;
    /// updates the defence rejected earn nothing.
    public static func rewardShares(_ record: ModelRecord, perRound: Double) -> [Double] {
        var weights = record.contributions.contains { $0 > 0 } ? record.contributions : record.sampleCounts.map(Double.init)
        for (i, node) in record.participants.enumerated() where record.rejected.contains(node) { weights[i] = 0 }
        let total = weights.reduce(0, +)
        return weights.map { total > 0 ? perRound * $0 / total : 0 }
    }
    public func blockWorkJ(_ block: BlockID) -> Double { base.blockWorkJ(block) }
    public func workloadBytesSent() -> [Int] { bytesSent }
    public mutating func stopProducing() { base.stopProducing() }

    public func summary(at time: SimTime) -> [(key: String, value: Double)] {
        let latencies = rounds.map { ($0.confirmed - $0.start).seconds }
        return base.summary(at: time) + [
            ("fl_rounds", Double(rounds.count)),
            ("fl_final_train_loss", rounds.last?.result.trainLoss ?? .nan),
            ("fl_final_test_accuracy", rounds.last?.result.testAccuracy ?? .nan),
            // NIID-Bench reports the best round's accuracy.
            ("fl_best_test_accuracy", rounds.map(\.result.testAccuracy).max() ?? .nan),
            ("fl_epsilon", rounds.last?.record.epsilon ?? .nan),
            ("fl_attack_success", rounds.last?.result.attackSuccess ?? .nan),
            ("fl_round_latency_mean_s", latencies.isEmpty ? .nan : latencies.reduce(0, +) / Double(latencies.count)),
        ] + timeToAccuracy() + secureSummary() + dataMarketSummary(at: time)
    }

    /// `fl_time_to_accuracy_s` with a target accuracy: from 0 to the confirmation of the first
    /// round at or above it (NaN if none reached it).
    private func timeToAccuracy() -> [(key: String, value: Double)] {
        guard parameters.targetAccuracy > 0 else { return [] }
        return [("fl_time_to_accuracy_s", rounds.first { $0.result.testAccuracy >= parameters.targetAccuracy }?.confirmed.seconds ?? .nan)]
    }

    /// Secure aggregation's summary keys (none without it): dropouts over every stage and
    /// attempt, whether every completed aggregation was exact, the largest quantization error,
    /// the mean bytes a client sent and received per aggregation, and the aborts.
    private func secureSummary() -> [(key: String, value: Double)] {
        guard let settings = parameters.secureAggregation else { return [] }
        let completed = secureRounds.filter { $0.abortReason == nil }
        // The config may say 0 (automatic); these are the values the rounds used.
        let clients = learning.clientsPerRound
        return [
            ("secagg_neighbours", Double(settings.degree(clients: clients))),
            ("secagg_threshold", Double(settings.threshold(clients: clients))),
            ("secagg_dropouts", Double(secureRounds.reduce(0) { $0 + $1.stages.reduce(0) { $0 + $1.record.dropped } })),
            ("secagg_exact", completed.isEmpty ? .nan : completed.allSatisfy(\.exact) ? 1 : 0),
            ("secagg_max_abs_error", completed.map(\.maxAbsError).max() ?? .nan),
            ("secagg_bytes_per_client", completed.isEmpty ? .nan : Double(completed.reduce(0) { $0 + $1.bytesPerClient }) / Double(completed.count)),
            ("secagg_aborts", Double(secureRounds.count - completed.count)),
        ]
    }

    public mutating func start(scheduler: inout Scheduler) {
        base.start(scheduler: &scheduler)
        if dataMarket != nil { return startDataMarket(&scheduler) }
        if parameters.rounds > 0 { scheduler.schedule(at: .zero, target: 0, kind: Kind.roundStart) }
    }

    public mutating func handle(_ event: Event, scheduler: inout Scheduler) -> Bool {
        let blocksBefore = base.chain.tree.count
        switch event.kind {
        case Kind.roundStart: startRound(&scheduler)
        case Kind.modelArrived: train(Int(event.target), &scheduler)
        case Kind.trainingDone: upload(Int(event.target), &scheduler)
        case Kind.updateArrived:
            delivered[Int(event.target)] = true
            clientFinished(Int(event.target), member: membersVote ? Int(event.payload) : Int(event.target) % committee.count, &scheduler)
        case Kind.partialArrived: partialArrived(&scheduler)
        case Kind.secureAggregationDone: secureAggregationDone(&scheduler)
        default: guard handleDataMarket(event, &scheduler) || base.handle(event, scheduler: &scheduler) else { return false }
        }
        followDataMarket(&scheduler)
        trackRecord(newBlocksFrom: blocksBefore, &scheduler)
        return true
    }

    // MARK: - A round's messages

    var network: Network { base.chain.network }

    private mutating func startRound(_ scheduler: inout Scheduler) {
        if retries == 0 { roundStart = scheduler.now }
        committee = electCommittee()
        let plan = learning.planRound()
        do {
            updates = try learning.train(plan)
        } catch {
            return fail(error, round: plan.round)
        }
        if parameters.secureAggregation != nil, let i = updates.indices.first(where: { updates[$0].examples > maxWeight }) {
            // The quantizer's modulus is sized for the largest partition's weight.
            return fail(TrainerError(client: plan.training[i], round: plan.round,
                                     "fit reported \(updates[i].examples) examples, more than the largest partition (\(maxWeight) rows), which secure aggregation's modulus is sized for"),
                        round: plan.round)
        }
        delivered = [Bool](repeating: false, count: plan.training.count)
        stillTraining = plan.training.count
        trained = [Bool](repeating: false, count: plan.training.count)
        dropsAtUpload = plan.training.map { _ in parameters.dropout > 0 && dropoutStream.uniform() < parameters.dropout }
        rentTickets = [Int32?](repeating: nil, count: plan.training.count)
        if membersVote {   // every member receives every update and returns a verdict
            memberOutstanding = [Int](repeating: plan.training.count, count: committee.count)
        } else {
            memberOutstanding = [Int](repeating: 0, count: committee.count)
            for i in plan.training.indices { memberOutstanding[i % committee.count] += 1 }
        }
        partialsOutstanding = memberOutstanding.filter { $0 > 0 }.count
        self.plan = plan
        for (i, client) in plan.training.enumerated() {
            let arrival = send(modelBytes, from: committee[i % committee.count], to: parameters.clientNodes[client], at: scheduler.now)
            scheduler.schedule(at: arrival, target: UInt32(i), kind: Kind.modelArrived)
        }
        if plan.training.isEmpty { finishRound(&scheduler) }
    }

    /// The round's aggregators, leader first.
    private func electCommittee() -> [Int] {
        let tree = base.chain.tree
        var block = base.chain.tipOfNode[parameters.aggregator]
        switch parameters.aggregatorChoice {
        case .fixed: return [parameters.aggregator]
        case .blockProducer: return [block > 0 ? Int(tree.producer[Int(block)]) : parameters.aggregator]
        case .committee:
            var members: [Int] = []
            while block > 0 && members.count < parameters.committeeSize {
                let producer = Int(tree.producer[Int(block)])
                if !members.contains(producer) { members.append(producer) }
                block = tree.parent[Int(block)]
            }
            return members.isEmpty ? [parameters.aggregator] : members
        }
    }

    /// Sends `bytes` after whatever already queues on the sender's uplink; returns the arrival.
    mutating func send(_ bytes: Int, from sender: Int, to receiver: Int, at now: SimTime) -> SimTime {
        let sent = max(now, uplinkFree[sender] ?? .zero) + network.serialization(bytes: bytes, from: sender, to: receiver)
        uplinkFree[sender] = sent
        bytesSent[sender] += bytes
        return sent + network.delay(from: sender, to: receiver, using: latencyStream)
    }

    /// Sends `bytes` from a client, whose uplink carries nothing else; returns the arrival.
    mutating func upload(_ bytes: Int, from sender: Int, to receiver: Int, at now: SimTime) -> SimTime {
        bytesSent[sender] += bytes
        return now + network.serialization(bytes: bytes, from: sender, to: receiver) + network.delay(from: sender, to: receiver, using: latencyStream)
    }

    func isOffline(_ client: Int, at time: SimTime) -> Bool {
        parameters.offline[client]?.contains { $0.from <= time && time < $0.until } ?? false
    }

    private mutating func train(_ i: Int, _ scheduler: inout Scheduler) {
        guard let plan else { return }
        let client = plan.training[i]
        if isOffline(client, at: scheduler.now) {
            return parameters.secureAggregation == nil ? clientDropped(i, &scheduler) : trainingFinished(i, &scheduler)
        }
        logRead(client, at: scheduler.now)
        if parameters.renters.indices.contains(client) && parameters.renters[client] {
            let request = ComputeRequest(tflop: updates[i].flops / 1e12, owner: parameters.clientNodes[client], notifyKind: Kind.trainingDone,
                                         notifyTarget: UInt32(i))
            if let ticket = base.rentCompute(request, at: scheduler.now) {
                rentTickets[i] = ticket
                return
            }
        }
        scheduler.schedule(after: SimDuration(seconds: updates[i].flops / parameters.deviceFlopsPerSecond[client]), target: UInt32(i),
                           kind: Kind.trainingDone)
    }

    private mutating func upload(_ i: Int, _ scheduler: inout Scheduler) {
        guard let plan else { return }
        if parameters.secureAggregation != nil {
            trained[i] = true
            return trainingFinished(i, &scheduler)
        }
        let client = plan.training[i]
        if isOffline(client, at: scheduler.now) || dropsAtUpload[i] {
            return clientDropped(i, &scheduler)
        }
        if membersVote { return uploadToEveryMember(i, &scheduler) }
        let arrival = upload(modelBytes, from: parameters.clientNodes[client], to: committee[i % committee.count], at: scheduler.now)
        scheduler.schedule(at: arrival, target: UInt32(i), kind: Kind.updateArrived)
    }

    /// Training client i dropped: none of the members that wait for its update gets it.
    private mutating func clientDropped(_ i: Int, _ scheduler: inout Scheduler) {
        guard membersVote else { return clientFinished(i, member: i % committee.count, &scheduler) }
        for member in committee.indices { clientFinished(i, member: member, &scheduler) }
    }

    /// Training client i's update arrived at committee `member`, or the client dropped. A member
    /// with all its updates sends the leader its partial sum, or (members voting) its verdict.
    private mutating func clientFinished(_ i: Int, member: Int, _ scheduler: inout Scheduler) {
        memberOutstanding[member] -= 1
        guard memberOutstanding[member] == 0 else { return }
        if member == 0 { return partialArrived(&scheduler) }
        let bytes = membersVote ? verdictBytes(updates: plan?.training.count ?? 0) : modelBytes
        let arrival = send(bytes, from: committee[member], to: committee[0], at: scheduler.now)
        scheduler.schedule(at: arrival, target: UInt32(member), kind: Kind.partialArrived)
    }

    private mutating func partialArrived(_ scheduler: inout Scheduler) {
        partialsOutstanding -= 1
        if partialsOutstanding == 0 { finishRound(&scheduler) }
    }

    mutating func finishRound(_ scheduler: inout Scheduler) {
        guard let plan else { return }
        let required = min(parameters.minParticipants, plan.training.count)
        if delivered.filter({ $0 }).count < required && retries < Self.maxRetries {
            return retryRound(&scheduler)   // too few updates
        }
        let parent = rounds.last?.record.modelSHA256 ?? initialModelSHA256
        let result: RoundResult
        // A voting committee's members each run the rule; it runs once here, and the vote decides.
        let vote = membersVote ? learning.defend(plan, updates: updates, delivered: delivered).map { committeeVerdict(plan, rule: $0) } : nil
        do {
            result = try learning.finishRound(plan, updates: updates, delivered: delivered, aggregate: vote?.model ?? secureAggregate,
                                              accepted: vote?.accepted)
        } catch {
            return fail(error, round: plan.round)
        }
        secureAggregate = nil
        let record = ModelRecord(round: plan.round, modelSHA256: ModelRecord.hash(parameters: learning.parameters), parentModelSHA256: parent,
                                 participants: result.aggregated.map { Int32(parameters.clientNodes[$0]) },
                                 sampleCounts: plan.training.indices.filter { delivered[$0] }.map { Int32(clamping: updates[$0].examples) },
                                 trainLoss: result.trainLoss, testAccuracy: result.testAccuracy,
                                 contributions: parameters.rewardSplit == .contribution ? result.contributions : [],
                                 rejected: result.aggregated.filter { !result.accepted.contains($0) }.map { Int32(parameters.clientNodes[$0]) },
                                 epsilon: result.epsilon, grants: grantsCited(by: result.aggregated))
        let dropped = plan.training.indices.filter { !delivered[$0] }.map { plan.training[$0] }
        // Without a voting committee only the leader runs a defence (if any).
        let memberRejections = vote?.memberRejections ?? committee.indices.map { $0 == 0 ? record.rejected.count : 0 }
        pending = PendingRecord(record: record, result: result, dropped: dropped, memberRejections: memberRejections)
        // The record proves the rented work of the updates it aggregates.
        pending?.rentTickets = result.aggregated.compactMap { client in plan.training.firstIndex(of: client).flatMap { rentTickets[$0] } }
        submitRecord(at: scheduler.now)
        self.plan = nil
    }

    /// Training or evaluation failed: the run stops (no more rounds, no more blocks) and keeps
    /// the error for the caller.
    mutating func fail(_ error: any Error, round: Int) {
        failure = error as? TrainerError ?? TrainerError(round: round, "\(error)")
        plan = nil
        pending = nil
        base.stopProducing()
    }

    /// The round fails and starts again now, with a new selection.
    mutating func retryRound(_ scheduler: inout Scheduler) {
        learning.abandonRound()
        plan = nil
        secureAggregate = nil
        retries += 1
        scheduler.schedule(at: scheduler.now, target: 0, kind: Kind.roundStart)
    }
}
