import SimKernel

/// An undirected peer graph in compressed sparse row form: `neighbours(of:)` is a slice of one
/// shared array, so a graph of n nodes and m edges costs 4(n + 2m) bytes.
public struct Topology: Sendable {
    /// `offsets[i]..<offsets[i+1]` indexes node i's neighbours in `adjacency`.
    public let offsets: [Int32]
    /// Concatenated neighbour lists, each sorted ascending.
    public let adjacency: [Int32]

    /// Number of nodes.
    public var nodeCount: Int { offsets.count - 1 }
    /// Number of undirected edges.
    public var edgeCount: Int { adjacency.count / 2 }

    /// Node `node`'s neighbours.
    @inlinable public func neighbours(of node: Int) -> ArraySlice<Int32> {
        adjacency[Int(offsets[node])..<Int(offsets[node + 1])]
    }

    /// Builds the graph from an undirected edge list; duplicates and self-loops are dropped.
    public init(nodeCount: Int, edges: [(Int32, Int32)]) {
        var lists = [[Int32]](repeating: [], count: nodeCount)
        for (a, b) in edges where a != b {
            lists[Int(a)].append(b)
            lists[Int(b)].append(a)
        }
        var offsets = [Int32](repeating: 0, count: nodeCount + 1)
        var adjacency: [Int32] = []
        adjacency.reserveCapacity(edges.count * 2)
        for i in 0..<nodeCount {
            let unique = Array(Set(lists[i])).sorted()
            adjacency.append(contentsOf: unique)
            offsets[i + 1] = Int32(adjacency.count)
        }
        self.offsets = offsets
        self.adjacency = adjacency
    }

    /// Every node connected to every other.
    public static func fullMesh(nodeCount: Int) -> Topology {
        var edges: [(Int32, Int32)] = []
        edges.reserveCapacity(nodeCount * (nodeCount - 1) / 2)
        for a in 0..<nodeCount { for b in (a + 1)..<max(a + 1, nodeCount) { edges.append((Int32(a), Int32(b))) } }
        return Topology(nodeCount: nodeCount, edges: edges)
    }

    /// A random graph in which every node opens `outbound` connections to distinct peers chosen
    /// uniformly (a full mesh when `outbound` >= nodeCount - 1); see `random(outboundCounts:...)`.
    public static func random(nodeCount: Int, outbound: Int, using stream: RandomStream) -> Topology {
        if outbound >= nodeCount - 1 { return fullMesh(nodeCount: nodeCount) }
        return random(outboundCounts: [Int](repeating: outbound, count: nodeCount), inboundCap: nil, repair: true, using: stream)
    }

    /// A random graph in which node i opens `outboundCounts[i]` connections to distinct peers
    /// chosen uniformly, skipping peers that already accept `inboundCap` inbound connections
    /// (a node then gets fewer outbound links if no peer is left after many tries). Links are
    /// undirected, so a node's degree is its outbound plus its inbound count. With `repair`, a
    /// disconnected result gets one extra edge between each pair of consecutive components
    /// (deterministic for the stream); otherwise it is returned as it is (see `components()`).
    public static func random(outboundCounts: [Int], inboundCap: Int?, repair: Bool, using stream: RandomStream) -> Topology {
        let nodeCount = outboundCounts.count
        var edges: [(Int32, Int32)] = []
        edges.reserveCapacity(outboundCounts.reduce(0, +))
        var inbound = [Int32](repeating: 0, count: nodeCount)
        var picked = Set<Int>()
        for node in 0..<nodeCount {
            let want = min(outboundCounts[node], nodeCount - 1)
            picked.removeAll(keepingCapacity: true)
            var tries = 0
            while picked.count < want && tries < 100 * max(want, 1) {
                tries += 1
                let peer = stream.int(below: nodeCount)
                guard peer != node, !picked.contains(peer) else { continue }
                if let cap = inboundCap, inbound[peer] >= cap { continue }
                picked.insert(peer)
                inbound[peer] += 1
                edges.append((Int32(node), Int32(peer)))
            }
        }
        return Topology(nodeCount: nodeCount, edges: edges).repaired(repair, using: stream)
    }

    /// With `repair`, the graph plus one edge between each pair of consecutive components
    /// (endpoints drawn from `stream`), so it is connected; otherwise the graph itself.
    public func repaired(_ repair: Bool, using stream: RandomStream) -> Topology {
        let parts = components()
        guard repair, parts.count > 1 else { return self }
        var edges: [(Int32, Int32)] = []
        edges.reserveCapacity(adjacency.count / 2 + parts.count)
        for node in 0..<nodeCount {
            for peer in neighbours(of: node) where Int(peer) > node { edges.append((Int32(node), peer)) }
        }
        for i in 1..<parts.count {
            edges.append((Int32(parts[i - 1][stream.int(below: parts[i - 1].count)]), Int32(parts[i][stream.int(below: parts[i].count)])))
        }
        return Topology(nodeCount: nodeCount, edges: edges)
    }

    /// Connected components, each a list of node ids, ordered by their smallest node.
    public func components() -> [[Int]] {
        var label = [Int32](repeating: -1, count: nodeCount)
        var result: [[Int]] = []
        var stack: [Int] = []
        for start in 0..<nodeCount where label[start] < 0 {
            var members: [Int] = []
            label[start] = Int32(result.count)
            stack.append(start)
            while let node = stack.popLast() {
                members.append(node)
                for peer in neighbours(of: node) where label[Int(peer)] < 0 {
                    label[Int(peer)] = Int32(result.count)
                    stack.append(Int(peer))
                }
            }
            result.append(members)
        }
        return result
    }
}
