import SimKernel

/// Event kinds of the relay: one per message kind, from 20 on (consensus kinds stay below).
public enum RelayEventKind {
    /// The first relay kind.
    public static let base: UInt16 = 20
    /// The event kind that delivers a message of `kind`.
    @inlinable public static func of(_ kind: MessageKind) -> UInt16 { base + UInt16(kind.rawValue) }
    /// True when `kind` is a relay event.
    @inlinable public static func contains(_ kind: UInt16) -> Bool { kind >= base && kind < base + UInt16(MessageKind.allCases.count) }
}

/// A block held by a node whose parent the node does not have yet.
struct Orphan: Sendable {
    var node: Int32
    var block: Int32
    var source: Int32
}

/// Spreads blocks over the network, message by message: inv -> getdata -> block (or compact
/// block, and the missing part after a failed reconstruction), or unsolicited push.
///
/// - A node *connects* a block once it holds the block and all its ancestors; only then does it
///   relay it and count as holding it. A block whose parent is missing waits as an orphan, and
///   the node fetches the parent from the peer that sent the child, so no node skips a block.
/// - Each node uploads one bulk message (block, compact block, missing part) at a time, in
///   request order: `uplinkFreeAt` is that FIFO queue in closed form, so a node relaying a large
///   block to many peers sends them one after another. The uplink is free again once the bytes
///   are on the wire, or (`UplinkHold.delivery`, SimBlock's rule) once the message arrived. Control messages (inv, getdata,
///   getblocktxn) are small and skip the queue.
/// - An inv to a peer that already holds or is fetching the block would change nothing on
///   arrival (that state never reverts), so its bytes are counted but no event is scheduled.
///
/// The relay does not decide what to pass on: after each call the consensus model reads
/// `connectedNow`, calls `announce` for the blocks it relays (in Bitcoin, those that became the
/// node's tip; a selfish miner withholds), then calls `clearConnected()`.
public struct BlockRelay {
    /// The network the messages travel on.
    public let network: Network
    /// Relay protocol and message sizes.
    public let parameters: RelayParameters
    /// Which nodes use compact blocks (stream `net.compact.use`).
    public let usesCompact: [Bool]
    /// Which nodes are churning (stream `net.compact.use`).
    public let churning: [Bool]
    /// How fast each block spread.
    public private(set) var reach: ReachTracker
    /// Bytes per node and message kind. Computed: the inv bytes each node received are derived
    /// here from the announcement counts (one pass over the peer graph), so read it once a run,
    /// not per event; `trafficBytes` is the running total.
    public var traffic: TrafficCounters {
        var full = counters
        full.addReceived(.inv, bytes: UInt64(parameters.invBytes), times: invsReceivedFromAnnouncements())
        return full
    }
    /// Bytes sent so far by every node together, every kind (cheap: read it at any time).
    public var trafficBytes: UInt64 { counters.totalBytes }
    /// Blocks connected since the last `clearConnected()`, in order, each with the node that
    /// connected it and the peer it came from (-1: produced there).
    public private(set) var connectedNow: [(node: Int32, block: Int32, source: Int32)] = []
    /// Parent blocks fetched because a child arrived first.
    public private(set) var ancestorFetches = 0

    /// Every message counted, except the received side of invs sent through the peer graph.
    private var counters: TrafficCounters
    /// Per node: blocks it announced by inv to all its peer-graph neighbours (but the source).
    private var invAnnouncements: [UInt32]
    /// Per node: announcements by a neighbour that skipped it as the block's source.
    private var invSkips: [UInt32]
    private var parentOf: [Int32] = []
    private var sizeOf: [Int32] = []
    private var received: BlockNodeBits
    private var requested: BlockNodeBits
    private var connected: BlockNodeBits
    private var uplinkFreeAt: [SimTime]
    private var orphans: [Int32: [Orphan]] = [:]
    private var orphanCount = 0
    private var work: [Orphan] = []
    private let latencyStream: RandomStream
    private let compactStream: RandomStream

    /// Creates the relay; `streams` supplies `net.latency`, `net.compact.use` and `net.compact.fail`.
    public init(network: Network, parameters: RelayParameters, streams: RandomStreams) {
        let n = network.nodeCount
        self.network = network
        self.parameters = parameters
        let use = streams.stream("net.compact.use")
        self.usesCompact = (0..<n).map { _ in use.uniform() < parameters.compact.share }
        self.churning = (0..<n).map { _ in use.uniform() < parameters.compact.churnShare }
        self.reach = ReachTracker(nodeCount: n, sampledNodes: parameters.receiveTimesNodes)
        self.counters = TrafficCounters(nodeCount: n)
        self.invAnnouncements = [UInt32](repeating: 0, count: n)
        self.invSkips = [UInt32](repeating: 0, count: n)
        self.received = BlockNodeBits(nodeCount: n)
        self.requested = BlockNodeBits(nodeCount: n)
        self.connected = BlockNodeBits(nodeCount: n)
        self.uplinkFreeAt = [SimTime](repeating: .zero, count: n)
        self.latencyStream = streams.stream("net.latency")
        self.compactStream = streams.stream("net.compact.fail")
    }

