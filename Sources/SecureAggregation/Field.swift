/// Arithmetic modulo the Mersenne prime p = 2^61 - 1, the field Shamir sharing works in.
///
/// Elements are `UInt64` values in 0 ..< p. A Mersenne modulus reduces with a shift and an add
/// (2^61 = 1 mod p), so no division is needed.
public enum Field61 {
    /// The modulus, 2^61 - 1.
    public static let p: UInt64 = (1 << 61) - 1

    /// x mod p for x < 2^62.
    @inlinable static func reduce(_ x: UInt64) -> UInt64 {
        let r = (x & p) &+ (x >> 61)
        return r >= p ? r &- p : r
    }

    /// a + b mod p.
    @inlinable public static func add(_ a: UInt64, _ b: UInt64) -> UInt64 { reduce(a &+ b) }

    /// a - b mod p.
    @inlinable public static func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 { a >= b ? a &- b : a &+ (p &- b) }

    /// a * b mod p.
    @inlinable public static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        // product = high * 2^64 + low = (high << 3 | low >> 61) * 2^61 + (low & p), and 2^61 = 1.
        return reduce(((high << 3) | (low >> 61)) &+ (low & p))
    }

    /// a^-1 mod p (a != 0), by Fermat: a^(p-2).
    public static func inverse(_ a: UInt64) -> UInt64 {
        precondition(a % p != 0, "zero has no inverse")
        var result: UInt64 = 1, base = a % p, exponent = p - 2
        while exponent > 0 {
            if exponent & 1 == 1 { result = multiply(result, base) }
            base = multiply(base, base)
            exponent >>= 1
        }
        return result
    }
}
