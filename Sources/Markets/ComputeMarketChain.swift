import Consensus
import Ledger
import NetworkModel
import SimKernel

/// One provider of the compute market as configured.
public struct ComputeProvider: Sendable, Equatable {
    public var node: Int
    public var gflops: Double
    public var pricePerTflop: Double
    /// Power drawn while working, W.
    public var watts: Double

    public init(node: Int, gflops: Double, pricePerTflop: Double, watts: Double) {
        self.node = node
        self.gflops = gflops
        self.pricePerTflop = pricePerTflop
        self.watts = watts
    }
}

/// The compute market as a workload on a chain.
public struct ComputeMarketParameters: Sendable, Equatable {
    public var providers: [ComputeProvider]
    /// Jobs to post, and their Poisson rate.
    public var jobs: Int
    public var jobRatePerSecond: Double
    /// Each job's size, TFLOP, and the most it pays per TFLOP.
    public var jobTflop: ValueLaw
    public var maxPricePerTflop: ValueLaw
    /// From posting to the deadline.
    public var deadline: SimDuration
    /// Every call's fee and size as a transaction.
    public var callFee: Double
    public var callBytes: Int
    /// Blocks on the best chain before a node acts on a call's outcome (1: the block itself).
    public var confirmations: Int
    /// How jobs meet providers; with a double auction, the keeper (node 0) sends a `clear` call
    /// every `auctionInterval`, of at most `maxTradesPerClear` trades.
    public var matching: ComputeMarket.Matching = .postedPrice
    public var auctionInterval = SimDuration(seconds: 60)
    public var maxTradesPerClear = 64
    /// When each provider (configured order) is away: it pauses at a span's start and resumes
    /// at its end.
    public var unavailable: [Int: [OfflineSpan]] = [:]

    public init(providers: [ComputeProvider], jobs: Int, jobRatePerSecond: Double, jobTflop: ValueLaw, maxPricePerTflop: ValueLaw,
                deadline: SimDuration, callFee: Double, callBytes: Int, confirmations: Int) {
        precondition(jobRatePerSecond > 0 && callBytes > 0 && confirmations >= 1)
        self.providers = providers
        self.jobs = jobs
        self.jobRatePerSecond = jobRatePerSecond
        self.jobTflop = jobTflop
        self.maxPricePerTflop = maxPricePerTflop
        self.deadline = deadline
        self.callFee = callFee
        self.callBytes = callBytes
        self.confirmations = confirmations
    }
}

/// Event kinds of the compute market (from 50 on: below are consensus, relay and federation).
enum MarketKind {
    static let offersOpen: UInt16 = 50
    static let jobArrives: UInt16 = 51
    static let workDone: UInt16 = 52
    static let auctionClear: UInt16 = 53
    static let availability: UInt16 = 54
}

/// The compute market on a chain: a wrapper around any consensus protocol.
///
/// Providers send `offer` calls at the start; jobs arrive as a Poisson process from random
/// owners (stream `market.owners`; sizes and prices from `market.jobs`) and send `post` calls.
/// Every call is a transaction (kind 2) competing for block space and gas, and runs when a block
/// includes it (`ContractLedger`). Nodes act on the best chain's outcomes once they have
/// `confirmations` blocks: a provider starts a job when its `started` event is confirmed, works
/// size / speed seconds at its power, then sends `deliver`; payment is what the confirmed
/// `deliver` says. A reorganisation deeper than `confirmations` is not undone.
public struct ComputeMarketChain<Base: ConsensusProtocol>: ConsensusProtocol {
    /// What the nodes saw of one job (by the contract's job id, on the confirmed chain).
    public struct JobLog: Sendable {
        /// When its `post` call was sent.
        public var sent: SimTime
        public var posted: SimTime?
        /// When the provider learned of the match and started.
        public var started: SimTime?
        public var finished: SimTime?
        /// When the payment (or the miss) was confirmed.
        public var settled: SimTime?
    }

