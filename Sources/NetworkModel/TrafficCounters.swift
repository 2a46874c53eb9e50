/// The messages of the block relay.
public enum MessageKind: Int, CaseIterable, Sendable {
    case inv, getdata, block, compactBlock, getBlockTxn, blockTxn
    /// Transaction gossip (the `full` propagation model): announcements, requests and bodies.
    case tx

    /// Column-friendly name (`compact_block`, ...).
    public var name: String {
        switch self {
        case .inv: return "inv"
        case .getdata: return "getdata"
        case .block: return "block"
        case .compactBlock: return "compact_block"
        case .getBlockTxn: return "getblocktxn"
        case .blockTxn: return "blocktxn"
        case .tx: return "tx"
        }
    }
}

/// Bytes sent and received per node and message kind (for the energy model): two flat arrays,
/// kind-major, 8 bytes per (node, kind, direction).
public struct TrafficCounters: Sendable {
    /// Number of nodes.
    public let nodeCount: Int
    @usableFromInline var sent: [UInt64]
    @usableFromInline var received: [UInt64]
    @usableFromInline var total: UInt64 = 0
    /// Bytes sent by all nodes together, every kind.
    public var totalBytes: UInt64 { total }

    /// Zero counters for `nodeCount` nodes.
    public init(nodeCount: Int) {
        self.nodeCount = nodeCount
        sent = [UInt64](repeating: 0, count: nodeCount * MessageKind.allCases.count)
        received = sent
    }

    /// Counts one message of `bytes` from `sender` to `receiver`.
    @inlinable
    public mutating func count(_ kind: MessageKind, bytes: Int, from sender: Int, to receiver: Int) {
        add(kind.rawValue * nodeCount + sender, kind.rawValue * nodeCount + receiver, UInt64(bytes))
    }

    /// Counts messages of `kind` worth `bytes` in all that `sender` sent, whose receivers are
    /// counted later with `addReceived`.
    public mutating func countSent(_ kind: MessageKind, bytes: UInt64, from sender: Int) {
        total &+= bytes
        sent[kind.rawValue * nodeCount + sender] &+= bytes
    }

    /// Adds `bytes` x `times[node]` to what each node received as `kind` (the receive side of
    /// messages counted with `countSent`).
    public mutating func addReceived(_ kind: MessageKind, bytes: UInt64, times: [UInt64]) {
        precondition(times.count == nodeCount, "one count per node")
        for (node, n) in times.enumerated() { received[kind.rawValue * nodeCount + node] &+= bytes &* n }
    }

    @inlinable
    mutating func add(_ senderSlot: Int, _ receiverSlot: Int, _ bytes: UInt64) {
        total &+= bytes
        sent[senderSlot] &+= bytes
        received[receiverSlot] &+= bytes
    }

    /// Bytes each node sent as `kind`.
    public func bytesSent(_ kind: MessageKind) -> ArraySlice<UInt64> { sent[kind.rawValue * nodeCount..<(kind.rawValue + 1) * nodeCount] }

    /// Bytes each node received as `kind`.
    public func bytesReceived(_ kind: MessageKind) -> ArraySlice<UInt64> { received[kind.rawValue * nodeCount..<(kind.rawValue + 1) * nodeCount] }

    /// Bytes each node sent, all kinds together.
    public func bytesSentPerNode() -> [UInt64] {
        var total = [UInt64](repeating: 0, count: nodeCount)
        for kind in MessageKind.allCases { for (i, b) in bytesSent(kind).enumerated() { total[i] &+= b } }
        return total
    }

    /// All bytes sent by every node together, per kind.
    public func totalSent(_ kind: MessageKind) -> UInt64 { bytesSent(kind).reduce(0, &+) }
}
