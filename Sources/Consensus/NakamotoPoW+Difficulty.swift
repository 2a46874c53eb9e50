import Ledger
import SimKernel

extension NakamotoPoW {
    /// The difficulty (TH) of a child of `block`. Every `retargetBlocks` blocks the difficulty is
    /// scaled by (target time of the last K intervals) / (their actual time), clamped to
    /// [1/clamp, clamp]: the first block of each epoch (heights K+1, 2K+1, ...) gets the new value.
    /// Bitcoin measures 2015 of its 2016 intervals; we measure all K.
    func nextDifficulty(after block: BlockID) -> Double {
        let current = chain.tree.difficulty[Int(block)]
        let k = parameters.retargetBlocks
        let childHeight = Int(chain.tree.height[Int(block)]) + 1
        guard k > 0, childHeight > k, (childHeight - 1) % k == 0 else { return current }
        let first = chain.tree.ancestor(of: block, atHeight: Int32(childHeight - 1 - k))
        let actual = (chain.tree.created[Int(block)] - chain.tree.created[Int(first)]).seconds
        let target = Double(k) * parameters.blockInterval.seconds
        let factor = actual > 0 ? target / actual : parameters.retargetClamp
        return current * min(max(factor, 1 / parameters.retargetClamp), parameters.retargetClamp)
    }
}

/// The nodes' hash rate grouped by the difficulty of the block they are mining (almost always a
/// single group; two or more only while tips straddle a retarget). A small array sorted by
/// difficulty, so every scan is deterministic.
struct MiningGroups: Sendable {
    private(set) var groups: [(difficulty: Double, hashRate: Double)] = []

    mutating func add(_ hashRate: Double, at difficulty: Double) {
        if let i = groups.firstIndex(where: { $0.difficulty == difficulty }) {
            groups[i].hashRate += hashRate
        } else {
            groups.append((difficulty, hashRate))
            groups.sort { $0.difficulty < $1.difficulty }
        }
    }

    mutating func move(_ hashRate: Double, from old: Double, to new: Double) {
        if let i = groups.firstIndex(where: { $0.difficulty == old }) {
            groups[i].hashRate -= hashRate
            if groups[i].hashRate <= 1e-9 * max(hashRate, 1) { groups.remove(at: i) }
        }
        add(hashRate, at: new)
    }

    /// Blocks per second of all groups together.
    func rate(factor: Double) -> Double {
        groups.reduce(0) { $0 + factor * $1.hashRate / $1.difficulty }
    }

    /// The difficulty of the next block: a group drawn by its share of the total rate.
    func drawDifficulty(factor: Double, using stream: RandomStream) -> Double {
        guard groups.count > 1 else { return groups[0].difficulty }
        var u = stream.uniform() * rate(factor: factor)
        for group in groups {
            u -= factor * group.hashRate / group.difficulty
            if u < 0 { return group.difficulty }
        }
        return groups[groups.count - 1].difficulty
    }
}