    public private(set) var base: Base
    public let parameters: ComputeMarketParameters
    public private(set) var follower: ContractFollower<ComputeMarket>
    /// Jobs seen on the confirmed chain, by contract job id.
    public private(set) var jobLogs: [JobLog] = []
    /// Seconds each provider (configured order) worked on finished jobs, and the TFLOP it was
    /// paid for.
    public private(set) var busySeconds: [Double]
    public private(set) var tflopPaid: [Double]
    /// The market's calls, by transaction id: when sent.
    private var sentAt: [Int32: SimTime] = [:]
    /// Rented work (`rentCompute`): whom to notify, by the post's transaction id, then by job.
    private var notifyOfCall: [Int32: (kind: UInt16, target: UInt32)] = [:]
    private var notifyOfJob: [Int32: (kind: UInt16, target: UInt32)] = [:]
    /// Jobs posted through `rentCompute`.
    public private(set) var rentedJobs = 0
    /// Rented work: each ticket's (post call's) job once posted, and its owner.
    private var jobOfTicket: [Int32: Int32] = [:]
    private var ownerOfTicket: [Int32: Int] = [:]
    private var rentedJobIDs: Set<Int32> = []
    /// Double auction: whether a clearing is scheduled.
    private var clearingScheduled = false
    /// `settle` calls not yet confirmed; a stop waits for them, so proven work is paid.
    private var settlesInFlight: Set<Int32> = []
    private var stopRequested = false
    private var providerOfNode: [Int: Int] = [:]
    private var jobsSent = 0
    private let owners: RandomStream
    private let draws: RandomStream
    private let arrivals: RandomStream
    private let rented: RandomStream

    /// Wraps `base`, which must carry a transaction pool; streams `market.owners`, `market.jobs`
    /// and `market.arrivals`.
    public init(base: Base, parameters: ComputeMarketParameters, streams: RandomStreams) {
        precondition(base.chain.transactions != nil, "the market's calls are transactions")
        self.base = base
        self.parameters = parameters
        self.follower = ContractFollower(initial: ComputeMarket(matching: parameters.matching), confirmations: parameters.confirmations)
        self.busySeconds = [Double](repeating: 0, count: parameters.providers.count)
        self.tflopPaid = busySeconds
        for (i, provider) in parameters.providers.enumerated() { providerOfNode[provider.node] = i }
        owners = streams.stream("market.owners")
        draws = streams.stream("market.jobs")
        arrivals = streams.stream("market.arrivals")
        rented = streams.stream("market.rented")
    }

    public var chain: ChainState { base.chain }

    public mutating func start(scheduler: inout Scheduler) {
        base.start(scheduler: &scheduler)
        scheduler.schedule(at: .zero, target: 0, kind: MarketKind.offersOpen)
        if parameters.jobs > 0 {
            scheduler.schedule(after: SimDuration(seconds: arrivals.exponential(mean: 1 / parameters.jobRatePerSecond)), target: 0,
                               kind: MarketKind.jobArrives)
        }
        if parameters.matching == .doubleAuction { scheduleClearing(&scheduler) }
        for (provider, spans) in parameters.unavailable.sorted(by: { $0.key < $1.key }) {
            for span in spans {
                scheduler.schedule(at: span.from, target: UInt32(provider), kind: MarketKind.availability, payload: 0)
                scheduler.schedule(at: span.until, target: UInt32(provider), kind: MarketKind.availability, payload: 1)
            }
        }
    }

    public mutating func handle(_ event: Event, scheduler: inout Scheduler) -> Bool {
        switch event.kind {
        case MarketKind.offersOpen:
            for provider in parameters.providers {
                send(.offer(gflops: provider.gflops, pricePerTflop: provider.pricePerTflop), from: provider.node, at: scheduler.now)
            }
        case MarketKind.jobArrives:
            postJob(&scheduler)
        case MarketKind.auctionClear:
            send(.clear(maxTrades: parameters.maxTradesPerClear), from: 0, at: scheduler.now)
            clearingScheduled = false
            let state = marketState
            // Keep clearing while jobs are to come, in the mempool, or waiting.
            if jobsSent - rentedJobs < parameters.jobs || state.jobs.count < jobsSent || state.waiting > 0 { scheduleClearing(&scheduler) }
        case MarketKind.availability:
            send(.setAvailable(event.payload == 1), from: parameters.providers[Int(event.target)].node, at: scheduler.now)
        case MarketKind.workDone:
            let provider = Int(event.target), job = Int(event.payload)
            jobLogs[job].finished = scheduler.now
            busySeconds[provider] += (scheduler.now - (jobLogs[job].started ?? scheduler.now)).seconds
            let done: ComputeMarket.Call = rentedJobIDs.contains(Int32(job)) ? .finish(job: Int32(job)) : .deliver(job: Int32(job))
            send(done, from: parameters.providers[provider].node, at: scheduler.now)
            if let notify = notifyOfJob.removeValue(forKey: Int32(job)) {
                scheduler.schedule(at: scheduler.now, target: notify.target, kind: notify.kind)
            }
        default:
            guard base.handle(event, scheduler: &scheduler) else { return false }
        }
        if let pool = chain.transactions { actOn(follower.advance(tree: chain.tree, blockTransactions: pool.blockTransactions), &scheduler) }
        // Rented work posted since the clearings stopped starts them again.
        if parameters.matching == .doubleAuction && !notifyOfCall.isEmpty { scheduleClearing(&scheduler) }
        if stopRequested && settlesInFlight.isEmpty { base.stopProducing() }
        return true
    }

