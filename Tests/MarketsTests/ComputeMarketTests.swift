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
}
