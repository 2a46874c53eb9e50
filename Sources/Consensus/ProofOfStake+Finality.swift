import Ledger
import SimKernel

extension ProofOfStake {
    /// Ethereum: at the start of `epoch`, shuffles the validators into one committee per slot,
    /// schedules each attestation a third into its slot, and the epoch's close.
    mutating func startEpoch(_ epoch: Int, _ scheduler: inout Scheduler) {
        var validators = stake.indices.filter { electionStake[$0] > 0 }
        committees.shuffle(&validators)
        let perEpoch = parameters.slotsPerEpoch
        let firstSlot = epoch * perEpoch
        let third = SimDuration(nanoseconds: parameters.slot.nanoseconds / 3)
        for (i, validator) in validators.enumerated() {
            let slot = firstSlot + i * perEpoch / validators.count
            scheduler.schedule(at: slotStart(slot) + third, target: UInt32(validator), kind: ConsensusEventKind.attestation,
                               payload: UInt32(epoch))
        }
        scheduler.schedule(at: slotStart(firstSlot + perEpoch), target: 0, kind: ConsensusEventKind.epochEnd, payload: UInt32(epoch))
    }

    /// `validator` votes for the checkpoint of `epoch` on its head chain: the last block at or
    /// before the epoch's first slot.
    mutating func attest(_ validator: Int, epoch: Int, at time: SimTime) {
        let epochStart = slotStart(epoch * parameters.slotsPerEpoch)
        var checkpoint = chain.tipOfNode[validator]
        let tree = chain.tree
        while checkpoint > 0 && tree.created[Int(checkpoint)] > epochStart { checkpoint = tree.parent[Int(checkpoint)] }
        finality.vote(for: checkpoint, epoch: epoch, stake: electionStake[validator])
    }
}

/// Casper FFG, simplified: an epoch is justified when validators with at least 2/3 of the stake
/// voted for the same checkpoint during it; when two consecutive epochs are justified, the
/// first one's checkpoint and all its ancestors are final.
struct FinalityTracker: Sendable {
    var totalStake: Double
    /// Per epoch: stake voting for each checkpoint (a short list, scanned in order).
    private var votes: [Int: [(checkpoint: BlockID, stake: Double)]] = [:]
    private var justified: [Int: BlockID] = [:]
    /// When each block became final (nil: not final).
    private(set) var finalizedAt: [BlockID: SimTime] = [:]
    private var finalizedUpTo: BlockID = BlockTree.genesis
    private(set) var justifiedEpochs = 0

    init(totalStake: Double) { self.totalStake = totalStake }

    var finalizedCount: Int { finalizedAt.count }

    mutating func vote(for checkpoint: BlockID, epoch: Int, stake: Double) {
        var list = votes[epoch, default: []]
        if let i = list.firstIndex(where: { $0.checkpoint == checkpoint }) { list[i].stake += stake } else { list.append((checkpoint, stake)) }
        votes[epoch] = list
    }

    /// At the end of `epoch`: justification, then finality of the previous epoch's checkpoint.
    mutating func closeEpoch(_ epoch: Int, tree: BlockTree, at time: SimTime) {
        defer { votes[epoch] = nil }
        guard let best = votes[epoch]?.max(by: { $0.stake < $1.stake }), best.stake * 3 >= totalStake * 2 else { return }
        justified[epoch] = best.checkpoint
        justifiedEpochs += 1
        guard let previous = justified[epoch - 1], tree.isAncestor(previous, of: best.checkpoint) else { return }
        var block = previous
        while block != finalizedUpTo && block > 0 {
            if finalizedAt[block] == nil { finalizedAt[block] = time }
            block = tree.parent[Int(block)]
        }
        if tree.height[Int(previous)] > tree.height[Int(finalizedUpTo)] { finalizedUpTo = previous }
    }

    /// Mean time from creation to finality over finalized blocks (NaN when none).
    func meanLatencySeconds(_ tree: BlockTree) -> Double {
        guard !finalizedAt.isEmpty else { return .nan }
        let sorted = finalizedAt.keys.sorted()   // a fixed order: the sum is the same in every process
        return sorted.reduce(0.0) { $0 + (finalizedAt[$1]! - tree.created[Int($1)]).seconds } / Double(sorted.count)
    }
}