    private mutating func scheduleClearing(_ scheduler: inout Scheduler) {
        guard !clearingScheduled else { return }
        clearingScheduled = true
        scheduler.schedule(after: parameters.auctionInterval, target: 0, kind: MarketKind.auctionClear)
    }

    private mutating func postJob(_ scheduler: inout Scheduler) {
        let owner = owners.int(below: chain.network.nodeCount)
        let tflop = max(parameters.jobTflop.draw(using: draws), 1e-9)
        let price = max(parameters.maxPricePerTflop.draw(using: draws), 0)
        send(.post(tflop: tflop, maxPricePerTflop: price, deadline: scheduler.now + parameters.deadline), from: owner, at: scheduler.now)
        if jobsSent - rentedJobs < parameters.jobs {
            scheduler.schedule(after: SimDuration(seconds: arrivals.exponential(mean: 1 / parameters.jobRatePerSecond)), target: 0,
                               kind: MarketKind.jobArrives)
        }
    }

    /// Posts `request` as a job (its maximum price from `max_price_per_tflop`, stream
    /// `market.rented`; the market's deadline); the request's event follows the work, and the
    /// provider sends `finish`, not `deliver`: it is paid when the owner settles the ticket.
    public mutating func rentCompute(_ request: ComputeRequest, at time: SimTime) -> Int32? {
        let price = max(parameters.maxPricePerTflop.draw(using: rented), 0)
        guard let id = send(.post(tflop: max(request.tflop, 1e-9), maxPricePerTflop: price, deadline: time + parameters.deadline),
                            from: request.owner, at: time) else { return nil }
        notifyOfCall[id] = (request.notifyKind, request.notifyTarget)
        ownerOfTicket[id] = request.owner
        rentedJobs += 1
        return id
    }

    /// The owner sends `settle` for the job of `ticket` (once posted; a ticket whose post never
    /// made the chain has nothing to settle).
    public mutating func settleRentedCompute(_ ticket: Int32, at time: SimTime) {
        guard let job = jobOfTicket[ticket], let owner = ownerOfTicket[ticket], let id = send(.settle(job: job), from: owner, at: time) else { return }
        settlesInFlight.insert(id)
    }

    @discardableResult
    private mutating func send(_ call: ComputeMarket.Call, from node: Int, at time: SimTime) -> Int32? {
        guard let id = base.submitTransaction(at: time, sizeBytes: parameters.callBytes, fee: parameters.callFee, kind: .call, origin: node,
                                              gas: ComputeMarket.gas(of: call)) else { return nil }
        follower.register(id, call: call, from: node)
        sentAt[id] = time
        if case .post = call { jobsSent += 1 }
        return id
    }

    /// Acts on the outcomes of newly confirmed best-chain blocks.
    private mutating func actOn(_ confirmed: [BlockID], _ scheduler: inout Scheduler) {
        for block in confirmed {
            guard let outcomes = follower.ledger.outcomes[block] else { continue }
            let state = follower.ledger.state(after: block)
            for outcome in outcomes {
                settlesInFlight.remove(outcome.transaction)
                guard case .success(let events) = outcome.result else { continue }
                for event in events { act(on: event, of: outcome.transaction, state: state, &scheduler) }
            }
        }
    }

