import SimKernel

/// How a node passes a block on.
public enum RelayProtocol: String, Sendable, CaseIterable {
    /// Bitcoin style: announce with inv; a peer that lacks the block asks with getdata and gets
    /// the block (or a compact block).
    case inv
    /// Unsolicited push: send the whole block to every neighbour that does not have it yet.
    case push
}

/// Compact block relay (BIP 152 as modelled by SimBlock): between two nodes that both use it, a
/// getdata is answered with a small compact block; the receiver fails to rebuild the block with
/// some probability and then fetches the missing part.
public struct CompactBlockParameters: Sendable, Equatable, Codable {
    /// Share of nodes that use compact blocks.
    public var share: Double
    /// Size of a compact block, bytes.
    public var sizeBytes: Int
    /// Probability that a node fails to rebuild a block from a compact block.
    public var failureRate: Double
    /// Share of nodes marked as churning (they miss more transactions).
    public var churnShare: Double
    /// Failure probability for churning nodes.
    public var churnFailureRate: Double
    /// Share of the block fetched after a failed reconstruction (1: the whole block).
    public var missingFraction: Double

    /// Creates compact-block parameters.
    public init(share: Double, sizeBytes: Int, failureRate: Double, churnShare: Double, churnFailureRate: Double, missingFraction: Double) {
        self.share = share
        self.sizeBytes = sizeBytes
        self.failureRate = failureRate
        self.churnShare = churnShare
        self.churnFailureRate = churnFailureRate
        self.missingFraction = missingFraction
    }

    /// SimBlock's 2019 scenario: 96.4 % of nodes, 18 KB compact blocks, 13 % failures (27 % for
    /// the 97.6 % churning nodes), and a missing part near SimBlock's mean (10 % of the block).
    public static let simblock2019 = CompactBlockParameters(share: 0.964, sizeBytes: 18_000, failureRate: 0.13, churnShare: 0.976,
                                                            churnFailureRate: 0.27, missingFraction: 0.1)

    /// No node uses compact blocks.
    public static let off = CompactBlockParameters(share: 0, sizeBytes: 0, failureRate: 0, churnShare: 0, churnFailureRate: 0, missingFraction: 1)
}

/// Parameters of the block relay.
public struct RelayParameters: Sendable, Equatable {
    /// inv/getdata or unsolicited push.
    public var relayProtocol: RelayProtocol
    /// Size of an inv message announcing one block, bytes.
    public var invBytes: Int
    /// Size of a getdata (or getblocktxn) message, bytes.
    public var getdataBytes: Int
    /// Compact blocks.
    public var compact: CompactBlockParameters
    /// Nodes whose receive time of every block is kept (`ReachTracker.receiveTimes`).
    public var receiveTimesNodes: [Int32] = []

    /// Creates relay parameters.
    public init(relayProtocol: RelayProtocol, invBytes: Int, getdataBytes: Int, compact: CompactBlockParameters) {
        self.relayProtocol = relayProtocol
        self.invBytes = invBytes
        self.getdataBytes = getdataBytes
        self.compact = compact
    }

    /// Push whole blocks, no compact blocks: with `LinkParameters.latencyOnly` a block takes
    /// exactly one latency per hop (for theory checks).
    public static let push = RelayParameters(relayProtocol: .push, invBytes: 0, getdataBytes: 0, compact: .off)
}
