/// The pending events of one simulation, popped in `(time, seq)` order.
///
/// A 4-ary min-heap over one contiguous array of `Event` values: no allocation per event once the
/// array has grown, and shallower than a binary heap, so fewer cache misses on the way down.
/// Measured against swift-collections' `Heap` on this project's machine (hold model, 100k pending
/// events): see docs/ARCHITECTURE.md, "Event queue".
///
/// ```swift
/// var queue = EventQueue()
/// queue.push(time: SimTime(nanoseconds: 5), target: 0, kind: 1, payload: 0)
/// let first = queue.pop()   // the earliest event; ties in insertion order
/// ```
public struct EventQueue: Sendable {
    @usableFromInline var heap: [Event] = []
    @usableFromInline var nextSeq: UInt64 = 0

    /// Creates an empty queue.
    public init() {}

    /// Number of pending events.
    @inlinable public var count: Int { heap.count }

    /// True when no event is pending.
    @inlinable public var isEmpty: Bool { heap.isEmpty }

    /// The earliest pending event, without removing it. - Complexity: O(1).
    @inlinable public var first: Event? { heap.first }

    /// Reserves room for `capacity` pending events, so the heap never reallocates below that.
    public mutating func reserveCapacity(_ capacity: Int) { heap.reserveCapacity(capacity) }

    /// Adds an event; its `seq` is the queue's insertion counter, so equal times pop in insertion
    /// order. - Complexity: O(log n).
    @inlinable
    public mutating func push(time: SimTime, target: UInt32, source: UInt32 = 0, kind: UInt16, payload: UInt32) {
        let event = Event(time: time, seq: nextSeq, target: target, source: source, kind: kind, payload: payload)
        nextSeq &+= 1
        heap.append(event)
        siftUp(from: heap.count - 1)
        checkInvariants()
    }

    /// Removes and returns the earliest event, or nil when empty. - Complexity: O(log n).
    @inlinable
    public mutating func pop() -> Event? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let first = heap[0]
        heap[0] = last
        siftDown(from: 0)
        checkInvariants()
        return first
    }

    @inlinable
    mutating func siftUp(from start: Int) {
        heap.withUnsafeMutableBufferPointer { h in
            var child = start
            let moving = h[child]
            while child > 0 {
                let parent = (child - 1) >> 2
                guard Event.precedes(moving, h[parent]) else { break }
                h[child] = h[parent]
                child = parent
            }
            h[child] = moving
        }
    }

    @inlinable
    mutating func siftDown(from start: Int) {
        heap.withUnsafeMutableBufferPointer { h in
            let n = h.count
            var parent = start
            let moving = h[parent]
            while true {
                let firstChild = parent << 2 + 1
                if firstChild >= n { break }
                var best = firstChild
                let end = Swift.min(firstChild + 4, n)
                var c = firstChild + 1
                while c < end {
                    if Event.precedes(h[c], h[best]) { best = c }
                    c += 1
                }
                guard Event.precedes(h[best], moving) else { break }
                h[parent] = h[best]
                parent = best
            }
            h[parent] = moving
        }
    }
}
