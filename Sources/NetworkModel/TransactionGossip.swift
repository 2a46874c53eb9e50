import SimKernel

extension BlockRelay {
    /// Unreachable in `gossipTransaction`'s result.
    public static let unreachedMicros = UInt32.max

    /// Floods one transaction of `bytes` from `origin` over the peer graph, message by message,
    /// and counts every message's bytes as `tx` traffic; returns each node's delay from creation
    /// to holding it, microseconds (`unreachedMicros`: never).
    ///
    /// With inv relay a node that gets the transaction announces it (an inv of `invBytes`) to
    /// every peer but the one it came from; a peer requests it (a getdata of `getdataBytes`) from
    /// the first announcer only, and the announcer sends it. With push relay the body goes to
    /// every peer but the sender. Every message draws its latency from `stream` (a control
    /// message adds the links' control delay), and a body adds its serialization. Transactions
    /// do not queue behind blocks or each other on the uplink: they are small.
    public mutating func gossipTransaction(from origin: Int, bytes: Int, using stream: RandomStream) -> [UInt32] {
        let n = network.nodeCount, control = network.links.controlDelay
        let inv = parameters.relayProtocol == .inv
        var arrival = [UInt32](repeating: Self.unreachedMicros, count: n)
        var requested = [Bool](repeating: false, count: n)
        // Event kinds: 0, the body reaches `target` from `payload`; 1, an inv from `payload`.
        var queue = EventQueue()
        queue.push(time: .zero, target: UInt32(origin), kind: 0, payload: UInt32(origin))
        requested[origin] = true
        while let message = queue.pop() {
            let node = Int(message.target), from = Int(message.payload), now = message.time
            if message.kind == 1 {
                guard !requested[node] else { continue }
                requested[node] = true
                countTraffic(.tx, bytes: parameters.getdataBytes, from: node, to: from)
                countTraffic(.tx, bytes: bytes, from: from, to: node)
                let back = network.delay(from: node, to: from, using: stream) + control
                let body = network.serialization(bytes: bytes, from: from, to: node) + network.delay(from: from, to: node, using: stream)
                queue.push(time: now + back + body, target: UInt32(node), kind: 0, payload: UInt32(from))
                continue
            }
            guard arrival[node] == Self.unreachedMicros else { continue }
            arrival[node] = UInt32(clamping: now.nanoseconds / 1_000)
            for peer in network.topology.neighbours(of: node) where Int(peer) != from {
                let p = Int(peer)
                if inv {
                    countTraffic(.tx, bytes: parameters.invBytes, from: node, to: p)
                    // A peer that already asked for it ignores the inv: no event needed.
                    guard !requested[p] else { continue }
                    queue.push(time: now + network.delay(from: node, to: p, using: stream) + control, target: UInt32(peer), kind: 1,
                               payload: UInt32(node))
                } else {
                    countTraffic(.tx, bytes: bytes, from: node, to: p)
                    guard arrival[p] == Self.unreachedMicros else { continue }
                    queue.push(time: now + network.serialization(bytes: bytes, from: node, to: p) + network.delay(from: node, to: p, using: stream),
                               target: UInt32(peer), kind: 0, payload: UInt32(node))
                }
            }
        }
        return arrival
    }
}
