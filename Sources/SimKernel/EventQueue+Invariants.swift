extension EventQueue {
    /// In debug builds, checks after every refill that each pending event sits in the bucket its
    /// time belongs to and that the occupancy bits match (every bucket while the queue is small,
    /// the two lowest otherwise), so debug test runs stay fast. Compiled out of release builds.
    @inlinable @inline(__always)
    func checkInvariants() {
        #if DEBUG
        let small = pending <= 256
        for index in 0..<EventBuckets.count where small || index <= 1 {
            var events = 0
            forEach(inBucket: index) { event in
                events += 1
                assert(bucket(of: event.time.nanoseconds) == index, "EventQueue: an event at \(event.time) sits in bucket \(index)")
            }
            assert(index == 0 || (events > 0) == (storage.occupied[index >> 6] & (1 << UInt64(index & 63)) != 0), "EventQueue: occupancy of bucket \(index) is wrong")
        }
        #endif
    }
}
