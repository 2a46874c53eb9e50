/// The pending events of one simulation, popped in `(time, insertion)` order.
///
/// A radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, 1990) on the integer-nanosecond times, with
/// base-16 digits. It relies on the kernel being *monotone*: no event is pushed earlier than the
/// last one popped. Bucket 0 holds the events at exactly `last` (the time of the latest minimum),
/// in insertion order; every other bucket is named by the highest hexadecimal digit in which a
/// time differs from `last` and that digit's value in the time. Each bucket's times lie below the
/// next bucket's. A push appends to one bucket; a pop takes the front of bucket 0 and, when that
/// is used up, moves the lowest non-empty bucket down around its minimum. An event moves at most
/// 16 times (64 with binary digits, which measured no faster).
///
/// Every operation appends to or scans a contiguous buffer, so the queue streams through memory
/// where a binary or 4-ary heap jumps: at 100,000 pending events a heap's array outgrows the L2
/// cache and every sift-down level misses it. Equal times pop in insertion order without a
/// sequence number: events of one time always share a bucket, and moves keep their order.
///
/// ```swift
/// var queue = EventQueue()
/// queue.push(time: SimTime(nanoseconds: 5), target: 0, kind: 1, payload: 0)
/// let first = queue.pop()   // the earliest event; ties in insertion order
/// ```
public struct EventQueue: Sendable {
    /// Bits per digit, digits of a 64-bit time, and the non-zero values of one digit.
    @usableFromInline static let digitBits = 4
    @usableFromInline static let levels = (64 + digitBits - 1) / digitBits, digitsPerLevel = (1 << digitBits) - 1
    @usableFromInline var storage = EventBuckets()
    /// Bit `i % 64` of word `i / 64` of `storage.occupied` is set when bucket `i > 0` is not
    /// empty; bit `w` of `occupiedWords` when word `w` is not zero.
    @usableFromInline var occupiedWords: UInt64 = 0
    /// Events of bucket 0's first chunk already popped (bucket 0 is consumed from the front).
    @usableFromInline var front = 0
    /// The time of the latest minimum; no pending event is earlier.
    @usableFromInline var last: UInt64 = 0
    @usableFromInline var pending = 0

    /// Creates an empty queue.
    public init() {}

    /// Number of pending events.
    @inlinable public var count: Int { pending }

    /// True when no event is pending.
    @inlinable public var isEmpty: Bool { pending == 0 }

    /// The earliest pending event, without removing it. Mutating: it may move a bucket down.
    @inlinable
    public mutating func peek() -> Event? {
        guard pending > 0 else { return nil }
        makeUnique()
        if storage.head[0] < 0 { refill() }
        return storage.chunks[Int(storage.head[0])][front]
    }

    /// Adds an event; equal times pop in the order they were pushed. O(1); a push earlier than
    /// the last pop (possible only between runs, after a void event) re-buckets the queue, O(n).
    @inlinable
    public mutating func push(time: SimTime, target: UInt32, source: UInt32 = 0, kind: UInt16, payload: UInt32) {
        makeUnique()
        if time.nanoseconds < last { rebase(to: time.nanoseconds) }
        place(Event(time: time, target: target, source: source, kind: kind, payload: payload))
        pending += 1
    }

    /// Removes and returns the earliest event, or nil when empty. Amortised O(digits of the time
    /// span).
    @inlinable
    public mutating func pop() -> Event? {
        guard pending > 0 else { return nil }
        makeUnique()
        if storage.head[0] < 0 { refill() }
        let chunk = storage.head[0]
        let event = storage.chunks[Int(chunk)][front]
        front += 1
        pending -= 1
        if front == (chunk == storage.tail[0] ? storage.fill[0] : EventBuckets.chunkEvents) {
            // The front chunk is used up: hand it back; bucket 0 goes on with the next or is empty.
            let following = storage.next[Int(chunk)]
            storage.release(chunk)
            front = 0
            storage.head[0] = following
            if following < 0 {
                storage.tail[0] = -1
                storage.fill[0] = 0
                storage.earliest[0] = .max
            }
        }
        return event
    }

