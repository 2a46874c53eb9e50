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

extension EventQueueTests {
    /// Pops everything and returns (time, target) pairs.
    static func drain(_ queue: inout EventQueue) -> [(UInt64, UInt32)] {
        var out: [(UInt64, UInt32)] = []
        while let event = queue.pop() { out.append((event.time.nanoseconds, event.target)) }
        return out
    }

    /// The radix buckets over the whole 64-bit range: times from 0 to near UInt64.max, many
    /// ties, pops interleaved with pushes never earlier than the last pop; every pop matches a
    /// stable sort. A copy of the queue taken halfway drains on its own to the same result.
    func testWideTimeSpansAndCopiesPopInOrder() {
        let stream = RandomStream(seed: 77)
        var queue = EventQueue()
        var reference: [(time: UInt64, target: UInt32)] = []
        var popped: [(UInt64, UInt32)] = []
        var copy: EventQueue?
        var pendingAtCopy: [(UInt64, UInt32)] = []
        var now: UInt64 = 0
        for step in 0..<20_000 {
            if stream.uniform() < 0.55 || queue.isEmpty {
                let span = UInt64(1) << UInt64(stream.int(below: 63))
                let time = now &+ (stream.uniform() < 0.3 ? 0 : UInt64(stream.uniform() * Double(span)))
                queue.push(time: SimTime(nanoseconds: time), target: UInt32(step), kind: 0, payload: 0)
                reference.append((time, UInt32(step)))
            } else {
                let event = queue.pop()!
                now = event.time.nanoseconds
                popped.append((now, event.target))
            }
            if step == 10_000 {
                copy = queue
                let gone = Set(popped.map(\.1))
                pendingAtCopy = reference.filter { !gone.contains($0.target) }.map { ($0.time, $0.target) }
            }
        }
        popped += Self.drain(&queue)
        XCTAssertTrue(popped.elementsEqual(Self.stableSorted(reference.map { ($0.time, $0.target) }), by: ==), "pops differ from a stable sort by time")
        var halfway = copy!
        XCTAssertTrue(Self.drain(&halfway).elementsEqual(Self.stableSorted(pendingAtCopy), by: ==), "the copy pops its own events in order")
    }

    /// Sorted by time, ties in their order in `items`.
    static func stableSorted(_ items: [(UInt64, UInt32)]) -> [(UInt64, UInt32)] {
        items.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element)
    }

    /// A push earlier than the last pop (possible between runs, after a void event) re-buckets
    /// the queue: it still pops in time order, ties in insertion order.
    func testPushBeforeTheLastPopIsStillOrdered() {
        var queue = EventQueue()
        for (i, t) in [50, 10, 30, 10, 70].enumerated() { queue.push(time: SimTime(nanoseconds: UInt64(t)), target: UInt32(i), kind: 0, payload: 0) }
        XCTAssertEqual(queue.pop()?.target, 1)   // t = 10
        queue.push(time: SimTime(nanoseconds: 5), target: 10, kind: 0, payload: 0)
        queue.push(time: SimTime(nanoseconds: 30), target: 11, kind: 0, payload: 0)
        XCTAssertEqual(queue.peek()?.target, 10)
        let rest = Self.drain(&queue)
        XCTAssertEqual(rest.map(\.1), [10, 3, 2, 11, 0, 4])
        XCTAssertEqual(rest.map(\.0), [5, 10, 30, 30, 50, 70])
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
