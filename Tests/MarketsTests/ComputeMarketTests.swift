import Ledger
import Markets
import SimKernel
import XCTest

final class ComputeMarketTests: XCTestCase {
    static func at(_ seconds: Double) -> SimTime { .zero + SimDuration(seconds: seconds) }

    /// The contract's matching queue against M/M/c: Poisson jobs at rate lambda, exponential
    /// sizes (mean 10 TFLOP on 1 TFLOP/s providers: service rate mu = 0.1 /s), c = 4 identical
    /// providers, calls applied the moment they are made (no chain in between). The mean wait
    /// from posting to start is Erlang C's C(c, a) / (c mu - lambda), a = lambda / mu; at loads
    /// 0.5 and 0.8 over 1,000,000 jobs each it is within 3 %.
    func testMatchingQueueFollowsErlangC() throws {
        let c = 4, mu = 0.1
        for load in [0.5, 0.8] {
            let lambda = load * Double(c) * mu
            let streams = RandomStreams(seed: 42)
            let arrivals = streams.stream("arrivals"), sizes = streams.stream("sizes")
            var market = ComputeMarket()
            for node in 0..<c { _ = try market.apply(.offer(gflops: 1_000, pricePerTflop: 1), from: node, at: .zero) }
            // Completions due: (time, job, provider node), soonest first.
            var due: [(time: SimTime, job: Int32, node: Int)] = []
            var nextArrival = Self.at(arrivals.exponential(mean: 1 / lambda))
            let jobs = 1_000_000
            var posted = 0
            func schedule(_ events: [ComputeMarket.Event], at time: SimTime, in market: ComputeMarket) {
                for case .started(let job, let provider) in events {
                    let seconds = market.jobs[Int(job)].tflop * 1_000 / market.providers[Int(provider)].gflops
                    due.append((time + SimDuration(seconds: seconds), job, market.providers[Int(provider)].node))
                }
            }
            while posted < jobs || !due.isEmpty {
                let soonest = due.indices.min { due[$0].time < due[$1].time }
                if posted < jobs, soonest == nil || nextArrival < due[soonest!].time {
                    let tflop = sizes.exponential(mean: 1 / mu)
                    let events = try market.apply(.post(tflop: tflop, maxPricePerTflop: 1, deadline: Self.at(1e9)), from: 99, at: nextArrival)
                    schedule(events, at: nextArrival, in: market)
                    posted += 1
                    nextArrival = nextArrival + SimDuration(seconds: arrivals.exponential(mean: 1 / lambda))
                } else {
                    let done = due.remove(at: soonest!)
                    schedule(try market.apply(.deliver(job: done.job), from: done.node, at: done.time), at: done.time, in: market)
                }
            }
            XCTAssertTrue(market.jobs.allSatisfy { $0.status == .paid })
            let warmUp = 1_000
            let waits = market.jobs.dropFirst(warmUp).map { ($0.started! - $0.posted).seconds }
            let a = lambda / mu
            var sum = 0.0, term = 1.0
            for k in 0..<c {
                sum += term
                term *= a / Double(k + 1)
            }
            let tail = term / (1 - load)   // a^c / c! / (1 - rho)
            let erlangC = tail / (sum + tail)
            let expected = erlangC / (Double(c) * mu - lambda)
            let observed = waits.reduce(0, +) / Double(waits.count)
            print("Erlang C, load \(load): mean wait \(observed) s, expected \(expected) s")
            XCTAssertEqual(observed, expected, accuracy: 0.03 * expected, "load \(load)")
        }
    }

