#if canImport(Glibc)
import Glibc
#endif
import Ledger
import SimKernel

/// What the attacking node does.
public enum AdversaryStrategy: Sendable, Equatable {
    /// No attack.
    case none
    /// Eyal and Sirer's selfish mining; `gamma` is the share of honest miners that mine on the
    /// attacker's block in a tie.
    case selfish(gamma: Double)
    /// Rosenfeld's double spend: pre-mine one block, pay, race; the merchant waits
    /// `confirmations` blocks.
    case doubleSpend(confirmations: Int)
}

/// Eyal-Sirer selfish mining (FC 2014, algorithm 1), seen from the attacking node.
///
/// The attacker keeps the blocks it finds private and mines on them; when the honest network
/// finds a block it adopts the public chain (no lead), publishes its one private block to tie
/// (lead 1), publishes everything to win (lead 2), or publishes the block that matches the
/// honest height (lead > 2). A tie resolves by the next block.
struct SelfishMining: Sendable {
    /// Unpublished blocks, oldest first.
    private(set) var privateBlocks: [BlockID] = []
    /// The attacker's view of the best honest chain.
    private(set) var publicTip: BlockID = BlockTree.genesis
    /// The attacker's block published to tie the race, while the race lasts.
    private(set) var raceBlock: BlockID?
    /// Height of the attacker's private chain (the public height when it has none).
    private var privateHeight: Int32 = 0
    private var inRace = false

    /// The tip the attacker mines on.
    var miningTip: BlockID { privateBlocks.last ?? (raceBlock ?? publicTip) }

    /// The attacker found `block` (on `miningTip`): blocks to publish now.
    mutating func found(_ block: BlockID, tree: BlockTree) -> [BlockID] {
        privateBlocks.append(block)
        privateHeight = tree.height[Int(block)]
        if inRace {
            // Lead of one after a tie: publish and win the race.
            inRace = false
            raceBlock = nil
            return win()
        }
        return []
    }

    /// An honest block connected at the attacker: blocks to publish now.
    mutating func honest(_ block: BlockID, tree: BlockTree) -> [BlockID] {
        guard tree.isBetter(block, than: publicTip) else { return [] }
        let lead = privateHeight - tree.height[Int(publicTip)]
        publicTip = block
        if inRace || lead <= 0 {
            // No lead, or the honest network decided the race: adopt the public chain.
            inRace = false
            raceBlock = nil
            privateBlocks.removeAll()
            privateHeight = tree.height[Int(block)]
            return []
        }
        switch lead {
        case 1:
            inRace = true
            raceBlock = privateBlocks.last
            defer { privateBlocks.removeAll() }
            return privateBlocks
        case 2:
            return win()
        default:
            let matching = tree.height[Int(block)]
            let index = privateBlocks.firstIndex { tree.height[Int($0)] == matching }!
            let published = Array(privateBlocks[...index])
            privateBlocks.removeFirst(index + 1)
            return published
        }
    }

    /// Publishes every private block; the longer private chain becomes the public chain.
    private mutating func win() -> [BlockID] {
        defer { privateBlocks.removeAll() }
        publicTip = privateBlocks.last!
        return privateBlocks
    }
}

/// Rosenfeld's double-spend race (2014), repeated as independent trials.
///
/// Phase 1: the attacker mines on the public tip (restarting when the tip moves) until it finds a
/// block, which it keeps; it then pays the merchant, whose transaction goes into the honest
/// chain from the same fork point. Phase 2: the merchant ships after z honest blocks; the attack
/// succeeds for that z if the private chain is ever longer than the honest one once the honest
/// one has z blocks. A trial ends when every tracked z is decided, or the attacker is so far
/// behind that catching up has probability below 1e-12 (then it fails for the rest). The
/// attacker never publishes, so the honest chain is not disturbed.
struct DoubleSpendRaces: Sendable {
    /// Confirmations tracked: 1...maxConfirmations.
    static let maxConfirmations = 10

    /// Trials completed (one still running at the end of a run is not counted).
    private(set) var trials = 0
    /// Successes per confirmation count (index z - 1) among completed trials.
    private(set) var successes = [Int](repeating: 0, count: maxConfirmations)
    /// The attacker's view of the best honest chain.
    private(set) var publicTip: BlockID = BlockTree.genesis
    private var forkHeight: Int32 = 0
    private var privateLength = 0
    private var privateTip: BlockID?
    private var decided = [Bool](repeating: false, count: maxConfirmations)
    private let giveUpDeficit: Int

    /// `share` is the attacker's hash share q.
    init(share: Double) {
        let ratio = share / (1 - share)
        giveUpDeficit = ratio < 1 ? Int((log(1e-12) / log(ratio)).rounded(.up)) : .max
    }

    /// The tip the attacker mines on.
    var miningTip: BlockID { privateTip ?? publicTip }

    mutating func found(_ block: BlockID, tree: BlockTree) {
        if privateTip == nil { forkHeight = tree.height[Int(publicTip)] }   // pre-mined: the payment goes out now
        privateTip = block
        privateLength += 1
        settle(tree)
    }

    mutating func honest(_ block: BlockID, tree: BlockTree) {
        guard tree.isBetter(block, than: publicTip) else { return }
        publicTip = block
        if privateTip != nil { settle(tree) }
    }

    /// Marks every z won with the current lengths; ends the trial when all are won or the
    /// attacker has given up, and counts it.
    private mutating func settle(_ tree: BlockTree) {
        let honest = Int(tree.height[Int(publicTip)] - forkHeight)
        for z in 1...Self.maxConfirmations where honest >= z && privateLength > honest { decided[z - 1] = true }
        if decided.allSatisfy({ $0 }) || honest - privateLength >= giveUpDeficit {
            trials += 1
            for z in decided.indices where decided[z] { successes[z] += 1 }
            decided = [Bool](repeating: false, count: Self.maxConfirmations)
            privateTip = nil
            privateLength = 0
        }
    }
}