    private mutating func act(on event: ComputeMarket.Event, of transaction: Int32, state: ComputeMarket, _ scheduler: inout Scheduler) {
        switch event {
        case .posted(let job):
            // After a reorganisation deeper than the confirmations, a job may be posted again
            // under an id already seen: its first sighting stays.
            logJob(job, at: scheduler.now)
            if jobLogs[Int(job)].posted == nil {
                jobLogs[Int(job)].sent = sentAt[transaction] ?? scheduler.now
                jobLogs[Int(job)].posted = scheduler.now
            }
            if let notify = notifyOfCall.removeValue(forKey: transaction) {
                notifyOfJob[job] = notify
                jobOfTicket[transaction] = job
                rentedJobIDs.insert(job)
            }
        case .started(let job, let index):
            let contractProvider = state.providers[Int(index)]
            guard let provider = providerOfNode[contractProvider.node] else { return }
            let seconds = state.jobs[Int(job)].tflop * 1_000 / contractProvider.gflops
            logJob(job, at: scheduler.now)
            jobLogs[Int(job)].started = scheduler.now
            scheduler.schedule(after: SimDuration(seconds: seconds), target: UInt32(provider), kind: MarketKind.workDone, payload: UInt32(job))
        case .paid(let job, let index, _):
            logJob(job, at: scheduler.now)
            jobLogs[Int(job)].settled = scheduler.now
            if let provider = providerOfNode[state.providers[Int(index)].node] { tflopPaid[provider] += state.jobs[Int(job)].tflop }
        case .missed(let job, _):
            logJob(job, at: scheduler.now)
            jobLogs[Int(job)].settled = scheduler.now
        case .offered, .cleared, .availability, .finished:
            break
        }
    }

    /// Makes room in `jobLogs` for `job` (a job first seen in a later event than its posting,
    /// after a reorganisation deeper than the confirmations).
    private mutating func logJob(_ job: Int32, at time: SimTime) {
        while jobLogs.count <= Int(job) { jobLogs.append(JobLog(sent: time)) }
    }

    // MARK: - The rest of the protocol, passed through

    public func nodeColumns() -> [(name: String, values: [Double])] { base.nodeColumns() }
    public func blockWorkJ(_ block: BlockID) -> Double { base.blockWorkJ(block) }
    public func workloadBytesSent() -> [Int] { base.workloadBytesSent() }
    /// Stops once every `settle` sent is confirmed: the rounds' proofs pay their providers.
    public mutating func stopProducing() {
        stopRequested = true
        if settlesInFlight.isEmpty { base.stopProducing() }
    }
    public mutating func slash(_ node: Int, fraction: Double, scheduler: inout Scheduler) -> Double {
        base.slash(node, fraction: fraction, scheduler: &scheduler)
    }
    public mutating func submitTransaction(at time: SimTime, sizeBytes: Int, fee: Double, kind: TransactionKind, origin: Int, gas: Int) -> Int32? {
        base.submitTransaction(at: time, sizeBytes: sizeBytes, fee: fee, kind: kind, origin: origin, gas: gas)
    }

    /// The contract's state on the best chain.
    public var marketState: ComputeMarket { follower.state(on: chain.tree) }

    /// Joules the providers spent working.
    public var workJ: Double { zip(busySeconds, parameters.providers).reduce(0) { $0 + $1.0 * $1.1.watts } }

    public func summary(at time: SimTime) -> [(key: String, value: Double)] {
        let state = marketState
        let waits = jobLogs.compactMap { log in log.started.map { ($0 - log.sent).seconds } }
        let paidJobs = state.jobs.filter { $0.status == .paid }
        let tflop = paidJobs.reduce(0) { $0 + $1.tflop }
        let revenue = state.providers.reduce(0) { $0 + $1.revenue }
        let capacitySeconds = Double(parameters.providers.count) * time.seconds
        let chainJ = chain.energyJ(at: time)
        return base.summary(at: time) + [
            ("market_jobs_sent", Double(jobsSent)),
            ("market_jobs_rented", Double(rentedJobs)),
            ("market_jobs_posted", Double(state.jobs.count)),
            ("market_jobs_paid", Double(paidJobs.count)),
            ("market_jobs_missed", Double(state.jobs.filter { $0.status == .missed }.count)),
            ("market_wait_mean_s", waits.isEmpty ? .nan : waits.reduce(0, +) / Double(waits.count)),
            ("market_utilisation", capacitySeconds > 0 ? busySeconds.reduce(0, +) / capacitySeconds : .nan),
            ("market_price_mean", tflop > 0 ? revenue / tflop : .nan),
            ("market_revenue_total", revenue),
            ("market_energy_j", workJ),
            ("market_energy_per_tflop_j", tflop > 0 ? workJ / tflop : .nan),
            ("useful_work_share", workJ + chainJ > 0 ? workJ / (workJ + chainJ) : .nan),
        ]
    }
}
