import Consensus
import Ledger
import Markets
import SimKernel

/// Event kinds of the data market under federated learning.
enum DataKind {
    static let listings: UInt16 = 46
    static let ownerDecides: UInt16 = 47
    static let downloaded: UInt16 = 48
    static let revocations: UInt16 = 49
}

/// The data market as federated learning uses it: the contract followed on the chain, and what
/// each client saw of its dataset.
public struct DataMarketRun {
    public let sourcing: DataSourcing
    public internal(set) var follower: ContractFollower<DataMarket>
    /// Per client, in client order.
    public internal(set) var logs: [DataAccessLog]
    /// Calls sent, and when the last buy was settled (granted and downloaded, denied or refused).
    public internal(set) var callsSent = 0
    public internal(set) var settled: SimTime?
    /// The client each call was sent for, by transaction id.
    var clientOfCall: [Int32: Int] = [:]
    var listingsConfirmed = 0
    let decisions: RandomStream
    let revocations: RandomStream

    init(sourcing: DataSourcing, streams: RandomStreams) {
        self.sourcing = sourcing
        follower = ContractFollower(initial: DataMarket(), confirmations: sourcing.confirmations)
        logs = [DataAccessLog](repeating: DataAccessLog(), count: sourcing.owners.count)
        decisions = streams.stream("data.approvals")
        revocations = streams.stream("data.revocations")
    }

    /// The contract's state on the best chain of `tree`.
    public func state(on tree: BlockTree) -> DataMarket { follower.state(on: tree) }

    /// Whether every buy has its outcome.
    var isSettled: Bool { !logs.contains { $0.status == .pending || ($0.status == .granted && $0.ready == nil) } }

    mutating func register(_ id: Int32, call: DataMarket.Call, from node: Int, client: Int) {
        follower.register(id, call: call, from: node)
        clientOfCall[id] = client
        callsSent += 1
    }
}

/// The data market's side of a federated run (`FederationParameters.dataSourcing`): owners list
/// the clients' datasets at time 0; once every listing is confirmed the task buys what its
/// budget allows; a confirmed grant starts the download from the owner, and a client may be
/// selected from when its download ends until a revocation is confirmed. Rounds start once every
/// buy is settled. Each training client logs its read as an `access` call when the model reaches
/// it, and each round's record cites the grant of every participant.
extension FederatedChain {
    mutating func startDataMarket(_ scheduler: inout Scheduler) {
        guard let market = dataMarket else { return }
        scheduler.schedule(at: .zero, target: 0, kind: DataKind.listings)
        if let revokeAt = market.sourcing.revokeAt { scheduler.schedule(at: revokeAt, target: 0, kind: DataKind.revocations) }
        learning.permitted = [Bool](repeating: false, count: learning.clientCount)
    }

    /// Handles a data market event; false for any other kind.
    mutating func handleDataMarket(_ event: Event, _ scheduler: inout Scheduler) -> Bool {
        guard let sourcing = dataMarket?.sourcing else { return false }
        switch event.kind {
        case DataKind.listings:
            for client in sourcing.owners.indices {
                sendDataCall(.list(price: sourcing.prices[client], sizeBytes: sourcing.sizeBytes[client], policy: sourcing.policy),
                             from: sourcing.owners[client], client: client, at: scheduler.now)
            }
        case DataKind.ownerDecides:
            let client = Int(event.target)
            let approve = sourcing.approvalRate >= 1 || dataMarket!.decisions.uniform() < sourcing.approvalRate
            sendDataCall(.decide(request: Int32(event.payload), approve: approve), from: sourcing.owners[client], client: client, at: scheduler.now)
        case DataKind.downloaded:
            let client = Int(event.target)
            dataMarket!.logs[client].ready = scheduler.now
            if dataMarket!.logs[client].status == .granted { learning.permitted[client] = true }
            startRoundsIfSettled(&scheduler)
        case DataKind.revocations:
            var holders = dataMarket!.logs.indices.filter { dataMarket!.logs[$0].status == .granted }
            dataMarket!.revocations.shuffle(&holders)
            for client in holders.prefix(Int((sourcing.revokeShare * Double(holders.count)).rounded())).sorted() {
                guard let dataset = dataMarket!.logs[client].dataset else { continue }
                sendDataCall(.revoke(dataset: dataset, consumer: parameters.clientNodes[client]), from: sourcing.owners[client], client: client,
                             at: scheduler.now)
            }
        default:
            return false
        }
        return true
    }

    /// Logs training client `client`'s read of its dataset on the chain.
    mutating func logRead(_ client: Int, at time: SimTime) {
        guard let dataset = dataMarket?.logs[client].dataset else { return }
        sendDataCall(.access(dataset: dataset), from: parameters.clientNodes[client], client: client, at: time)
    }

    /// The grants the participants of `aggregated` trained under (empty without a data market).
    func grantsCited(by aggregated: [Int]) -> [Int32] {
        guard let market = dataMarket else { return [] }
        return aggregated.map { market.logs[$0].grantTransaction ?? -1 }
    }

    private mutating func sendDataCall(_ call: DataMarket.Call, from node: Int, client: Int, at time: SimTime) {
        guard let sourcing = dataMarket?.sourcing,
              let id = base.submitTransaction(at: time, sizeBytes: sourcing.callBytes, fee: sourcing.callFee, kind: .call, origin: node,
                                              gas: DataMarket.gas(of: call)) else { return }
        dataMarket!.register(id, call: call, from: node, client: client)
    }

