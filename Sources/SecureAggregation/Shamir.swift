/// One participant's share of a secret: the secret's chunks, each a polynomial evaluated at `x`.
public struct ShamirShare: Sendable, Equatable {
    /// The evaluation point (never 0: f(0) is the secret).
    public var x: UInt64
    /// One field element per chunk of the secret.
    public var values: [UInt64]

    public init(x: UInt64, values: [UInt64]) {
        self.x = x
        self.values = values
    }
}

/// Shamir t-of-n secret sharing of byte strings over `Field61`.
///
/// A secret is cut into 7-byte chunks (56 bits < 61, so every chunk is a field element); each
/// chunk gets its own random polynomial of degree t - 1 whose constant term is the chunk. Any t
/// shares give the chunks back by Lagrange interpolation at 0; t - 1 shares leave every chunk
/// uniformly distributed.
public enum Shamir {
    /// Bytes per field element of a secret.
    public static let chunkBytes = 7

    /// Field elements per share of a `secretBytes`-byte secret.
    public static func chunkCount(secretBytes: Int) -> Int { (secretBytes + chunkBytes - 1) / chunkBytes }

    /// Shares `secret` with threshold `threshold`, one share per point in `points` (distinct,
    /// non-zero). `coefficients` supplies (threshold - 1) x chunks field elements.
    public static func share(_ secret: [UInt8], threshold: Int, at points: [UInt64], coefficients: [UInt64]) -> [ShamirShare] {
        let chunks = Self.chunks(of: secret)
        precondition(threshold >= 1 && coefficients.count >= (threshold - 1) * chunks.count, "threshold - 1 coefficients per chunk")
        return points.map { x in
            precondition(x != 0 && x < Field61.p, "points are non-zero field elements")
            let values = chunks.indices.map { c -> UInt64 in
                // Horner: f(x) = chunk + a1 x + ... + a(t-1) x^(t-1).
                var value: UInt64 = 0
                for k in stride(from: threshold - 2, through: 0, by: -1) {
                    value = Field61.add(Field61.multiply(value, x), coefficients[c * (threshold - 1) + k])
                }
                return Field61.add(Field61.multiply(value, x), chunks[c])
            }
            return ShamirShare(x: x, values: values)
        }
    }

    /// The secret of `secretBytes` bytes through exactly the given shares (distinct points):
    /// correct when there are at least as many as the threshold, garbage with fewer.
    public static func reconstruct(_ shares: [ShamirShare], secretBytes: Int) -> [UInt8] {
        let weights = lagrangeWeightsAtZero(shares.map(\.x))
        let chunks = (0..<chunkCount(secretBytes: secretBytes)).map { c in
            zip(shares, weights).reduce(UInt64(0)) { Field61.add($0, Field61.multiply($1.0.values[c], $1.1)) }
        }
        return bytes(from: chunks, count: secretBytes)
    }

    /// l_j(0) = prod_{m != j} x_m / (x_m - x_j) for each point.
    static func lagrangeWeightsAtZero(_ points: [UInt64]) -> [UInt64] {
        points.indices.map { j in
            var numerator: UInt64 = 1, denominator: UInt64 = 1
            for m in points.indices where m != j {
                numerator = Field61.multiply(numerator, points[m])
                denominator = Field61.multiply(denominator, Field61.subtract(points[m], points[j]))
            }
            return Field61.multiply(numerator, Field61.inverse(denominator))
        }
    }

    static func chunks(of secret: [UInt8]) -> [UInt64] {
        stride(from: 0, to: secret.count, by: chunkBytes).map { start in
            secret[start..<min(start + chunkBytes, secret.count)].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }
        }
    }

    static func bytes(from chunks: [UInt64], count: Int) -> [UInt8] {
        (0..<count).map { i in UInt8(truncatingIfNeeded: chunks[i / chunkBytes] >> (8 * (i % chunkBytes))) }
    }
}
