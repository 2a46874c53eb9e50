import SimKernel

/// How long a bulk message occupies its sender's uplink.
public enum UplinkHold: String, Sendable, CaseIterable {
    /// Until its bytes are on the wire (bytes x 8 / bandwidth): the physical rule.
    case serialization
    /// Until it arrives (serialization + latency + processing): SimBlock's rule.
    case delivery
}

/// Fixed per-message costs of a link besides latency.
public struct LinkParameters: Sendable, Equatable {
    /// Added when a block (or compact block, or missing part) arrives: validation before relay.
    public var processing: SimDuration
    /// Added to the latency of small control messages (inv, getdata, getblocktxn).
    public var controlDelay: SimDuration
    /// When false, messages take no serialization time (latency-only links, for theory checks).
    public var serialization: Bool
    /// How long a bulk message occupies the sender's uplink.
    public var uplinkHold: UplinkHold

    /// Creates link parameters.
    public init(processing: SimDuration, controlDelay: SimDuration, serialization: Bool, uplinkHold: UplinkHold = .serialization) {
        self.processing = processing
        self.controlDelay = controlDelay
        self.serialization = serialization
        self.uplinkHold = uplinkHold
    }

    /// No extra cost at all: a message takes exactly its latency.
    public static let latencyOnly = LinkParameters(processing: .zero, controlDelay: .zero, serialization: false)
}

/// The nodes' places, their peer graph and what a message costs on each link.
public struct Network: Sendable {
    /// Region index of each node.
    public let regionOfNode: [UInt8]
    /// Who is connected to whom.
    public let topology: Topology
    /// Per-message latency (its table also gives the regions' bandwidth).
    public let latency: LatencyModel
    /// Processing, control-message delay and whether bandwidth applies.
    public let links: LinkParameters

    /// Number of nodes.
    public var nodeCount: Int { regionOfNode.count }

    /// Creates a network from explicit parts.
    public init(regionOfNode: [UInt8], topology: Topology, latency: LatencyModel, links: LinkParameters = .latencyOnly) {
        precondition(regionOfNode.count == topology.nodeCount, "one region per node")
        precondition(regionOfNode.allSatisfy { Int($0) < latency.table.count }, "region index outside the table")
        self.regionOfNode = regionOfNode
        self.topology = topology
        self.latency = latency
        self.links = links
    }

    /// Places `nodeCount` nodes in regions by the table's shares, drawn from `placement`.
    public static func placeNodes(_ nodeCount: Int, table: RegionTable, using placement: RandomStream) -> [UInt8] {
        let choice = WeightedChoice(weights: table.nodeShare)
        return (0..<nodeCount).map { _ in UInt8(choice.draw(using: placement)) }
    }

    /// One message's propagation latency from `sender` to `receiver`.
    @inlinable
    public func delay(from sender: Int, to receiver: Int, using stream: RandomStream) -> SimDuration {
        latency.draw(from: Int(regionOfNode[sender]), to: Int(regionOfNode[receiver]), using: stream)
    }

    /// Link bandwidth from `sender` to `receiver`: min(sender's upload, receiver's download), bit/s.
    @inlinable
    public func bandwidthBps(from sender: Int, to receiver: Int) -> Double {
        min(latency.table.uploadBps[Int(regionOfNode[sender])], latency.table.downloadBps[Int(regionOfNode[receiver])])
    }

    /// Time to put `bytes` on the link from `sender` to `receiver`: bytes x 8 / bandwidth.
    @inlinable
    public func serialization(bytes: Int, from sender: Int, to receiver: Int) -> SimDuration {
        guard links.serialization else { return .zero }
        return SimDuration(seconds: Double(bytes) * 8 / bandwidthBps(from: sender, to: receiver))
    }
}
