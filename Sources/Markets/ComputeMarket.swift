import Ledger
import SimKernel

/// The compute market contract: providers offer capacity at a price per TFLOP; a job posts its
/// size, the most it pays per TFLOP and a deadline, and escrows size x that maximum. Jobs and
/// providers meet by `Matching`. When the provider delivers before the deadline it is paid the
/// agreed price x size and the owner gets the rest of the escrow back; a late delivery pays the
/// provider nothing and refunds the owner in full. A job whose proof is the owner's to give
/// (rented federated training) is `finish`ed by the provider and `settle`d by the owner: the
/// provider is free at once, and paid if it had finished by the deadline. A provider may pause (`setAvailable(false)`):
/// it finishes the job it runs but takes no other until it resumes.
///
/// Gas follows Ethereum's schedule for what each call writes: 21,000 per transaction, 20,000 per
/// new storage slot, 5,000 per updated slot (2,900 + 2,100 for a cold slot, EIP-2929) and
/// 9,000 per value transfer.
public struct ComputeMarket: Contract {
    public static let name = "compute_market"

    /// How jobs and providers meet.
    public enum Matching: Sendable, Equatable {
        /// A job starts on the cheapest idle provider it can afford (lowest index among equals),
        /// or waits in a first-come queue; a provider that frees up takes the first waiting job
        /// that can afford it. The price is the provider's.
        case postedPrice
        /// A sealed-bid call market: bids (jobs' maximum prices) and asks (idle providers'
        /// prices) stay in the contract until a `clear` call. It matches the k highest bids with
        /// the k lowest asks, k as large as keeps the k-th bid at or above the k-th ask, and
        /// every trade pays the uniform price halfway between those two (a k-double auction with
        /// k = 1/2, Satterthwaite and Williams 1989). No other pair could trade at a gain.
        case doubleAuction
    }

    public enum Call: Sendable, Equatable {
        /// The sender offers `gflops` at `pricePerTflop`.
        case offer(gflops: Double, pricePerTflop: Double)
        /// The sender posts a job of `tflop`, paying at most `maxPricePerTflop`, due at `deadline`.
        case post(tflop: Double, maxPricePerTflop: Double, deadline: SimTime)
        /// The sender, the job's provider, delivers job `job`, and is paid (or not) at once.
        case deliver(job: Int32)
        /// The sender, the job's provider, finished job `job`; payment waits for the owner's
        /// `settle`, once the owner holds proof of the work (a round record citing it).
        case finish(job: Int32)
        /// The sender, job `job`'s owner, releases the escrow: the provider is paid if it
        /// finished by the deadline.
        case settle(job: Int32)
        /// Double auction: matches waiting bids with idle asks, at most `maxTrades` trades.
        case clear(maxTrades: Int)
        /// The sending provider pauses (false) or resumes (true).
        case setAvailable(Bool)
    }

    public enum Event: Sendable, Equatable {
        case offered(provider: Int32)
        case posted(job: Int32)
        /// `job` runs on `provider` (an index into `providers`).
        case started(job: Int32, provider: Int32)
        case paid(job: Int32, provider: Int32, amount: Double)
        case missed(job: Int32, provider: Int32)
        case finished(job: Int32, provider: Int32)
        /// A double auction cleared `trades` trades at `price` per TFLOP.
        case cleared(trades: Int32, price: Double)
        case availability(provider: Int32, available: Bool)
    }

    public struct Provider: Sendable, Equatable {
        public var node: Int
        public var gflops: Double
        public var pricePerTflop: Double
        /// The job it runs, or -1.
        public var job: Int32 = -1
        public var revenue = 0.0
        public var available = true
    }

    public enum JobStatus: UInt8, Sendable {
        case queued = 0, running = 1, paid = 2, missed = 3, awaitingProof = 4
    }