    /// Payment on time, nothing when late, reverts for the wrong sender; a job that cannot afford
    /// any provider waits until one it can afford offers.
    func testPaymentDeadlineAndReverts() throws {
        var market = ComputeMarket()
        _ = try market.apply(.offer(gflops: 1_000, pricePerTflop: 2), from: 5, at: .zero)
        XCTAssertThrowsError(try market.apply(.offer(gflops: 1_000, pricePerTflop: 1), from: 5, at: .zero))
        var events = try market.apply(.post(tflop: 10, maxPricePerTflop: 3, deadline: Self.at(100)), from: 1, at: Self.at(1))
        XCTAssertEqual(events, [.posted(job: 0), .started(job: 0, provider: 0)])
        events = try market.apply(.post(tflop: 10, maxPricePerTflop: 1, deadline: Self.at(20)), from: 2, at: Self.at(2))
        XCTAssertEqual(events, [.posted(job: 1)], "provider 0 is busy and too dear anyway")
        XCTAssertThrowsError(try market.apply(.deliver(job: 0), from: 6, at: Self.at(50))) { XCTAssertTrue("\($0)".contains("not job 0's provider")) }
        XCTAssertEqual(try market.apply(.deliver(job: 0), from: 5, at: Self.at(50)), [.paid(job: 0, provider: 0, amount: 20)],
                       "price x size; job 1 cannot afford provider 0")
        XCTAssertEqual(market.waiting, 1)
        XCTAssertEqual(try market.apply(.offer(gflops: 500, pricePerTflop: 1), from: 7, at: Self.at(60)),
                       [.offered(provider: 1), .started(job: 1, provider: 1)])
        XCTAssertEqual(try market.apply(.deliver(job: 1), from: 7, at: Self.at(80)), [.missed(job: 1, provider: 1)], "after its deadline")
        XCTAssertEqual(market.providers.map(\.revenue), [20, 0])
        XCTAssertThrowsError(try market.apply(.deliver(job: 1), from: 7, at: Self.at(90)), "delivered already")
        XCTAssertGreaterThan(ComputeMarket.gas(of: .post(tflop: 1, maxPricePerTflop: 1, deadline: .zero)), 21_000)
    }

    /// Finish, then settle: the provider is free at `finish` and paid at the owner's `settle` if
    /// it finished by the deadline, however late the proof comes; only the owner settles, once.
    func testFinishedWorkIsPaidOnTheOwnersProof() throws {
        var market = ComputeMarket()
        _ = try market.apply(.offer(gflops: 1_000, pricePerTflop: 2), from: 5, at: .zero)
        _ = try market.apply(.post(tflop: 10, maxPricePerTflop: 3, deadline: Self.at(100)), from: 1, at: .zero)
        _ = try market.apply(.post(tflop: 10, maxPricePerTflop: 3, deadline: Self.at(30)), from: 2, at: .zero)
        XCTAssertEqual(try market.apply(.finish(job: 0), from: 5, at: Self.at(20)), [.finished(job: 0, provider: 0), .started(job: 1, provider: 0)],
                       "free at once for the next job")
        XCTAssertEqual(market.jobs[0].status, .awaitingProof)
        XCTAssertThrowsError(try market.apply(.settle(job: 0), from: 2, at: Self.at(500)), "not the owner")
        XCTAssertEqual(try market.apply(.settle(job: 0), from: 1, at: Self.at(500)), [.paid(job: 0, provider: 0, amount: 20)])
        XCTAssertThrowsError(try market.apply(.settle(job: 0), from: 1, at: Self.at(501)), "settled already")
        _ = try market.apply(.finish(job: 1), from: 5, at: Self.at(40))
        XCTAssertEqual(try market.apply(.settle(job: 1), from: 2, at: Self.at(41)), [.missed(job: 1, provider: 0)], "finished after its deadline")
        XCTAssertEqual(market.providers[0].revenue, 20)
    }

