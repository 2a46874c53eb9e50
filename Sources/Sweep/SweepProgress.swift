import Foundation

/// Progress of a sweep on standard error: on a terminal one line rewritten in place (counts,
/// ETA, failures); otherwise one plain line per finished run.
public final class SweepProgress: @unchecked Sendable {
    private let total: Int
    private let terminal: Bool
    private let start = Date()
    private var done = 0, skipped = 0, failed = 0, ran = 0

    public init(total: Int, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = total
        self.terminal = terminal
    }

    /// Called serially by the runner as each run ends.
    public func handle(_ event: SweepRunner.Event) {
        done += 1
        var line: String
        switch event {
        case .finished(let run, let seconds):
            ran += 1
            line = String(format: "ok %@ (%.1f s)", run.runID, seconds)
        case .skipped(let run):
            skipped += 1
            line = "skipped \(run.runID) (already done)"
        case .failed(let run, let message):
            failed += 1
            line = "FAILED \(run.runID): \(message)"
        }
        let status = "[\(done)/\(total)] \(ran) ran, \(skipped) skipped, \(failed) failed, ETA \(eta())"
        if terminal {
            if case .failed = event { write("\r\u{1B}[K" + line + "\n") }
            write("\r\u{1B}[K" + status + (done == total ? "\n" : ""))
        } else {
            write("\(status): \(line)\n")
        }
    }

    private func eta() -> String {
        guard ran > 0 else { return "?" }
        return Self.duration(Date().timeIntervalSince(start) / Double(done) * Double(total - done))
    }

    /// "42s", "3m07s", "2h05m": a wall-clock span for progress lines.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        if seconds >= 3600 { return String(format: "%dh%02dm", Int(seconds) / 3600, Int(seconds) % 3600 / 60) }
        return seconds >= 60 ? String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60) : String(format: "%.0fs", seconds)
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