    @inlinable @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// 0 for `last`; else 1 + 15 x (the highest hexadecimal digit in which `time` differs) +
    /// (that digit of `time`) - 1. Monotone in `time` for times not below `last`.
    @inlinable @inline(__always)
    func bucket(of time: UInt64) -> Int {
        let difference = time ^ last
        guard difference != 0 else { return 0 }
        let level = (63 - difference.leadingZeroBitCount) / Self.digitBits
        let digit = Int(truncatingIfNeeded: time >> UInt64(level * Self.digitBits)) & Self.digitsPerLevel
        return level * Self.digitsPerLevel + digit
    }

    /// Appends `event` to its bucket and marks that bucket occupied.
    @inlinable @inline(__always)
    mutating func place(_ event: Event) {
        let index = bucket(of: event.time.nanoseconds)
        storage.append(event, to: index)
        guard index > 0 else { return }
        storage.occupied[index >> 6] |= 1 &<< UInt64(index & 63)
        occupiedWords |= 1 &<< UInt64(index >> 6)
    }

    /// Finds and clears the lowest occupied bucket.
    @usableFromInline
    mutating func takeLowestOccupied() -> Int {
        let word = occupiedWords.trailingZeroBitCount
        let bits = storage.occupied[word]
        storage.occupied[word] = bits & (bits &- 1)
        if bits & (bits &- 1) == 0 { occupiedWords &= occupiedWords &- 1 }
        return word << 6 + bits.trailingZeroBitCount
    }

    /// Bucket 0 is empty and an event is pending: makes the lowest non-empty bucket's minimum
    /// the new `last` and moves that bucket's events down, in order, handing each chunk back
    /// once it is read (the buckets being filled take it again at once).
    @usableFromInline
    mutating func refill() {
        let source = takeLowestOccupied()
        let firstChunk = storage.head[source], lastChunk = storage.tail[source], lastFill = storage.fill[source]
        last = storage.earliest[source]
        storage.head[source] = -1   // every event lands in a lower bucket: none is appended here
        storage.tail[source] = -1
        storage.fill[source] = 0
        storage.earliest[source] = .max
        front = 0
        var chunk = firstChunk
        while chunk >= 0 {
            let events = storage.chunks[Int(chunk)], n = chunk == lastChunk ? lastFill : EventBuckets.chunkEvents
            for i in 0..<n { place(events[i]) }
            let following = storage.next[Int(chunk)]
            storage.release(chunk)
            chunk = following
        }
        checkInvariants()
    }

    /// A push earlier than `last`: re-buckets every pending event around `time`. Buckets are
    /// visited in order and events of one time share a bucket, so their order survives.
    @usableFromInline
    mutating func rebase(to time: UInt64) {
        var all: [Event] = []
        all.reserveCapacity(pending)
        forEachPending { all.append($0) }
        for index in 0..<EventBuckets.count { storage.clear(index) }
        for word in 0..<EventBuckets.occupancyWords { storage.occupied[word] = 0 }
        occupiedWords = 0
        front = 0
        last = time
        for event in all { place(event) }
    }

    /// Calls `body` with every pending event, bucket by bucket (bucket 0 from its front), with
    /// its bucket's index.
    @usableFromInline
    func forEachPending(_ body: (Event) -> Void) {
        for index in 0..<EventBuckets.count { forEach(inBucket: index) { body($0) } }
    }

    /// Calls `body` with the pending events of bucket `index`, in order.
    @usableFromInline
    func forEach(inBucket index: Int, _ body: (Event) -> Void) {
        var chunk = storage.head[index], offset = index == 0 ? front : 0
        while chunk >= 0 {
            let n = chunk == storage.tail[index] ? storage.fill[index] : EventBuckets.chunkEvents
            for i in offset..<Swift.max(offset, n) { body(storage.chunks[Int(chunk)][i]) }
            offset = 0
            chunk = storage.next[Int(chunk)]
        }
    }
}
