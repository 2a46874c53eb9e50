import Ledger
import Markets
import SimKernel
import XCTest

final class DataMarketTests: XCTestCase {
    /// Each policy admits whom it should; reads need a live grant; revocation ends it.
    func testPoliciesGrantsReadsAndRevocation() throws {
        var market = DataMarket()
        let t = SimTime.zero
        XCTAssertEqual(try market.apply(.list(price: 5, sizeBytes: 1_000, policy: .open), from: 1, at: t), [.listed(dataset: 0)])
        _ = try market.apply(.list(price: 5, sizeBytes: 1_000, policy: .allowlist([7])), from: 1, at: t)
        _ = try market.apply(.list(price: 5, sizeBytes: 1_000, policy: .minimumStake(10)), from: 2, at: t)
        XCTAssertThrowsError(try market.apply(.access(dataset: 0), from: 6, at: t), "no grant yet")
        XCTAssertThrowsError(try market.apply(.buy(dataset: 0, payment: 4, stake: 0), from: 6, at: t), "below the price")
        XCTAssertEqual(try market.apply(.buy(dataset: 0, payment: 5, stake: 0), from: 6, at: t), [.granted(dataset: 0, consumer: 6)])
        XCTAssertThrowsError(try market.apply(.buy(dataset: 1, payment: 5, stake: 0), from: 6, at: t)) {
            XCTAssertTrue("\($0)".contains("allowlist"))
        }
        XCTAssertEqual(try market.apply(.buy(dataset: 1, payment: 5, stake: 0), from: 7, at: t), [.granted(dataset: 1, consumer: 7)])
        XCTAssertThrowsError(try market.apply(.buy(dataset: 2, payment: 5, stake: 9), from: 6, at: t))
        XCTAssertEqual(try market.apply(.buy(dataset: 2, payment: 5, stake: 10), from: 6, at: t), [.granted(dataset: 2, consumer: 6)])
        XCTAssertEqual(try market.apply(.access(dataset: 0), from: 6, at: t), [.accessed(dataset: 0, consumer: 6)])
        XCTAssertThrowsError(try market.apply(.revoke(dataset: 0, consumer: 6), from: 6, at: t), "only the owner revokes")
        XCTAssertEqual(try market.apply(.revoke(dataset: 0, consumer: 6), from: 1, at: t), [.revoked(dataset: 0, consumer: 6)])
        XCTAssertThrowsError(try market.apply(.access(dataset: 0), from: 6, at: t), "revoked")
        XCTAssertEqual(market.datasets.map(\.revenue), [5, 5, 5])
        XCTAssertEqual(market.datasets.map(\.reads), [1, 0, 0])
    }

    /// Approval by the owner: the payment waits; a refusal grants nothing; a request decides once.
    func testOwnerApproval() throws {
        var market = DataMarket()
        let t = SimTime.zero
        _ = try market.apply(.list(price: 2, sizeBytes: 10, policy: .ownerApproval), from: 1, at: t)
        XCTAssertEqual(try market.apply(.buy(dataset: 0, payment: 3, stake: 0), from: 4, at: t), [.requested(request: 0)])
        XCTAssertEqual(try market.apply(.buy(dataset: 0, payment: 2, stake: 0), from: 5, at: t), [.requested(request: 1)])
        XCTAssertFalse(market.hasGrant(4, on: 0))
        XCTAssertThrowsError(try market.apply(.decide(request: 0, approve: true), from: 4, at: t), "not the owner")
        XCTAssertEqual(try market.apply(.decide(request: 0, approve: true), from: 1, at: t), [.granted(dataset: 0, consumer: 4)])
        XCTAssertEqual(try market.apply(.decide(request: 1, approve: false), from: 1, at: t), [.refused(request: 1)])
        XCTAssertThrowsError(try market.apply(.decide(request: 1, approve: true), from: 1, at: t), "decided already")
        XCTAssertTrue(market.hasGrant(4, on: 0))
        XCTAssertFalse(market.hasGrant(5, on: 0))
        XCTAssertEqual(market.datasets[0].revenue, 3, "the approved escrow only")
    }

    /// On the ledger, a denied read is an included call that reverted: it spends gas and the
    /// state does not change.
    func testDeniedReadsAreRecordedRevertsOnTheLedger() {
        var ledger = ContractLedger(initial: DataMarket())
        ledger.register(0, call: .list(price: 1, sizeBytes: 10, policy: .open), from: 1)
        ledger.register(1, call: .access(dataset: 0), from: 2)
        ledger.register(2, call: .buy(dataset: 0, payment: 1, stake: 0), from: 2)
        ledger.register(3, call: .access(dataset: 0), from: 2)
        let outcomes = ledger.execute(1, parent: 0, transactions: [0, 1, 2, 3], at: .zero)
        XCTAssertEqual(outcomes.map { (try? $0.result.get()) == nil }, [false, true, false, false])
        XCTAssertEqual(ledger.state(after: 1).datasets[0].reads, 1)
        XCTAssertGreaterThan(DataMarket.gas(of: .access(dataset: 0)), 21_000)
    }
}
