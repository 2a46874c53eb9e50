extension EventQueue {
    /// In debug builds, checks the heap property after every mutation (as swift-collections'
    /// `Heap` does): the whole heap while it is small, and the root and its children otherwise, so
    /// debug test runs stay fast. Compiled out of release builds.
    @inlinable @inline(__always)
    func checkInvariants() {
        #if DEBUG
        let checked = heap.count <= 64 ? heap.count : Swift.min(heap.count, 5)
        for i in 1..<Swift.max(checked, 1) {
            assert(!Event.precedes(heap[i], heap[(i - 1) >> 2]), "EventQueue heap order broken at \(i)")
        }
        #endif
    }
}
