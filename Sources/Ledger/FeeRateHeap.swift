/// Pending transactions by fee per byte: a binary heap of (fee per byte, id, version), the
/// highest rate on top (or the lowest, for eviction), the lowest id first among equals. The pool
/// never deletes from the middle: an entry whose version is stale, or whose transaction is no
/// longer pending, is skipped by the pool when it surfaces.
struct FeeRateHeap {
    struct Entry {
        var rate: Double
        var id: Int32
        var version: Int32
    }

    /// True: the highest rate on top; false: the lowest.
    let highestFirst: Bool
    private(set) var entries: [Entry] = []

    init(highestFirst: Bool) { self.highestFirst = highestFirst }

    private func outranks(_ a: Entry, _ b: Entry) -> Bool {
        if a.rate != b.rate { return highestFirst ? a.rate > b.rate : a.rate < b.rate }
        return a.id < b.id
    }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard outranks(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// The top entry, removed; nil when empty.
    mutating func pop() -> Entry? {
        guard let top = entries.first else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            siftDown(0)
        }
        return top
    }

    /// Drops the entries `isLive` rejects and restores the heap order (Floyd's bottom-up build):
    /// linear in the entries, so calling it whenever the dead outnumber the live costs O(1) per push.
    mutating func compact(_ isLive: (Entry) -> Bool) {
        entries.removeAll { !isLive($0) }
        for start in stride(from: entries.count / 2 - 1, through: 0, by: -1) { siftDown(start) }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < entries.count && outranks(entries[left], entries[best]) { best = left }
            if right < entries.count && outranks(entries[right], entries[best]) { best = right }
            if best == parent { break }
            entries.swapAt(parent, best)
            parent = best
        }
    }
}
