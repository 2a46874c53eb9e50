import Ledger
import SimKernel

/// The data market contract: providers list datasets with a price and an access policy;
/// consumers buy access (the payment goes to the provider, or waits in escrow while the owner
/// decides); the contract holds every grant and revocation, and every read is an `access` call
/// that succeeds only under a live grant (a denied read reverts, and the ledger keeps it).
///
/// Gas follows Ethereum's schedule as `ComputeMarket`'s does: 21,000 per transaction, 20,000 per
/// new storage slot, 5,000 per updated slot, 2,100 per cold read (EIP-2929), 9,000 per value
/// transfer, and 375 + 375 per topic for an event log.
public struct DataMarket: Contract {
    public static let name = "data_market"

    /// Who may buy access to a dataset.
    public enum Policy: Sendable, Equatable {
        /// Anyone who pays.
        case open
        /// Only these nodes.
        case allowlist([Int])
        /// Only nodes holding at least this stake (the caller states its stake; the chain's
        /// stake table is what a real contract would read).
        case minimumStake(Double)
        /// Anyone who pays, once the owner approves; the payment waits in escrow.
        case ownerApproval
    }

    public enum Call: Sendable, Equatable {
        case list(price: Double, sizeBytes: Int, policy: Policy)
        /// Buys access to `dataset`, paying `payment`, with the sender's `stake`.
        case buy(dataset: Int32, payment: Double, stake: Double)
        /// The owner grants (or refuses, refunding) request `request`.
        case decide(request: Int32, approve: Bool)
        case revoke(dataset: Int32, consumer: Int)
        /// One read of `dataset` by the sender.
        case access(dataset: Int32)
    }

    public enum Event: Sendable, Equatable {
        case listed(dataset: Int32)
        case granted(dataset: Int32, consumer: Int)
        case requested(request: Int32)
        case refused(request: Int32)
        case revoked(dataset: Int32, consumer: Int)
        case accessed(dataset: Int32, consumer: Int)
    }

    public struct Dataset: Sendable, Equatable {
        public var owner: Int
        public var price: Double
        public var sizeBytes: Int
        public var policy: Policy
        public var revenue = 0.0
        public var reads = 0
    }

    public struct Request: Sendable, Equatable {
        public var dataset: Int32
        public var consumer: Int
        public var escrow: Double
        public var open = true
    }

    /// A grant's key: dataset and consumer.
    public struct Holder: Hashable, Sendable {
        public var dataset: Int32
        public var consumer: Int
    }

    public private(set) var datasets: [Dataset] = []
    public private(set) var requests: [Request] = []
    /// When each live grant was given.
    public private(set) var grants: [Holder: SimTime] = [:]

    public init() {}

    public static func gas(of call: Call) -> Int {
        let log = 375 + 2 * 375
        switch call {
        case .list: return 21_000 + 4 * 20_000 + log
        case .buy: return 21_000 + 2_100 + 20_000 + 9_000 + log
        case .decide: return 21_000 + 2_100 + 5_000 + 20_000 + 9_000 + log
        case .revoke: return 21_000 + 5_000 + log
        case .access: return 21_000 + 2_100 + 5_000 + log
        }
    }

    /// The gas of the costliest call.
    public static var largestGas: Int {
        [Call.list(price: 0, sizeBytes: 1, policy: .open), .buy(dataset: 0, payment: 0, stake: 0), .decide(request: 0, approve: true),
         .revoke(dataset: 0, consumer: 0), .access(dataset: 0)].map(gas).max()!
    }

    /// Whether `consumer` holds a live grant on `dataset`.
    public func hasGrant(_ consumer: Int, on dataset: Int32) -> Bool { grants[Holder(dataset: dataset, consumer: consumer)] != nil }

    public mutating func apply(_ call: Call, from sender: Int, at time: SimTime) throws(ContractRevert) -> [Event] {
        switch call {
        case .list(let price, let size, let policy):
            guard price >= 0, size > 0 else { throw ContractRevert("a listing needs a price >= 0 and a size > 0") }
            datasets.append(Dataset(owner: sender, price: price, sizeBytes: size, policy: policy))
            return [.listed(dataset: Int32(datasets.count - 1))]
        case .buy(let id, let payment, let stake):
            let dataset = try self.dataset(id)
            guard !hasGrant(sender, on: id) else { throw ContractRevert("node \(sender) already holds access to dataset \(id)") }
            guard payment >= dataset.price else { throw ContractRevert("payment \(payment) is below the price \(dataset.price)") }
            switch dataset.policy {
            case .open: break
            case .allowlist(let nodes):
                guard nodes.contains(sender) else { throw ContractRevert("node \(sender) is not on dataset \(id)'s allowlist") }
            case .minimumStake(let minimum):
                guard stake >= minimum else { throw ContractRevert("stake \(stake) is below dataset \(id)'s minimum \(minimum)") }
            case .ownerApproval:
                requests.append(Request(dataset: id, consumer: sender, escrow: payment))
                return [.requested(request: Int32(requests.count - 1))]
            }
            return [grant(id, to: sender, paying: payment, at: time)]
        case .decide(let index, let approve):
            guard requests.indices.contains(Int(index)), requests[Int(index)].open else { throw ContractRevert("request \(index) is not open") }
            let request = requests[Int(index)]
            guard datasets[Int(request.dataset)].owner == sender else {
                throw ContractRevert("node \(sender) does not own dataset \(request.dataset)")
            }
            requests[Int(index)].open = false
            return [approve ? grant(request.dataset, to: request.consumer, paying: request.escrow, at: time) : .refused(request: index)]
        case .revoke(let id, let consumer):
            let dataset = try self.dataset(id)
            guard dataset.owner == sender else { throw ContractRevert("node \(sender) does not own dataset \(id)") }
            guard grants.removeValue(forKey: Holder(dataset: id, consumer: consumer)) != nil else {
                throw ContractRevert("node \(consumer) holds no access to dataset \(id)")
            }
            return [.revoked(dataset: id, consumer: consumer)]
        case .access(let id):
            _ = try dataset(id)
            guard hasGrant(sender, on: id) else { throw ContractRevert("node \(sender) holds no access to dataset \(id)") }
            datasets[Int(id)].reads += 1
            return [.accessed(dataset: id, consumer: sender)]
        }
    }

    private func dataset(_ id: Int32) throws(ContractRevert) -> Dataset {
        guard datasets.indices.contains(Int(id)) else { throw ContractRevert("no dataset \(id)") }
        return datasets[Int(id)]
    }

    private mutating func grant(_ id: Int32, to consumer: Int, paying payment: Double, at time: SimTime) -> Event {
        grants[Holder(dataset: id, consumer: consumer)] = time
        datasets[Int(id)].revenue += payment
        return .granted(dataset: id, consumer: consumer)
    }
}
