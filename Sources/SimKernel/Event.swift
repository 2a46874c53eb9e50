/// One scheduled event: a small value ordered by `(time, seq)`.
///
/// `target` is the node (or component) it concerns, `source` the node it comes from (for a
/// message), `kind` says what happens, and `payload` indexes a side table owned by the model (a
/// block id). An event is 30 bytes (stride 32) and needs no heap allocation.
public struct Event: Sendable, Equatable {
    /// When the event happens.
    public var time: SimTime
    /// Insertion counter of the simulation: breaks ties at equal `time` by insertion order.
    public var seq: UInt64
    /// The node or component the event is for.
    public var target: UInt32
    /// The node a message comes from (0 when the event is not a message).
    public var source: UInt32
    /// Side-table index owned by the model (block id, generation counter, ...).
    public var payload: UInt32
    /// Model-defined event type; each model names its kinds with its own constants.
    public var kind: UInt16

    /// Creates an event; `seq` is normally assigned by `EventQueue`.
    @inlinable
    public init(time: SimTime, seq: UInt64, target: UInt32, source: UInt32 = 0, kind: UInt16, payload: UInt32) {
        self.time = time
        self.seq = seq
        self.target = target
        self.source = source
        self.payload = payload
        self.kind = kind
    }

    /// The total order of the kernel: time first, then insertion order.
    @inlinable
    public static func precedes(_ a: Event, _ b: Event) -> Bool {
        a.time.nanoseconds < b.time.nanoseconds
            || (a.time.nanoseconds == b.time.nanoseconds && a.seq < b.seq)
    }
}
