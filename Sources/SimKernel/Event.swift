/// One scheduled event: a small value, popped in order of `time` and, at equal times, of
/// scheduling.
///
/// `target` is the node (or component) it concerns, `source` the node it comes from (for a
/// message), `kind` says what happens, and `payload` indexes a side table owned by the model (a
/// block id). An event is 22 bytes (stride 24) and needs no heap allocation.
public struct Event: Sendable, Equatable {
    /// When the event happens.
    public var time: SimTime
    /// The node or component the event is for.
    public var target: UInt32
    /// The node a message comes from (0 when the event is not a message).
    public var source: UInt32
    /// Side-table index owned by the model (block id, generation counter, ...).
    public var payload: UInt32
    /// Model-defined event type; each model names its kinds with its own constants.
    public var kind: UInt16

    /// Creates an event.
    @inlinable
    public init(time: SimTime, target: UInt32, source: UInt32 = 0, kind: UInt16, payload: UInt32) {
        self.time = time
        self.target = target
        self.source = source
        self.payload = payload
        self.kind = kind
    }
}
