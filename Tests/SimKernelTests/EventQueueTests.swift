import SimKernel
import XCTest

final class EventQueueTests: XCTestCase {
    func testEqualTimesPopInInsertionOrder() {
        var queue = EventQueue()
        for i in 0..<100 { queue.push(time: SimTime(nanoseconds: 7), target: UInt32(i), kind: 0, payload: 0) }
        queue.push(time: SimTime(nanoseconds: 3), target: 999, kind: 0, payload: 0)
        XCTAssertEqual(queue.pop()?.target, 999)
        for i in 0..<100 { XCTAssertEqual(queue.pop()?.target, UInt32(i)) }
        XCTAssertNil(queue.pop())
    }

    /// Against a sorted reference, over many seeds; the failing seed is printed.
    func testPopsInTimeThenInsertionOrderAcrossSeeds() {
        for seed in UInt64(0)..<300 {
            let stream = RandomStream(seed: seed)
            var queue = EventQueue()
            var reference: [(time: UInt64, seq: Int)] = []
            var popped: [(time: UInt64, seq: Int)] = []
            var nextSeq = 0
            for _ in 0..<400 {
                if stream.uniform() < 0.6 || queue.isEmpty {
                    let time = UInt64(stream.int(below: 50))   // few distinct times: many ties
                    queue.push(time: SimTime(nanoseconds: time), target: UInt32(nextSeq), kind: 0, payload: 0)
                    reference.append((time, nextSeq))
                    nextSeq += 1
                } else {
                    let event = queue.pop()!
                    popped.append((event.time.nanoseconds, Int(event.target)))
                    let best = reference.indices.min { (reference[$0].time, reference[$0].seq) < (reference[$1].time, reference[$1].seq) }!
                    let expected = reference.remove(at: best)
                    if popped.last! != expected {
                        XCTFail("seed \(seed): popped \(popped.last!) but expected \(expected)")
                        return
                    }
                }
            }
        }
    }
}

final class RunLoopTests: XCTestCase {
    /// Schedules random future events and records the times it sees.
    struct Scatter: SimModel {
        let stream = RandomStream(seed: 5)
        var seen: [SimTime] = []
        var remaining = 5000
        mutating func handle(_ event: Event, scheduler: inout Scheduler) -> Bool {
            guard event.kind == 0 else { return false }   // kind 1: void
            seen.append(scheduler.now)
            XCTAssertEqual(scheduler.now, event.time)
            guard remaining > 0 else { return true }
            for _ in 0..<2 where remaining > 0 {
                remaining -= 1
                scheduler.schedule(after: SimDuration(nanoseconds: UInt64(stream.int(below: 1000))), target: 0, kind: 0)
            }
            return true
        }
    }

    func testTimeNeverGoesBackwardsAndQueueDrains() {
        var scheduler = Scheduler()
        var model = Scatter()
        scheduler.schedule(at: .zero, target: 0, kind: 0)
        XCTAssertEqual(scheduler.run(&model), .queueEmpty)
        XCTAssertEqual(model.seen.count, 5001)
        XCTAssertEqual(scheduler.eventsProcessed, 5001)
        XCTAssertTrue(zip(model.seen, model.seen.dropFirst()).allSatisfy { $0 <= $1 })
    }

    /// A void event is counted but leaves the clock at the last real event.
    func testVoidEventsDoNotAdvanceTheClock() {
        var scheduler = Scheduler()
        var model = Scatter()
        model.remaining = 0
        scheduler.schedule(at: SimTime(nanoseconds: 10), target: 0, kind: 0)
        scheduler.schedule(at: SimTime(nanoseconds: 1_000_000), target: 0, kind: 1)
        XCTAssertEqual(scheduler.run(&model), .queueEmpty)
        XCTAssertEqual(scheduler.eventsProcessed, 2)
        XCTAssertEqual(scheduler.now, SimTime(nanoseconds: 10))
    }

    func testTimeAndEventLimits() {
        var scheduler = Scheduler()
        var model = Scatter()
        scheduler.schedule(at: .zero, target: 0, kind: 0)
        let limit = SimTime(nanoseconds: 2000)
        XCTAssertEqual(scheduler.run(&model, until: StopCondition(maxTime: limit)), .timeLimit)
        XCTAssertEqual(scheduler.now, limit)
        XCTAssertTrue(model.seen.allSatisfy { $0 <= limit })
        XCTAssertGreaterThan(scheduler.pendingEvents, 0)

        let before = scheduler.eventsProcessed
        XCTAssertEqual(scheduler.run(&model, until: StopCondition(maxEvents: before + 10)), .eventLimit)
        XCTAssertEqual(scheduler.eventsProcessed, before + 10)
    }

    func testDurationConversionsRoundAndSaturate() {
        XCTAssertEqual(SimDuration(seconds: 1.5).nanoseconds, 1_500_000_000)
        XCTAssertEqual(SimDuration(milliseconds: 0.0000004).nanoseconds, 0)
        XCTAssertEqual(SimDuration(milliseconds: 0.0000006).nanoseconds, 1)
        XCTAssertEqual(SimDuration(seconds: -3).nanoseconds, 0)
        XCTAssertEqual(SimDuration(seconds: .nan).nanoseconds, 0)
        XCTAssertEqual(SimDuration(seconds: 1e300).nanoseconds, .max)
        XCTAssertEqual((SimTime(nanoseconds: .max - 1) + SimDuration(nanoseconds: 5)).nanoseconds, .max)
    }
}
