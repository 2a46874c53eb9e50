/// Maps real vectors to integers that sum without wrapping, and weighted sums back to averages.
///
/// A value is clipped to [-clip, clip] and mapped to a level in 0 ... 2^bits - 1 by stochastic
/// rounding (unbiased: the expected level is the exact one). A client with weight w (its sample
/// count, at most `maxWeight`) sends w x level for every coordinate and w itself as the last
/// coordinate, so the sum gives the weighted average FedAvg needs. The modulus 2^modulusBits is
/// the smallest power of two above clients x maxWeight x (2^bits - 1): the sum of every client's
/// input can never wrap.
public struct Quantizer: Sendable, Equatable {
    /// Values are clipped to [-clip, clip].
    public let clip: Double
    /// Levels per coordinate: 2^bits.
    public let bits: Int
    /// Largest weight a client may send.
    public let maxWeight: Int
    /// Clients whose inputs are summed.
    public let clients: Int
    /// The sum is taken modulo 2^modulusBits.
    public let modulusBits: Int

    /// The clip values the arithmetic can carry: 2 x clip and 2^32 / (2 x clip) stay finite and
    /// normal, with room to spare.
    public static let clipRange = 1e-12...1e12

    /// The configuration error, if any, of these settings.
    public static func problem(clip: Double, bits: Int, maxWeight: Int, clients: Int) -> String? {
        guard clipRange.contains(clip) else { return "clip must be a number from \(clipRange.lowerBound) to \(clipRange.upperBound)" }
        guard (1...32).contains(bits) else { return "bits must be an integer from 1 to 32" }
        guard maxWeight >= 1, clients >= 1 else { return "weights and clients must be >= 1" }
        let (bound, overflow) = UInt64(clients).multipliedReportingOverflow(by: UInt64(maxWeight))
        let (total, overflow2) = bound.multipliedReportingOverflow(by: (UInt64(1) << bits) - 1)
        if overflow || overflow2 || total >= UInt64(1) << 63 {
            return "\(clients) clients x weight \(maxWeight) x 2^\(bits) levels need more than 63 bits; lower bits"
        }
        return nil
    }

    /// Creates a quantizer; the settings must pass `problem`.
    public init(clip: Double, bits: Int, maxWeight: Int, clients: Int) {
        precondition(Self.problem(clip: clip, bits: bits, maxWeight: maxWeight, clients: clients) == nil, "invalid quantizer")
        self.clip = clip
        self.bits = bits
        self.maxWeight = maxWeight
        self.clients = clients
        let bound = UInt64(clients) * UInt64(maxWeight) * ((UInt64(1) << bits) - 1)
        modulusBits = max(1, 64 - bound.leadingZeroBitCount)
    }

    /// The largest level, 2^bits - 1.
    public var maxLevel: UInt64 { (UInt64(1) << bits) - 1 }
    /// The distance between two levels.
    public var step: Double { 2 * clip / Double(maxLevel) }
    /// 2^modulusBits - 1.
    public var modulusMask: UInt64 { modulusBits == 64 ? .max : (UInt64(1) << modulusBits) - 1 }
    /// Bytes a packed coordinate takes on the wire.
    public var wordBytes: Int { (modulusBits + 7) / 8 }

    /// The input a client sends: w x level per coordinate, then w. `uniforms` (one per value, in
    /// [0, 1)) drive the stochastic rounding; returns the input and how many values were clipped.
    public func quantize(_ values: [Double], weight: Int, uniforms: [Double]) -> (input: [UInt64], clipped: Int) {
        precondition(uniforms.count >= values.count && (1...maxWeight).contains(weight), "one uniform per value; 1 <= weight <= maxWeight")
        var input = [UInt64](repeating: 0, count: values.count + 1)
        var clipped = 0
        let scale = Double(maxLevel) / (2 * clip), w = UInt64(weight)
        for i in values.indices {
            let v = values[i]
            if v < -clip || v > clip { clipped += 1 }
            let position = (min(max(v, -clip), clip) + clip) * scale
            let floor = position.rounded(.down)
            let level = min(UInt64(floor) + (uniforms[i] < position - floor ? 1 : 0), maxLevel)
            input[i] = w * level
        }
        input[values.count] = w
        return (input, clipped)
    }

    /// The weighted average of the values behind `sum` (a sum of `quantize` inputs).
    public func average(of sum: [UInt64]) -> [Double] {
        let weight = Double(sum[sum.count - 1])
        guard weight > 0 else { return [Double](repeating: 0, count: sum.count - 1) }
        return sum.dropLast().map { Double($0) / weight * step - clip }
    }
}