    /// Runs the new blocks' calls and acts on the best chain's newly confirmed outcomes.
    mutating func followDataMarket(_ scheduler: inout Scheduler) {
        guard dataMarket != nil, let pool = base.chain.transactions else { return }
        for block in dataMarket!.follower.advance(tree: base.chain.tree, blockTransactions: pool.blockTransactions) {
            for outcome in dataMarket!.follower.ledger.outcomes[block] ?? [] {
                guard let client = dataMarket!.clientOfCall[outcome.transaction] else { continue }
                switch outcome.result {
                case .success(let events):
                    for event in events { act(on: event, client: client, transaction: outcome.transaction, &scheduler) }
                case .failure:
                    actOnRevert(of: outcome.transaction, client: client, &scheduler)
                }
            }
        }
    }

    private mutating func act(on event: DataMarket.Event, client: Int, transaction: Int32, _ scheduler: inout Scheduler) {
        let now = scheduler.now
        switch event {
        case .listed(let dataset):
            guard dataMarket!.logs[client].dataset == nil else { return }
            dataMarket!.logs[client].dataset = dataset
            dataMarket!.listingsConfirmed += 1
            if dataMarket!.listingsConfirmed == dataMarket!.logs.count { buyData(at: now, &scheduler) }
        case .granted:
            guard dataMarket!.logs[client].status == .pending else { return }
            dataMarket!.logs[client].status = .granted
            dataMarket!.logs[client].granted = now
            dataMarket!.logs[client].grantTransaction = transaction
            let sourcing = dataMarket!.sourcing
            let arrival = send(sourcing.sizeBytes[client], from: sourcing.owners[client], to: parameters.clientNodes[client], at: now)
            scheduler.schedule(at: arrival, target: UInt32(client), kind: DataKind.downloaded)
        case .requested(let request):
            scheduler.schedule(after: dataMarket!.sourcing.approvalDelay, target: UInt32(client), kind: DataKind.ownerDecides,
                               payload: UInt32(request))
        case .refused:
            dataMarket!.logs[client].status = .refused
            startRoundsIfSettled(&scheduler)
        case .revoked:
            dataMarket!.logs[client].status = .revoked
            dataMarket!.logs[client].revoked = now
            learning.permitted[client] = false
        case .accessed:
            dataMarket!.logs[client].reads += 1
        }
    }

    private mutating func actOnRevert(of transaction: Int32, client: Int, _ scheduler: inout Scheduler) {
        guard let (call, _) = dataMarket!.follower.ledger.calls[transaction] else { return }
        switch call {
        case .buy:
            dataMarket!.logs[client].status = .denied
            startRoundsIfSettled(&scheduler)
        case .access:
            dataMarket!.logs[client].deniedReads += 1
        case .list, .decide, .revoke:
            break
        }
    }

    /// Every listing is confirmed: each client the budget covers buys access to its dataset.
    private mutating func buyData(at time: SimTime, _ scheduler: inout Scheduler) {
        let sourcing = dataMarket!.sourcing
        for client in sourcing.purchases() {
            guard let dataset = dataMarket!.logs[client].dataset else { continue }
            dataMarket!.logs[client].status = .pending
            dataMarket!.logs[client].buySent = time
            sendDataCall(.buy(dataset: dataset, payment: sourcing.prices[client], stake: sourcing.stakes[client]),
                         from: parameters.clientNodes[client], client: client, at: time)
        }
        startRoundsIfSettled(&scheduler)
    }

    /// Starts the first round once every buy has its outcome; with no client holding data, the
    /// run ends without rounds.
    private mutating func startRoundsIfSettled(_ scheduler: inout Scheduler) {
        guard dataMarket!.settled == nil, dataMarket!.listingsConfirmed == dataMarket!.logs.count, dataMarket!.isSettled else { return }
        dataMarket!.settled = scheduler.now
        if learning.permitted.contains(true) && parameters.rounds > 0 {
            scheduler.schedule(at: scheduler.now, target: 0, kind: Kind.roundStart)
        } else {
            base.stopProducing()
        }
    }
}

extension FederatedChain {
    /// The data market's summary keys (none without it).
    func dataMarketSummary(at time: SimTime) -> [(key: String, value: Double)] {
        guard let market = dataMarket else { return [] }
        let logs = market.logs
        let state = market.state(on: base.chain.tree)
        let waits = logs.compactMap { log in log.ready.flatMap { ready in log.buySent.map { (ready - $0).seconds } } }
        let prices = market.sourcing.prices
        return [
            ("data_datasets", Double(state.datasets.count)),
            ("data_bought", Double(logs.filter { $0.buySent != nil }.count)),
            ("data_grants", Double(logs.filter { $0.granted != nil }.count)),
            ("data_denied", Double(logs.filter { $0.status == .denied || $0.status == .refused }.count)),
            ("data_revoked", Double(logs.filter { $0.status == .revoked }.count)),
            ("data_reads", Double(logs.reduce(0) { $0 + $1.reads })),
            ("data_denied_reads", Double(logs.reduce(0) { $0 + $1.deniedReads })),
            ("data_price_mean", prices.isEmpty ? .nan : prices.reduce(0, +) / Double(prices.count)),
            ("data_spent", state.datasets.reduce(0) { $0 + $1.revenue }),
            ("data_time_to_access_mean_s", waits.isEmpty ? .nan : waits.reduce(0, +) / Double(waits.count)),
            ("data_ready_s", market.settled?.seconds ?? .nan),
            ("data_calls", Double(market.callsSent)),
        ]
    }

    /// Each node's revenue from its datasets (`data_revenue`), on the best chain.
    func dataRevenueColumn() -> [(name: String, values: [Double])] {
        guard let market = dataMarket else { return [] }
        var revenue = [Double](repeating: 0, count: base.chain.network.nodeCount)
        for dataset in market.state(on: base.chain.tree).datasets { revenue[dataset.owner] += dataset.revenue }
        return [("data_revenue", revenue)]
    }
}
