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
    /// uniformly; connections are undirected, so the mean degree is about 2 x `outbound`. If the
    /// result is disconnected, the components are joined by one edge each (a repair that is
    /// deterministic for a given stream).
    public static func random(nodeCount: Int, outbound: Int, using stream: RandomStream) -> Topology {
        if outbound >= nodeCount - 1 { return fullMesh(nodeCount: nodeCount) }
        var edges: [(Int32, Int32)] = []
        edges.reserveCapacity(nodeCount * outbound)
        var picked = Set<Int>()
        for node in 0..<nodeCount {
            picked.removeAll(keepingCapacity: true)
            while picked.count < outbound {
                let peer = stream.int(below: nodeCount)
                if peer != node, picked.insert(peer).inserted { edges.append((Int32(node), Int32(peer))) }
            }
        }
        var graph = Topology(nodeCount: nodeCount, edges: edges)
        let components = graph.components()
        if components.count > 1 {
            for i in 1..<components.count {
                let a = components[i - 1][stream.int(below: components[i - 1].count)]
                let b = components[i][stream.int(below: components[i].count)]
                edges.append((Int32(a), Int32(b)))
            }
            graph = Topology(nodeCount: nodeCount, edges: edges)
        }
        return graph
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