    public struct Job: Sendable, Equatable {
        public var owner: Int
        public var tflop: Double
        public var maxPricePerTflop: Double
        public var deadline: SimTime
        public var posted: SimTime
        public var started: SimTime?
        /// When the provider delivered or finished it.
        public var finished: SimTime?
        public var provider: Int32 = -1
        /// The price per TFLOP agreed when it started: its provider's, or the auction's.
        public var pricePerTflop = 0.0
        public var status = JobStatus.queued
        public var paid = 0.0
    }

    public private(set) var providers: [Provider] = []
    public private(set) var jobs: [Job] = []
    /// Waiting jobs in posting order.
    private var queue: [Int32] = []
    public let matching: Matching

    public init(matching: Matching = .postedPrice) { self.matching = matching }

    public static func gas(of call: Call) -> Int {
        switch call {
        case .offer: return 21_000 + 3 * 20_000          // node, speed, price
        case .post: return 21_000 + 4 * 20_000 + 9_000   // size, price, deadline, owner; the escrow
        case .deliver: return 21_000 + 3 * 5_000 + 2 * 9_000   // status, provider, payment; pay and refund
        case .finish: return 21_000 + 3 * 5_000                  // status, finish time, provider
        case .settle: return 21_000 + 2_100 + 2 * 5_000 + 2 * 9_000   // read the finish; status, payment; pay and refund
        // Per possible trade: read a bid and an ask, write two jobs' and providers' fields.
        case .clear(let maxTrades): return 21_000 + maxTrades * (2 * 2_100 + 4 * 5_000)
        case .setAvailable: return 21_000 + 5_000
        }
    }

    public mutating func apply(_ call: Call, from sender: Int, at time: SimTime) throws(ContractRevert) -> [Event] {
        switch call {
        case .offer(let gflops, let price):
            guard gflops > 0, price >= 0 else { throw ContractRevert("an offer needs capacity > 0 and a price >= 0") }
            guard !providers.contains(where: { $0.node == sender }) else { throw ContractRevert("node \(sender) already offers") }
            providers.append(Provider(node: sender, gflops: gflops, pricePerTflop: price))
            let index = Int32(providers.count - 1)
            return [.offered(provider: index)] + takeWaitingJob(index, at: time)
        case .setAvailable(let available):
            guard let index = providers.firstIndex(where: { $0.node == sender }) else { throw ContractRevert("node \(sender) offers no capacity") }
            providers[index].available = available
            return [.availability(provider: Int32(index), available: available)] + (available ? takeWaitingJob(Int32(index), at: time) : [])
        case .clear(let maxTrades):
            guard matching == .doubleAuction else { throw ContractRevert("clear runs only a double auction") }
            return clearAuction(maxTrades: maxTrades, at: time)
        case .post(let tflop, let maxPrice, let deadline):
            guard tflop > 0, maxPrice >= 0 else { throw ContractRevert("a job needs a size > 0 and a price >= 0") }
            let id = Int32(jobs.count)
            jobs.append(Job(owner: sender, tflop: tflop, maxPricePerTflop: maxPrice, deadline: deadline, posted: time))
            if matching == .postedPrice, let provider = cheapestIdle(affordableAt: maxPrice) {
                return [.posted(job: id), start(id, on: provider, at: time)]
            }
            queue.append(id)
            return [.posted(job: id)]
        case .deliver(let id), .finish(let id):
            guard jobs.indices.contains(Int(id)), jobs[Int(id)].status == .running else { throw ContractRevert("job \(id) is not running") }
            let provider = jobs[Int(id)].provider
            guard providers[Int(provider)].node == sender else { throw ContractRevert("node \(sender) is not job \(id)'s provider") }
            jobs[Int(id)].finished = time
            providers[Int(provider)].job = -1
            guard case .deliver = call else {
                jobs[Int(id)].status = .awaitingProof
                return [.finished(job: id, provider: provider)] + takeWaitingJob(provider, at: time)
            }
            return [settlement(id)] + takeWaitingJob(provider, at: time)
        case .settle(let id):
            guard jobs.indices.contains(Int(id)), jobs[Int(id)].status == .awaitingProof else { throw ContractRevert("job \(id) awaits no proof") }
            guard jobs[Int(id)].owner == sender else { throw ContractRevert("node \(sender) does not own job \(id)") }
            return [settlement(id)]
        }
    }

