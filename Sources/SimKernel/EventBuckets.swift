/// The storage of `EventQueue`: its buckets as lists of fixed-size chunks drawn from one pool.
///
/// A chunk holds `chunkEvents` events; every chunk of a bucket but its last is full. A bucket
/// drained by a refill hands its chunks back at once, and the buckets it fills take them again
/// while they are still in cache, so the queue holds about its pending events plus one partial
/// chunk per bucket in use (growable buffers per bucket would each keep their peak instead). All
/// in one object, so a push or a pop checks uniqueness once; events are trivial values, so the
/// chunks are plain memory with no per-element retain or release.
@usableFromInline
final class EventBuckets: @unchecked Sendable {   // mutated only through EventQueue, which copies it before a shared write
    @usableFromInline static let count = 1 + EventQueue.levels * EventQueue.digitsPerLevel
    @usableFromInline static let chunkEvents = 128
    /// Words of the occupancy bitmap (bit `i % 64` of word `i / 64` for bucket `i`).
    @usableFromInline static let occupancyWords = (count + 63) / 64

    /// Per bucket: first chunk, last chunk (-1: empty), events in the last chunk.
    @usableFromInline let head: UnsafeMutablePointer<Int32>
    @usableFromInline let tail: UnsafeMutablePointer<Int32>
    @usableFromInline let fill: UnsafeMutablePointer<Int>
    /// Per bucket: the earliest time appended since it was last emptied (UInt64.max: none), so
    /// a refill reads its chunks once.
    @usableFromInline let earliest: UnsafeMutablePointer<UInt64>
    @usableFromInline let occupied: UnsafeMutablePointer<UInt64>
    /// The chunk table and the free list, behind a pointer: the object's stored properties are
    /// all constants, so no access pays for a dynamic exclusivity check.
    @usableFromInline let pool: UnsafeMutablePointer<ChunkPool>

    @usableFromInline
    struct ChunkPool {
        /// Per chunk: its events, and the next chunk of its bucket (or of the free list).
        @usableFromInline var chunks: UnsafeMutablePointer<UnsafeMutablePointer<Event>>
        @usableFromInline var next: UnsafeMutablePointer<Int32>
        @usableFromInline var count = 0
        @usableFromInline var capacity: Int
        @usableFromInline var free: Int32 = -1
    }

    @inlinable var chunks: UnsafeMutablePointer<UnsafeMutablePointer<Event>> { pool.pointee.chunks }
    @inlinable var next: UnsafeMutablePointer<Int32> { pool.pointee.next }

    @usableFromInline
    init() {
        head = .allocate(capacity: Self.count)
        head.initialize(repeating: -1, count: Self.count)
        tail = .allocate(capacity: Self.count)
        tail.initialize(repeating: -1, count: Self.count)
        fill = .allocate(capacity: Self.count)
        fill.initialize(repeating: 0, count: Self.count)
        earliest = .allocate(capacity: Self.count)
        earliest.initialize(repeating: .max, count: Self.count)
        occupied = .allocate(capacity: Self.occupancyWords)
        occupied.initialize(repeating: 0, count: Self.occupancyWords)
        pool = .allocate(capacity: 1)
        pool.initialize(to: ChunkPool(chunks: .allocate(capacity: 64), next: .allocate(capacity: 64), capacity: 64))
    }

    deinit {
        for chunk in 0..<pool.pointee.count { chunks[chunk].deallocate() }
        for pointer in [UnsafeMutableRawPointer(head), UnsafeMutableRawPointer(tail), UnsafeMutableRawPointer(fill), UnsafeMutableRawPointer(earliest),
                        UnsafeMutableRawPointer(occupied), UnsafeMutableRawPointer(chunks), UnsafeMutableRawPointer(next),
                        UnsafeMutableRawPointer(pool)] {
            pointer.deallocate()
        }
    }

    /// A copy holding the same events in the same buckets, chunk for chunk. Bucket 0's first
    /// chunk is copied from its start, popped events included, so the queue's `front` offset
    /// still points at the same event in the copy.
    @usableFromInline
    func copy() -> EventBuckets {
        let other = EventBuckets()
        for index in 0..<Self.count {
            var chunk = head[index]
            while chunk >= 0 {
                let n = chunk == tail[index] ? fill[index] : Self.chunkEvents
                for i in 0..<n { other.append(chunks[Int(chunk)][i], to: index) }
                chunk = next[Int(chunk)]
            }
        }
        other.occupied.update(from: occupied, count: Self.occupancyWords)
        return other
    }

    @inlinable @inline(__always)
    func append(_ event: Event, to index: Int) {
        var last = tail[index], n = fill[index]
        if last < 0 || n == Self.chunkEvents {
            let fresh = takeChunk()
            if last < 0 { head[index] = fresh } else { next[Int(last)] = fresh }
            tail[index] = fresh
            last = fresh
            n = 0
        }
        (chunks[Int(last)] + n).initialize(to: event)
        fill[index] = n + 1
        earliest[index] = Swift.min(earliest[index], event.time.nanoseconds)
    }

    /// A chunk from the free list, or a new one.
    @usableFromInline
    func takeChunk() -> Int32 {
        let chunk: Int32
        if pool.pointee.free >= 0 {
            chunk = pool.pointee.free
            pool.pointee.free = next[Int(chunk)]
        } else {
            if pool.pointee.count == pool.pointee.capacity { growChunkTable() }
            chunk = Int32(pool.pointee.count)
            chunks[Int(chunk)] = .allocate(capacity: Self.chunkEvents)
            pool.pointee.count += 1
        }
        next[Int(chunk)] = -1
        return chunk
    }

    /// Returns `chunk` to the free list.
    @inlinable @inline(__always)
    func release(_ chunk: Int32) {
        next[Int(chunk)] = pool.pointee.free
        pool.pointee.free = chunk
    }

    /// Hands every chunk of bucket `index` back and marks it empty.
    @usableFromInline
    func clear(_ index: Int) {
        var chunk = head[index]
        while chunk >= 0 {
            let following = next[Int(chunk)]
            release(chunk)
            chunk = following
        }
        head[index] = -1
        tail[index] = -1
        fill[index] = 0
        earliest[index] = .max
    }

    private func growChunkTable() {
        let count = pool.pointee.count, capacity = 2 * pool.pointee.capacity
        let grownChunks = UnsafeMutablePointer<UnsafeMutablePointer<Event>>.allocate(capacity: capacity)
        grownChunks.moveInitialize(from: chunks, count: count)
        chunks.deallocate()
        let grownNext = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        grownNext.moveInitialize(from: next, count: count)
        next.deallocate()
        pool.pointee.chunks = grownChunks
        pool.pointee.next = grownNext
        pool.pointee.capacity = capacity
    }
}