    /// The double auction against brute force, over 2,000 random books: the gains from trade
    /// (the sum of bid - ask over trades) are the most any matching of bids to idle asks reaches;
    /// every trade is individually rational at the uniform price (bid >= price >= ask); no
    /// unmatched bid is at or above an unmatched ask; jobs pay what providers earn.
    func testDoubleAuctionIsEfficientAndIndividuallyRational() throws {
        let draws = RandomStreams(seed: 5).stream("books")
        for book in 0..<2_000 {
            var market = ComputeMarket(matching: .doubleAuction)
            let asks = (0..<(1 + draws.int(below: 6))).map { _ in Double(draws.int(below: 10)) }
            let bids = (0..<(1 + draws.int(below: 8))).map { _ in Double(draws.int(below: 10)) }
            for (node, ask) in asks.enumerated() { _ = try market.apply(.offer(gflops: 1_000, pricePerTflop: ask), from: node, at: .zero) }
            for bid in bids {
                let events = try market.apply(.post(tflop: 1, maxPricePerTflop: bid, deadline: Self.at(1e6)), from: 99, at: .zero)
                XCTAssertEqual(events.count, 1, "a bid waits for the clearing")
            }
            // Brute force: the best gains over every matching, by dynamic programming over the
            // subsets of asks already taken.
            var best = [Double](repeating: -1, count: 1 << asks.count)
            best[0] = 0
            for bid in bids {
                var next = best
                for mask in best.indices where best[mask] >= 0 {
                    for (i, ask) in asks.enumerated() where mask & (1 << i) == 0 && bid >= ask {
                        next[mask | 1 << i] = max(next[mask | 1 << i], best[mask] + bid - ask)
                    }
                }
                best = next
            }
            let events = try market.apply(.clear(maxTrades: 100), from: 0, at: .zero)
            let trades = market.jobs.filter { $0.status == .running }
            let gains = trades.reduce(0) { $0 + $1.maxPricePerTflop - market.providers[Int($1.provider)].pricePerTflop }
            XCTAssertEqual(gains, best.max()!, accuracy: 1e-9, "book \(book): bids \(bids) asks \(asks)")
            guard let price = trades.first?.pricePerTflop else { XCTAssertTrue(events.isEmpty); continue }
            XCTAssertTrue(trades.allSatisfy { $0.pricePerTflop == price }, "one uniform price")
            for job in trades { XCTAssertTrue(job.maxPricePerTflop >= price && market.providers[Int(job.provider)].pricePerTflop <= price, "book \(book)") }
            let openBids = market.jobs.filter { $0.status == .queued }.map(\.maxPricePerTflop)
            let idleAsks = market.providers.filter { $0.job < 0 }.map(\.pricePerTflop)
            XCTAssertFalse(openBids.contains { bid in idleAsks.contains { $0 <= bid } }, "book \(book): a trade is left")
            for (i, job) in market.jobs.enumerated() where job.status == .running {
                _ = try market.apply(.deliver(job: Int32(i)), from: market.providers[Int(job.provider)].node, at: .zero)
            }
            XCTAssertEqual(market.providers.reduce(0) { $0 + $1.revenue }, market.jobs.reduce(0) { $0 + $1.paid }, accuracy: 1e-9)
            XCTAssertEqual(market.jobs.reduce(0) { $0 + $1.paid }, price * Double(trades.count), accuracy: 1e-9)
        }
    }

    /// A paused provider takes no job, under either matching, until it resumes; the job it runs
    /// when it pauses is still delivered and paid. Only the double auction accepts `clear`.
    func testPausedProvidersTakeNoJobs() throws {
        var market = ComputeMarket()
        _ = try market.apply(.offer(gflops: 1_000, pricePerTflop: 1), from: 7, at: .zero)
        _ = try market.apply(.post(tflop: 1, maxPricePerTflop: 2, deadline: Self.at(100)), from: 1, at: .zero)
        _ = try market.apply(.setAvailable(false), from: 7, at: .zero)
        _ = try market.apply(.post(tflop: 1, maxPricePerTflop: 2, deadline: Self.at(100)), from: 2, at: .zero)
        XCTAssertEqual(try market.apply(.deliver(job: 0), from: 7, at: Self.at(1)), [.paid(job: 0, provider: 0, amount: 1)], "no new job while paused")
        XCTAssertEqual(market.waiting, 1)
        XCTAssertEqual(try market.apply(.setAvailable(true), from: 7, at: Self.at(2)),
                       [.availability(provider: 0, available: true), .started(job: 1, provider: 0)])
        XCTAssertThrowsError(try market.apply(.setAvailable(true), from: 8, at: .zero), "only providers pause")
        XCTAssertThrowsError(try market.apply(.clear(maxTrades: 1), from: 0, at: .zero), "posted price has no auction")

        var auction = ComputeMarket(matching: .doubleAuction)
        _ = try auction.apply(.offer(gflops: 1_000, pricePerTflop: 1), from: 7, at: .zero)
        _ = try auction.apply(.offer(gflops: 1_000, pricePerTflop: 3), from: 8, at: .zero)
        _ = try auction.apply(.setAvailable(false), from: 7, at: .zero)
        _ = try auction.apply(.post(tflop: 1, maxPricePerTflop: 4, deadline: Self.at(100)), from: 1, at: .zero)
        XCTAssertEqual(try auction.apply(.clear(maxTrades: 5), from: 0, at: .zero), [.cleared(trades: 1, price: 3.5), .started(job: 0, provider: 1)])
    }
}
