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
        // A binary min-heap of (nanoseconds, node).
        var heap: [(UInt64, Int32)] = [(0, Int32(source))]
        best[source] = 0
        let control = links.controlDelay.nanoseconds
        while let (time, node) = Self.popMin(&heap) {
            let u = Int(node)
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
                    Self.push((time + hop, peer), &heap)
                }
            }
        }
        return best.map { SimDuration(nanoseconds: $0) }
    }

    private static func push(_ item: (UInt64, Int32), _ heap: inout [(UInt64, Int32)]) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0, heap[child].0 < heap[(child - 1) / 2].0 {
            heap.swapAt(child, (child - 1) / 2)
            child = (child - 1) / 2
        }
    }

    private static func popMin(_ heap: inout [(UInt64, Int32)]) -> (UInt64, Int32)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var least = parent
                if left < heap.count && heap[left].0 < heap[least].0 { least = left }
                if right < heap.count && heap[right].0 < heap[least].0 { least = right }
                if least == parent { break }
                heap.swapAt(parent, least)
                parent = least
            }
        }
        return top
    }
}
