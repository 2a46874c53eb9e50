/// Hashes that are the same in every process and on every machine, unlike `hashValue`, which
/// Swift reseeds per process.
public enum StableHash {
    /// 64-bit FNV-1a of the UTF-8 bytes of `text`.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// SplitMix64's finaliser: a bijective mixer that spreads every input bit over the output.
    @inlinable
    public static func mix64(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A stable 64-bit digest of a run seed and a stream name.
    public static func streamSeed(runSeed: UInt64, name: String) -> UInt64 {
        mix64(mix64(runSeed) ^ fnv1a64(name))
    }
}
