import Ledger
import SimKernel
import XCTest

/// A counter contract: `add` adds, and reverts when the total would pass `cap`.
struct Counter: Contract {
    enum Call: Sendable { case add(Int) }
    typealias Event = Int
    static let name = "counter"
    var total = 0
    var cap = 100
    static func gas(of call: Call) -> Int { 21_000 }
    mutating func apply(_ call: Call, from sender: Int, at time: SimTime) throws(ContractRevert) -> [Int] {
        guard case .add(let amount) = call else { return [] }
        guard total + amount <= cap else { throw ContractRevert("over the cap") }
        total += amount
        return [total]
    }
}

final class ContractLedgerTests: XCTestCase {
    /// Each branch has its own state; a reverted call changes nothing but is recorded.
    func testBranchesAndReverts() {
        var ledger = ContractLedger(initial: Counter())
        for (id, amount) in [(0, 1), (1, 5), (2, 10), (3, 200)] { ledger.register(Int32(id), call: .add(amount), from: id) }
        let t = SimTime.zero
        ledger.execute(1, parent: 0, transactions: [0], at: t)
        ledger.execute(2, parent: 0, transactions: [1, 7], at: t)   // 7 is not a call
        let outcomes = ledger.execute(3, parent: 1, transactions: [2, 3], at: t)
        XCTAssertEqual(ledger.state(after: 3).total, 11)
        XCTAssertEqual(ledger.state(after: 2).total, 5)
        XCTAssertEqual(ledger.state(after: 0).total, 0)
        XCTAssertEqual(outcomes.count, 2)
        XCTAssertEqual(try outcomes[0].result.get(), [11])
        XCTAssertThrowsError(try outcomes[1].result.get()) { XCTAssertEqual("\($0)", "over the cap") }
        ledger.execute(4, parent: 3, transactions: [], at: t)
        XCTAssertEqual(ledger.state(after: 4).total, 11, "a block without calls keeps its parent's state")
    }

    /// A fork deeper than the states kept is rebuilt by replaying the calls.
    func testDeepForkReplaysTheCalls() {
        var ledger = ContractLedger(initial: Counter(cap: .max))
        let blocks = 3 * Int(ContractLedger<Counter>.retainedDepth)
        for block in 1...blocks {
            ledger.register(Int32(block), call: .add(block), from: 0)
            ledger.execute(BlockID(block), parent: BlockID(block - 1), transactions: [Int32(block)], at: .zero)
        }
        XCTAssertEqual(ledger.state(after: BlockID(blocks)).total, blocks * (blocks + 1) / 2)
        ledger.register(0, call: .add(1_000), from: 0)
        ledger.execute(BlockID(blocks + 1), parent: 20, transactions: [0], at: .zero)
        XCTAssertEqual(ledger.state(after: BlockID(blocks + 1)).total, 20 * 21 / 2 + 1_000)
    }
}

final class ContractFollowerTests: XCTestCase {
    /// Blocks are handed out once they have their confirmations on the best chain, each once and
    /// oldest first; a losing branch's calls run but its blocks are never handed out.
    func testConfirmedBlocksOfTheBestChain() {
        var tree = BlockTree()
        var follower = ContractFollower(initial: Counter(), confirmations: 2)
        for id in 0..<4 { follower.register(Int32(id), call: .add(1), from: id) }
        var calls: [[Int32]] = [[]]
        func add(_ parent: BlockID, _ txs: [Int32]) -> BlockID {
            calls.append(txs)
            return tree.append(parent: parent, producer: 0, at: .zero, sizeBytes: 100, txCount: txs.count)
        }
        let a = add(0, [0])
        XCTAssertEqual(follower.advance(tree: tree, blockTransactions: calls), [], "one block deep: not yet")
        let b = add(a, [1])
        XCTAssertEqual(follower.advance(tree: tree, blockTransactions: calls), [a])
        let side = add(a, [2])   // a fork at b's height loses on equal work
        XCTAssertEqual(follower.advance(tree: tree, blockTransactions: calls), [])
        XCTAssertEqual(follower.ledger.state(after: side).total, 2, "the losing branch ran its call")
        let c = add(b, [3]), d = add(c, [])
        XCTAssertEqual(follower.advance(tree: tree, blockTransactions: calls), [b, c])
        XCTAssertEqual(follower.state(on: tree).total, 3)
        XCTAssertEqual(tree.bestTip(), d)
        XCTAssertEqual(follower.advance(tree: tree, blockTransactions: calls), [], "nothing new")
    }
}