    /// Registers the next block (ids count up from 0, as in the block tree). A block with
    /// parent -1 is a genesis block, held by every node from the start.
    @discardableResult
    public mutating func addBlock(parent: Int32, sizeBytes: Int, createdAt time: SimTime) -> Int32 {
        let genesis = parent < 0
        parentOf.append(parent)
        sizeOf.append(Int32(clamping: sizeBytes))
        received.addBlock(allSet: genesis)
        requested.addBlock(allSet: genesis)
        connected.addBlock(allSet: genesis)
        reach.addItem(createdAt: time, heldByAll: genesis)
        return Int32(parentOf.count - 1)
    }

    /// `node` produced `block` (on a parent it has): it connects it and starts relaying.
    public mutating func originate(_ block: Int32, at node: Int, scheduler: inout Scheduler) {
        received.insert(block, node)
        requested.insert(block, node)
        connect(Orphan(node: Int32(node), block: block, source: -1), scheduler: &scheduler)
    }

    /// Forgets `connectedNow` (keeping its storage).
    public mutating func clearConnected() { connectedNow.removeAll(keepingCapacity: true) }

    /// Counts a message the relay did not send itself (transaction gossip).
    public mutating func countTraffic(_ kind: MessageKind, bytes: Int, from sender: Int, to receiver: Int) {
        counters.count(kind, bytes: bytes, from: sender, to: receiver)
    }

    /// True when `node` holds `block` and all its ancestors.
    public func isConnected(_ block: Int32, at node: Int) -> Bool { connected.contains(block, node) }

    /// Handles one relay event (`RelayEventKind.contains(event.kind)`).
    public mutating func handle(_ event: Event, scheduler: inout Scheduler) {
        let node = Int(event.target), peer = Int(event.source), block = Int32(event.payload)
        switch MessageKind(rawValue: Int(event.kind - RelayEventKind.base)) {
        case .inv:
            guard !received.contains(block, node), requested.insert(block, node) else { return }
            sendControl(.getdata, block, from: node, to: peer, scheduler: &scheduler)
        case .getdata:
            let compact = usesCompact[node] && usesCompact[peer] && parameters.compact.sizeBytes > 0
            sendBulk(compact ? .compactBlock : .block, block, from: node, to: peer, scheduler: &scheduler)
        case .compactBlock:
            guard !received.contains(block, node) else { return }
            let failure = churning[node] ? parameters.compact.churnFailureRate : parameters.compact.failureRate
            if failure > 0 && compactStream.uniform() < failure {
                sendControl(.getBlockTxn, block, from: node, to: peer, scheduler: &scheduler)
            } else {
                accept(block, at: node, from: peer, scheduler: &scheduler)
            }
        case .getBlockTxn:
            sendBulk(.blockTxn, block, from: node, to: peer, scheduler: &scheduler)
        case .block, .blockTxn:
            guard !received.contains(block, node) else { return }
            accept(block, at: node, from: peer, scheduler: &scheduler)
        case .tx, nil:   // transaction gossip schedules no relay events
            preconditionFailure("BlockRelay got event kind \(event.kind)")
        }
    }

    /// `node` now holds `block`'s data: connect it, or keep it as an orphan and fetch the parent.
    private mutating func accept(_ block: Int32, at node: Int, from source: Int, scheduler: inout Scheduler) {
        received.insert(block, node)
        let parent = parentOf[Int(block)]
        let orphan = Orphan(node: Int32(node), block: block, source: Int32(source))
        if connected.contains(parent, node) {
            connect(orphan, scheduler: &scheduler)
            return
        }
        orphans[parent, default: []].append(orphan)
        orphanCount += 1
        if !received.contains(parent, node) && requested.insert(parent, node) {
            ancestorFetches += 1
            sendControl(.getdata, parent, from: node, to: source, scheduler: &scheduler)
        }
    }

    /// Connects a block at a node, then every orphan that was waiting on it there.
    private mutating func connect(_ first: Orphan, scheduler: inout Scheduler) {
        work.append(first)
        while let item = work.popLast() {
            let node = Int(item.node)
            connected.insert(item.block, node)
            reach.record(Int(item.block), node: node, at: scheduler.now)
            connectedNow.append((item.node, item.block, item.source))
            guard orphanCount > 0, var waiting = orphans[item.block] else { continue }
            let before = waiting.count
            for orphan in waiting where orphan.node == item.node { work.append(orphan) }
            waiting.removeAll { $0.node == item.node }
            orphanCount -= before - waiting.count
            orphans[item.block] = waiting.isEmpty ? nil : waiting
        }
    }