    /// Pays job `id`'s provider the agreed price x size if it finished by the deadline.
    private mutating func settlement(_ id: Int32) -> Event {
        let provider = jobs[Int(id)].provider
        guard let finished = jobs[Int(id)].finished, finished <= jobs[Int(id)].deadline else {
            jobs[Int(id)].status = .missed
            return .missed(job: id, provider: provider)
        }
        let amount = jobs[Int(id)].pricePerTflop * jobs[Int(id)].tflop
        jobs[Int(id)].status = .paid
        jobs[Int(id)].paid = amount
        providers[Int(provider)].revenue += amount
        return .paid(job: id, provider: provider, amount: amount)
    }

    /// Jobs still waiting for a provider.
    public var waiting: Int { queue.count }

    private func cheapestIdle(affordableAt maxPrice: Double) -> Int32? {
        var best: Int32?
        for (i, provider) in providers.enumerated() where provider.job < 0 && provider.available && provider.pricePerTflop <= maxPrice {
            if best == nil || provider.pricePerTflop < providers[Int(best!)].pricePerTflop { best = Int32(i) }
        }
        return best
    }

    private mutating func start(_ job: Int32, on provider: Int32, at time: SimTime, price: Double? = nil) -> Event {
        jobs[Int(job)].pricePerTflop = price ?? providers[Int(provider)].pricePerTflop
        jobs[Int(job)].status = .running
        jobs[Int(job)].provider = provider
        jobs[Int(job)].started = time
        providers[Int(provider)].job = job
        return .started(job: job, provider: provider)
    }

    /// Posted price: an idle provider takes the first waiting job that can afford it.
    private mutating func takeWaitingJob(_ provider: Int32, at time: SimTime) -> [Event] {
        guard matching == .postedPrice, providers[Int(provider)].available, providers[Int(provider)].job < 0 else { return [] }
        let price = providers[Int(provider)].pricePerTflop
        guard let slot = queue.firstIndex(where: { jobs[Int($0)].maxPricePerTflop >= price }) else { return [] }
        return [start(queue.remove(at: slot), on: provider, at: time)]
    }

    /// The double auction's clearing: bids high to low (posting order among equals), idle
    /// available asks low to high (offer order among equals); the i-th bid trades with the i-th
    /// ask while it is at least that ask, all at the midpoint of the last pair's bid and ask.
    private mutating func clearAuction(maxTrades: Int, at time: SimTime) -> [Event] {
        let bids = queue.enumerated().sorted { (-jobs[Int($0.element)].maxPricePerTflop, $0.offset) < (-jobs[Int($1.element)].maxPricePerTflop, $1.offset) }
            .map(\.element)
        let asks = providers.indices.filter { providers[$0].job < 0 && providers[$0].available }
            .sorted { (providers[$0].pricePerTflop, $0) < (providers[$1].pricePerTflop, $1) }
        var trades = 0
        while trades < min(bids.count, asks.count, maxTrades)
                && jobs[Int(bids[trades])].maxPricePerTflop >= providers[asks[trades]].pricePerTflop {
            trades += 1
        }
        guard trades > 0 else { return [] }
        let price = (jobs[Int(bids[trades - 1])].maxPricePerTflop + providers[asks[trades - 1]].pricePerTflop) / 2
        let matched = Set(bids.prefix(trades))
        queue.removeAll { matched.contains($0) }
        var events: [Event] = [.cleared(trades: Int32(trades), price: price)]
        for i in 0..<trades { events.append(start(bids[i], on: Int32(asks[i]), at: time, price: price)) }
        return events
    }
}
