/// The clock and the pending events of one simulation; what a model uses to schedule.
///
/// A simulation is a value: many can run side by side in one process.
public struct Scheduler: Sendable {
    /// The current simulated time: the time of the event being handled.
    @inlinable public var now: SimTime { clock }
    /// Events handled so far.
    @inlinable public var eventsProcessed: UInt64 { handled }
    @usableFromInline var clock: SimTime = .zero
    @usableFromInline var handled: UInt64 = 0
    @usableFromInline var queue = EventQueue()

    /// Creates a scheduler at time zero with no pending events. (The queue grows in chunks as
    /// it needs them, so it takes no size hint.)
    public init() {}

    /// Number of events still pending.
    public var pendingEvents: Int { queue.count }

    /// Schedules an event at `time`, which must not be in the past.
    @inlinable
    public mutating func schedule(at time: SimTime, target: UInt32, source: UInt32 = 0, kind: UInt16, payload: UInt32 = 0) {
        precondition(time >= now, "cannot schedule an event in the past")
        queue.push(time: time, target: target, source: source, kind: kind, payload: payload)
    }

    /// Schedules an event `delay` after now.
    @inlinable
    public mutating func schedule(after delay: SimDuration, target: UInt32, source: UInt32 = 0, kind: UInt16, payload: UInt32 = 0) {
        queue.push(time: now + delay, target: target, source: source, kind: kind, payload: payload)
    }
}

/// What a model does with an event. Models are values handled through generics, so a call costs
/// no existential box and no closure.
public protocol SimModel {
    /// Handles one event; new events go through `scheduler`. Returns false when the event turned
    /// out void (a replaced draw, a slot after production stopped): the clock then stays where
    /// it was, so a run ends at its last real event rather than at a stale one.
    mutating func handle(_ event: Event, scheduler: inout Scheduler) -> Bool
}

/// Limits on a run besides the model running out of events.
public struct StopCondition: Sendable, Equatable {
    /// Stop before the first event later than this instant (the clock is then set to it).
    public var maxTime: SimTime?
    /// Stop after this many events.
    public var maxEvents: UInt64?

    /// Creates a stop condition; nil means no limit.
    public init(maxTime: SimTime? = nil, maxEvents: UInt64? = nil) {
        self.maxTime = maxTime
        self.maxEvents = maxEvents
    }
}

/// Why a run ended.
public enum StopReason: String, Sendable {
    /// No event was left: the model ended its own work (e.g. the block target was reached and
    /// every block finished propagating).
    case queueEmpty = "queue_empty"
    /// The next event lay past `StopCondition.maxTime`.
    case timeLimit = "time_limit"
    /// `StopCondition.maxEvents` events were handled.
    case eventLimit = "event_limit"
}

extension Scheduler {
    /// Runs `model` until the queue empties or `stop` holds. The whole loop of the kernel.
    @inlinable
    public mutating func run<Model: SimModel>(_ model: inout Model, until stop: StopCondition = .init()) -> StopReason {
        let maxTime = stop.maxTime?.nanoseconds ?? .max
        let maxEvents = stop.maxEvents ?? .max
        while true {
            guard handled < maxEvents else { return .eventLimit }
            guard let next = queue.peek() else { return .queueEmpty }
            guard next.time.nanoseconds <= maxTime else {
                clock = SimTime(nanoseconds: maxTime)
                return .timeLimit
            }
            let event = queue.pop()!
            assert(event.time >= clock, "simulated time went backwards")
            let previous = clock
            clock = event.time
            handled += 1
            if !model.handle(event, scheduler: &self) { clock = previous }
        }
    }
}