    /// `node` passes `block` (which it has connected) to its neighbours, all but `source` (the peer
    /// it came from; -1 for none): an inv each, or the whole block (push).
    ///
    /// The inv bytes a peer receives are not counted per message (a random write per inv, most
    /// of which never become events): the sender counts what it sent, and `traffic` derives the
    /// receive side from how often each neighbour announced. The totals are the same integers.
    public mutating func announce(_ block: Int32, from node: Int, except source: Int, scheduler: inout Scheduler) {
        guard parameters.relayProtocol == .inv else {
            announce(block, from: node, to: network.topology.neighbours(of: node), except: source, scheduler: &scheduler)
            return
        }
        assert(connected.contains(block, node), "a node announces only blocks it has connected")
        var sent = 0
        for peer32 in network.topology.neighbours(of: node) {
            let peer = Int(peer32)
            guard peer != source else {
                invSkips[peer] &+= 1
                continue
            }
            sent += 1
            deliverInv(block, from: node, to: peer, scheduler: &scheduler)
        }
        invAnnouncements[node] &+= 1
        counters.countSent(.inv, bytes: UInt64(parameters.invBytes) * UInt64(sent), from: node)
    }

    /// Per node, the invs it received through `announce(_:from:except:)`: the announcements of
    /// its neighbours, less those that skipped it as the source (the peer graph is undirected).
    private func invsReceivedFromAnnouncements() -> [UInt64] {
        let topology = network.topology
        return (0..<network.nodeCount).map { node in
            var heard: UInt64 = 0
            for peer in topology.neighbours(of: node) { heard &+= UInt64(invAnnouncements[Int(peer)]) }
            return heard &- UInt64(invSkips[node])
        }
    }

    /// `node` passes `block` to the given peers (e.g. an overlay of direct links beside the peer
    /// graph), all but `source`; messages cost what they cost on the peer graph.
    public mutating func announce(_ block: Int32, from node: Int, to peers: some Sequence<Int32>, except source: Int,
                                  scheduler: inout Scheduler) {
        assert(connected.contains(block, node), "a node announces only blocks it has connected")
        for peer32 in peers where Int(peer32) != node {
            let peer = Int(peer32)
            guard peer != source else { continue }
            switch parameters.relayProtocol {
            case .inv:
                counters.count(.inv, bytes: parameters.invBytes, from: node, to: peer)
                deliverInv(block, from: node, to: peer, scheduler: &scheduler)
            case .push:
                guard !received.contains(block, peer), requested.insert(block, peer) else { continue }
                sendBulk(.block, block, from: node, to: peer, scheduler: &scheduler)
            }
        }
    }

    /// Schedules an inv's arrival, unless the peer already holds or is fetching the block (the
    /// inv would change nothing there; its bytes are counted either way).
    @inline(__always)
    private mutating func deliverInv(_ block: Int32, from node: Int, to peer: Int, scheduler: inout Scheduler) {
        if received.contains(block, peer) || requested.contains(block, peer) { return }
        let delay = network.delay(from: node, to: peer, using: latencyStream) + network.links.controlDelay
        scheduler.schedule(after: delay, target: UInt32(peer), source: UInt32(node), kind: RelayEventKind.of(.inv), payload: UInt32(block))
    }

    /// A small message: latency plus the control delay, no upload queue.
    private mutating func sendControl(_ kind: MessageKind, _ block: Int32, from node: Int, to peer: Int, scheduler: inout Scheduler) {
        counters.count(kind, bytes: parameters.getdataBytes, from: node, to: peer)
        let delay = network.delay(from: node, to: peer, using: latencyStream) + network.links.controlDelay
        scheduler.schedule(after: delay, target: UInt32(peer), source: UInt32(node), kind: RelayEventKind.of(kind), payload: UInt32(block))
    }

    /// A bulk message: waits for the sender's uplink, takes bytes x 8 / bandwidth on it, then
    /// latency, then the receiver's processing time.
    private mutating func sendBulk(_ kind: MessageKind, _ block: Int32, from node: Int, to peer: Int, scheduler: inout Scheduler) {
        let bytes: Int
        switch kind {
        case .compactBlock: bytes = parameters.compact.sizeBytes
        case .blockTxn: bytes = Int((Double(sizeOf[Int(block)]) * parameters.compact.missingFraction).rounded(.up))
        default: bytes = Int(sizeOf[Int(block)])
        }
        counters.count(kind, bytes: bytes, from: node, to: peer)
        let start = max(scheduler.now, uplinkFreeAt[node])
        let sent = start + network.serialization(bytes: bytes, from: node, to: peer)
        let arrival = sent + network.delay(from: node, to: peer, using: latencyStream) + network.links.processing
        uplinkFreeAt[node] = network.links.uplinkHold == .delivery ? arrival : sent
        scheduler.schedule(at: arrival, target: UInt32(peer), source: UInt32(node), kind: RelayEventKind.of(kind), payload: UInt32(block))
    }
}
