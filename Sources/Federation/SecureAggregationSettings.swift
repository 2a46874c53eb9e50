import SecureAggregation
import SimKernel

/// Secure aggregation of a federation's updates (docs/secure-aggregation.md).
public struct SecureAggregationSettings: Sendable, Equatable {
    public var kind: SecAggProtocol
    /// Shares needed to rebuild a secret; 0: a majority of each client's neighbours.
    public var threshold: Int
    /// SecAgg+ neighbours per client; 0: the smallest even k >= log2 n.
    public var neighbours: Int
    /// Update coordinates are clipped to [-clip, clip] before quantization.
    public var clip: Double
    /// Quantization levels per coordinate: 2^bits.
    public var bits: Int
    /// How long the server waits for a stage's replies (seconds). A reply later than that counts
    /// as a dropout, and a stage that misses any reply lasts the whole timeout. 0: no timeout;
    /// the server learns of a dropout when the client would have replied.
    public var timeoutS: Double
    /// Compute time of the protocol's operations.
    public var cost: SecAggCostModel

    public init(kind: SecAggProtocol, threshold: Int = 0, neighbours: Int = 0, clip: Double = 8, bits: Int = 16, timeoutS: Double = 0,
                cost: SecAggCostModel = SecAggCostModel()) {
        self.kind = kind
        self.threshold = threshold
        self.neighbours = neighbours
        self.clip = clip
        self.bits = bits
        self.timeoutS = timeoutS
        self.cost = cost
    }

    /// Each client's neighbours in a round among `clients` clients.
    public func degree(clients: Int) -> Int { SecAggParameters.degree(kind, neighbours: neighbours, clients: clients) }

    /// The shares that rebuild a secret in a round among `clients` clients: `threshold`, or
    /// (0) a majority of each client's neighbours.
    public func threshold(clients: Int) -> Int { threshold > 0 ? threshold : degree(clients: clients) / 2 + 1 }

    /// The protocol parameters for a round among `clients` clients with weights up to `maxWeight`.
    public func parameters(clients: Int, maxWeight: Int) -> SecAggParameters {
        SecAggParameters(kind: kind, threshold: threshold(clients: clients), neighbours: neighbours,
                         quantizer: Quantizer(clip: clip, bits: bits, maxWeight: maxWeight, clients: max(clients, 1)))
    }
}

/// Seconds per operation of the secure aggregation protocol; the defaults are this project's
/// measurements on one core (`scripts/bench secagg`, swift-crypto on x86-64 with AES-NI).
public struct SecAggCostModel: Sendable, Equatable {
    public var keyGenerationS = 13e-6
    public var keyAgreementS = 32e-6
    public var aeadMessageS = 2e-6
    public var fieldMultiplicationS = 5e-9
    /// Mask expansion and adding, bytes of keystream per second.
    public var prgBytesPerS = 3.5e9

    public init() {}

    /// Compute time of one party's load.
    public func seconds(_ load: StageLoad) -> Double {
        Double(load.keyGenerations) * keyGenerationS + Double(load.keyAgreements) * keyAgreementS + Double(load.aeadMessages) * aeadMessageS
            + Double(load.fieldMultiplications) * fieldMultiplicationS + Double(load.prgBytes) / prgBytesPerS
    }
}

/// One stage of a secure aggregation as the simulation timed it.
public struct SecureStage: Sendable, Equatable {
    public var record: StageRecord
    public var start: SimTime
    public var end: SimTime
}

/// One attempt at securely aggregating a round.
public struct SecureRoundRecord: Sendable, Equatable {
    public var round: Int
    /// Attempt number within the round (0 for the first; retries follow aborts and failures).
    public var attempt: Int
    public var stages: [SecureStage]
    /// Why the protocol gave no aggregate, or nil.
    public var abortReason: String?
    /// Whether the unmasked sum equalled the plain sum of the quantized inputs.
    public var exact: Bool
    /// Largest |secure average - float average| over the update's coordinates.
    public var maxAbsError: Double
    /// Coordinates clipped before quantization, over all clients.
    public var clipped: Int
    /// Bytes each client that took part in every stage sent and received.
    public var bytesPerClient: Int
}
