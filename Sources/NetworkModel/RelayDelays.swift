import SimKernel

extension Network {
    /// The time a message of `bytes` takes to reach every node from `source` along the fastest
    /// path of the peer graph (Dijkstra), with each hop costing what the relay charges a block
    /// of that size on an idle link, at the mean latency of its regions:
    /// - push: serialization + latency;
    /// - inv: inv and getdata (latency + control delay each), then the message (serialization +
    ///   latency).
    /// Validation time (`links.processing`, a block's) is not added: a transaction checks in
    /// microseconds. Unreachable nodes get `SimDuration(nanoseconds: .max)`.
    public func relayDelays(from source: Int, bytes: Int, relay: RelayProtocol) -> [SimDuration] {
        let unreachable = UInt64.max
        var best = [UInt64](repeating: unreachable, count: nodeCount)
        var done = [Bool](repeating: false, count: nodeCount)
        // The kernel's event queue is the priority queue: (arrival time, node), ties in push order.
        var queue = EventQueue()
        queue.push(time: .zero, target: UInt32(source), kind: 0, payload: 0)
        best[source] = 0
        let control = links.controlDelay.nanoseconds
        while let reached = queue.pop() {
            let u = Int(reached.target), time = reached.time.nanoseconds
            guard !done[u] else { continue }
            done[u] = true
            for peer in topology.neighbours(of: u) {
                let v = Int(peer)
                guard !done[v] else { continue }
                let latency = SimDuration(milliseconds: latency.meanMs(from: Int(regionOfNode[u]), to: Int(regionOfNode[v]))).nanoseconds
                var hop = latency + serialization(bytes: bytes, from: u, to: v).nanoseconds
                if relay == .inv { hop += 2 * (latency + control) }
                if time + hop < best[v] {
                    best[v] = time + hop
                    queue.push(time: SimTime(nanoseconds: time + hop), target: UInt32(peer), kind: 0, payload: 0)
                }
            }
        }
        return best.map { SimDuration(nanoseconds: $0) }
    }
}
