/// One bit per (block, node), grown one block at a time: 100 blocks over 100,000 nodes cost
/// 1.25 MB.
struct BlockNodeBits: Sendable {
    let wordsPerBlock: Int
    private var words: [UInt64] = []

    init(nodeCount: Int) { wordsPerBlock = (nodeCount + 63) / 64 }

    mutating func addBlock(allSet: Bool) {
        words.append(contentsOf: repeatElement(allSet ? ~0 : 0, count: wordsPerBlock))
    }

    @inline(__always)
    func contains(_ block: Int32, _ node: Int) -> Bool {
        words[Int(block) * wordsPerBlock + node >> 6] & (1 << UInt64(node & 63)) != 0
    }

    /// Sets the bit; true when it was clear.
    @inline(__always) @discardableResult
    mutating func insert(_ block: Int32, _ node: Int) -> Bool {
        let i = Int(block) * wordsPerBlock + node >> 6
        let mask: UInt64 = 1 << UInt64(node & 63)
        guard words[i] & mask == 0 else { return false }
        words[i] |= mask
        return true
    }
}
