import Consensus
import Learning
import Ledger
import SimKernel

/// The record on the chain: getting a round's record into a block, confirming it, and what
/// confirmation sets off (slashing, the next round).
extension FederatedChain {
    /// Applies a confirmed round's verdicts to the reputations; burns the stake of the clients
    /// to slash and excludes them from the next rounds. Returns the slashed clients.
    mutating func slash(after result: RoundResult, _ scheduler: inout Scheduler) -> [Int] {
        guard let rule = parameters.slashing else { return [] }
        let slashed = reputation.record(aggregated: result.aggregated, accepted: result.accepted, rule: rule)
        for client in slashed {
            reputation.burned[client] += base.slash(parameters.clientNodes[client], fraction: rule.fraction, scheduler: &scheduler)
            learning.exclude(client, through: result.round + rule.exclusionRounds)
        }
        return slashed
    }

    /// A round's record on its way into the chain.
    struct PendingRecord {
        var record: ModelRecord
        var result: RoundResult
        var dropped: [Int]
        var memberRejections: [Int]
        /// The block holding it on the aggregator's chain, once there is one.
        var block: BlockID?
        /// Times its block left the aggregator's chain (or it left the mempool unincluded).
        var resubmissions = 0
        /// With a record fee: its transaction, and every block that took it.
        var transaction: Int32?
        var holders: [BlockID] = []
        /// Tickets of the rented training the record proves.
        var rentTickets: [Int32] = []
    }

    /// With a record fee, the waiting record enters the mempool as a transaction from the
    /// aggregator: its canonical encoding plus a 64-byte signature.
    mutating func submitRecord(at time: SimTime) {
        guard parameters.recordFee > 0, var waiting = pending else { return }
        waiting.transaction = base.submitTransaction(at: time, sizeBytes: waiting.record.encodedBytes + 64, fee: parameters.recordFee,
                                                     kind: .record, origin: committee[0], gas: 0)
        waiting.holders = []
        pending = waiting
    }

    /// Finds the block holding the waiting record (the first new block, or with a record fee the
    /// block on the aggregator's chain that took its transaction), resubmits it when its block
    /// lost a fork, and starts the next round once it is confirmed on the aggregator's chain.
    mutating func trackRecord(newBlocksFrom first: Int, _ scheduler: inout Scheduler) {
        guard var waiting = pending else { return }
        let tree = base.chain.tree
        if let transaction = waiting.transaction, let pool = base.chain.transactions {
            for block in first..<tree.count where pool.blockTransactions[block].contains(transaction) { waiting.holders.append(BlockID(block)) }
            let tip = base.chain.tipOfNode[parameters.aggregator]
            if waiting.block == nil { waiting.block = waiting.holders.last { tree.isAncestor($0, of: tip) } }
            let status = pool.status(Int(transaction))
            if waiting.block == nil, status == .expired || status == .evicted {
                waiting.resubmissions += 1
                pending = waiting
                return submitRecord(at: scheduler.now)
            }
        } else if waiting.block == nil, first < tree.count {
            waiting.block = BlockID(first)
        }
        guard let block = waiting.block else { pending = waiting; return }
        let tip = base.chain.tipOfNode[parameters.aggregator]
        let depth = Int(tree.height[Int(tip)]) - Int(tree.height[Int(block)]) + 1
        if tree.isAncestor(block, of: tip) {
            pending = waiting
            guard depth >= parameters.confirmations else { return }
            rounds.append(FederatedRound(result: waiting.result, record: waiting.record, dropped: waiting.dropped, start: roundStart,
                                         confirmed: scheduler.now, block: block, resubmissions: waiting.resubmissions,
                                         aggregator: committee[0], committee: committee, retries: retries,
                                         slashed: slash(after: waiting.result, &scheduler), memberRejections: waiting.memberRejections,
                                         transaction: waiting.transaction))
            retries = 0
            for ticket in waiting.rentTickets { base.settleRentedCompute(ticket, at: scheduler.now) }
            pending = nil
            let budgetLeft = parameters.targetEpsilon <= 0 || learning.epsilonAfterNextRound <= parameters.targetEpsilon
            if rounds.count < parameters.rounds && budgetLeft {
                scheduler.schedule(at: scheduler.now, target: 0, kind: Kind.roundStart)
            } else {
                base.stopProducing()
            }
        } else if depth > 1 {
            // The aggregator's chain moved past the record's height on another branch.
            waiting.block = nil
            waiting.resubmissions += 1
            pending = waiting
        } else {
            pending = waiting
        }
    }
}
