import Ledger
import SimKernel

/// The compute market contract: providers offer capacity at a posted price per TFLOP; a job
/// posts its size, the most it pays per TFLOP and a deadline, and escrows size x that maximum.
/// A job starts on the cheapest idle provider it can afford (lowest index among equals), or
/// waits in a first-come queue; a provider that frees up takes the first waiting job that can
/// afford it. When the provider delivers before the deadline it is paid its price x size and the
/// owner gets the rest of the escrow back; a late delivery pays the provider nothing and refunds
/// the owner in full.
///
/// Gas follows Ethereum's schedule for what each call writes: 21,000 per transaction, 20,000 per
/// new storage slot, 5,000 per updated slot (2,900 + 2,100 for a cold slot, EIP-2929) and
/// 9,000 per value transfer.
public struct ComputeMarket: Contract {
    public static let name = "compute_market"

    public enum Call: Sendable, Equatable {
        /// The sender offers `gflops` at `pricePerTflop`.
        case offer(gflops: Double, pricePerTflop: Double)
        /// The sender posts a job of `tflop`, paying at most `maxPricePerTflop`, due at `deadline`.
        case post(tflop: Double, maxPricePerTflop: Double, deadline: SimTime)
        /// The sender, the job's provider, delivers job `job`.
        case deliver(job: Int32)
    }

    public enum Event: Sendable, Equatable {
        case offered(provider: Int32)
        case posted(job: Int32)
        /// `job` runs on `provider` (an index into `providers`).
        case started(job: Int32, provider: Int32)
        case paid(job: Int32, provider: Int32, amount: Double)
        case missed(job: Int32, provider: Int32)
    }

    public struct Provider: Sendable, Equatable {
        public var node: Int
        public var gflops: Double
        public var pricePerTflop: Double
        /// The job it runs, or -1.
        public var job: Int32 = -1
        public var revenue = 0.0
    }

    public enum JobStatus: UInt8, Sendable {
        case queued = 0, running = 1, paid = 2, missed = 3
    }

    public struct Job: Sendable, Equatable {
        public var owner: Int
        public var tflop: Double
        public var maxPricePerTflop: Double
        public var deadline: SimTime
        public var posted: SimTime
        public var started: SimTime?
        public var provider: Int32 = -1
        public var status = JobStatus.queued
        public var paid = 0.0
    }

    public private(set) var providers: [Provider] = []
    public private(set) var jobs: [Job] = []
    /// Waiting jobs in posting order.
    private var queue: [Int32] = []

    public init() {}

    public static func gas(of call: Call) -> Int {
        switch call {
        case .offer: return 21_000 + 3 * 20_000          // node, speed, price
        case .post: return 21_000 + 4 * 20_000 + 9_000   // size, price, deadline, owner; the escrow
        case .deliver: return 21_000 + 3 * 5_000 + 2 * 9_000   // status, provider, payment; pay and refund
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
        case .post(let tflop, let maxPrice, let deadline):
            guard tflop > 0, maxPrice >= 0 else { throw ContractRevert("a job needs a size > 0 and a price >= 0") }
            let id = Int32(jobs.count)
            jobs.append(Job(owner: sender, tflop: tflop, maxPricePerTflop: maxPrice, deadline: deadline, posted: time))
            if let provider = cheapestIdle(affordableAt: maxPrice) {
                return [.posted(job: id), start(id, on: provider, at: time)]
            }
            queue.append(id)
            return [.posted(job: id)]
        case .deliver(let id):
            guard jobs.indices.contains(Int(id)), jobs[Int(id)].status == .running else { throw ContractRevert("job \(id) is not running") }
            let provider = jobs[Int(id)].provider
            guard providers[Int(provider)].node == sender else { throw ContractRevert("node \(sender) is not job \(id)'s provider") }
            let event: Event
            if time <= jobs[Int(id)].deadline {
                let amount = providers[Int(provider)].pricePerTflop * jobs[Int(id)].tflop
                jobs[Int(id)].status = .paid
                jobs[Int(id)].paid = amount
                providers[Int(provider)].revenue += amount
                event = .paid(job: id, provider: provider, amount: amount)
            } else {
                jobs[Int(id)].status = .missed
                event = .missed(job: id, provider: provider)
            }
            providers[Int(provider)].job = -1
            return [event] + takeWaitingJob(provider, at: time)
        }
    }

    /// Jobs still waiting for a provider.
    public var waiting: Int { queue.count }

    private func cheapestIdle(affordableAt maxPrice: Double) -> Int32? {
        var best: Int32?
        for (i, provider) in providers.enumerated() where provider.job < 0 && provider.pricePerTflop <= maxPrice {
            if best == nil || provider.pricePerTflop < providers[Int(best!)].pricePerTflop { best = Int32(i) }
        }
        return best
    }

    private mutating func start(_ job: Int32, on provider: Int32, at time: SimTime) -> Event {
        jobs[Int(job)].status = .running
        jobs[Int(job)].provider = provider
        jobs[Int(job)].started = time
        providers[Int(provider)].job = job
        return .started(job: job, provider: provider)
    }

    /// An idle provider takes the first waiting job that can afford it.
    private mutating func takeWaitingJob(_ provider: Int32, at time: SimTime) -> [Event] {
        let price = providers[Int(provider)].pricePerTflop
        guard let slot = queue.firstIndex(where: { jobs[Int($0)].maxPricePerTflop >= price }) else { return [] }
        return [start(queue.remove(at: slot), on: provider, at: time)]
    }
}
