import Ledger
import SimKernel
import XCTest

final class BlockTreeTests: XCTestCase {
    /// genesis <- 1 <- 2 <- 4 and genesis <- 1 <- 3 (a fork at height 2).
    func makeTree() -> BlockTree {
        var tree = BlockTree()
        let t = { SimTime(nanoseconds: $0) }
        let b1 = tree.append(parent: 0, producer: 0, at: t(1), sizeBytes: 100, txCount: 2)
        let b2 = tree.append(parent: b1, producer: 1, at: t(2), sizeBytes: 100, txCount: 2)
        _ = tree.append(parent: b1, producer: 2, at: t(3), sizeBytes: 100, txCount: 2)
        _ = tree.append(parent: b2, producer: 1, at: t(4), sizeBytes: 100, txCount: 2)
        return tree
    }

    func testHeightsAndMainChain() {
        let tree = makeTree()
        XCTAssertEqual(tree.height, [0, 1, 2, 2, 3])
        XCTAssertEqual(tree.bestTip(), 4)
        XCTAssertEqual(tree.mainChainMask(tip: 4), [true, true, true, false, true])
        XCTAssertTrue(tree.isAncestor(1, of: 4))
        XCTAssertFalse(tree.isAncestor(3, of: 4))
        XCTAssertTrue(tree.isAncestor(4, of: 4))
    }

    func testForkChoiceKeepsFirstSeenAmongEquals() {
        let tree = makeTree()
        XCTAssertFalse(tree.isBetter(3, than: 2))
        XCTAssertTrue(tree.isBetter(4, than: 3))
        var tied = BlockTree()
        _ = tied.append(parent: 0, producer: 0, at: SimTime(nanoseconds: 5), sizeBytes: 1, txCount: 0)
        _ = tied.append(parent: 0, producer: 1, at: SimTime(nanoseconds: 6), sizeBytes: 1, txCount: 0)
        XCTAssertEqual(tied.bestTip(), 1, "among equal heights the earliest block is the best tip")
    }
}
