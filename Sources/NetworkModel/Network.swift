import SimKernel

/// The nodes' places, their peer graph and the link latency: everything a relay needs to know
/// how long a message takes from one node to a neighbour.
public struct Network: Sendable {
    /// Region index of each node.
    public let regionOfNode: [UInt8]
    /// Who is connected to whom.
    public let topology: Topology
    /// Per-message latency.
    public let latency: LatencyModel

    /// Number of nodes.
    public var nodeCount: Int { regionOfNode.count }

    /// Creates a network from explicit parts.
    public init(regionOfNode: [UInt8], topology: Topology, latency: LatencyModel) {
        precondition(regionOfNode.count == topology.nodeCount, "one region per node")
        self.regionOfNode = regionOfNode
        self.topology = topology
        self.latency = latency
    }

    /// Places `nodeCount` nodes in regions by the table's shares, drawn from `placement`.
    public static func placeNodes(_ nodeCount: Int, table: RegionTable, using placement: RandomStream) -> [UInt8] {
        let choice = WeightedChoice(weights: table.nodeShare)
        return (0..<nodeCount).map { _ in UInt8(choice.draw(using: placement)) }
    }

    /// One message's delay from `sender` to `receiver`.
    @inlinable
    public func delay(from sender: Int, to receiver: Int, using stream: RandomStream) -> SimDuration {
        latency.draw(from: Int(regionOfNode[sender]), to: Int(regionOfNode[receiver]), using: stream)
    }
}
