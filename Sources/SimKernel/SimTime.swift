/// An instant of simulated time, in integer nanoseconds since the start of the run.
///
/// Instants and durations are distinct types so that adding two instants does not compile.
public struct SimTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the start of the run.
    public var nanoseconds: UInt64

    /// The start of every run.
    public static let zero = SimTime(nanoseconds: 0)

    /// Creates an instant `nanoseconds` after the start of the run.
    @inlinable public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The instant as seconds (for reports; the simulation itself never uses floating time).
    @inlinable public var seconds: Double { Double(nanoseconds) / 1e9 }

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.nanoseconds < b.nanoseconds }

    /// The instant `d` after `t`; saturates at the largest representable instant.
    @inlinable public static func + (t: SimTime, d: SimDuration) -> SimTime {
        let (sum, overflow) = t.nanoseconds.addingReportingOverflow(d.nanoseconds)
        return SimTime(nanoseconds: overflow ? .max : sum)
    }

    /// The duration from `b` to `a`; `a` must not be earlier than `b`.
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimDuration {
        precondition(a >= b, "SimTime subtraction would be negative")
        return SimDuration(nanoseconds: a.nanoseconds - b.nanoseconds)
    }

    public var description: String { "\(seconds) s" }
}

/// A non-negative span of simulated time, in integer nanoseconds.
public struct SimDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Length in nanoseconds.
    public var nanoseconds: UInt64

    /// The empty duration.
    public static let zero = SimDuration(nanoseconds: 0)

    /// The longest time a config may give, in seconds (about 317 years): well inside the
    /// 584 years that UInt64 nanoseconds hold, so sums of a few such values stay exact.
    public static let maxSeconds = 1e10
    /// The shortest non-zero time a config may give, in seconds: one nanosecond, the clock's tick.
    public static let minSeconds = 1e-9

    /// Creates a duration of `nanoseconds`.
    @inlinable public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// Creates a duration from seconds, rounded to the nearest nanosecond. Negative or NaN input
    /// gives zero and values past the representable range saturate, so a model can pass a raw
    /// random draw without a crash.
    @inlinable public init(seconds: Double) {
        let ns = (seconds * 1e9).rounded()
        if !(ns > 0) { self.nanoseconds = 0 } else if ns >= 1.8e19 { self.nanoseconds = .max } else {
            self.nanoseconds = UInt64(ns)
        }
    }

    /// Creates a duration from milliseconds, rounded to the nearest nanosecond.
    @inlinable public init(milliseconds: Double) { self.init(seconds: milliseconds / 1e3) }

    /// The duration in seconds.
    @inlinable public var seconds: Double { Double(nanoseconds) / 1e9 }

    @inlinable public static func < (a: SimDuration, b: SimDuration) -> Bool { a.nanoseconds < b.nanoseconds }

    /// The sum of two durations; saturates rather than wrapping.
    @inlinable public static func + (a: SimDuration, b: SimDuration) -> SimDuration {
        let (sum, overflow) = a.nanoseconds.addingReportingOverflow(b.nanoseconds)
        return SimDuration(nanoseconds: overflow ? .max : sum)
    }

    public var description: String { "\(seconds) s" }
}

/// A span of simulated time during which a node is offline (a federated client, a compute
/// provider).
public struct OfflineSpan: Sendable, Equatable {
    public var from: SimTime
    public var until: SimTime

    /// Creates the span [from, until).
    public init(from: SimTime, until: SimTime) {
        self.from = from
        self.until = until
    }
}
