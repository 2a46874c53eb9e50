import Foundation
import Metrics
import Scenario

/// Runs a sweep's runs in parallel, one HDF5 file per run, skipping those already done.
public enum SweepRunner {
    /// How the sweep went.
    public struct Report: Sendable {
        public var ran = 0
        public var skipped = 0
        public var failed: [(runID: String, message: String)] = []
    }

    /// What the runner tells the user while it works.
    public enum Event: Sendable {
        case finished(run: SweepRun, seconds: Double)
        case skipped(run: SweepRun)
        case failed(run: SweepRun, message: String)
    }

    /// The file of `run` in `directory`.
    public static func file(of run: SweepRun, in directory: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent("\(run.runID).h5").path
    }

    /// Runs `runs` with `jobs` workers into `directory`. A run whose file exists (files appear
    /// under their final name only when complete) is skipped; a failed run is reported and the
    /// others go on. `onEvent` is called (serially) as each run ends.
    public static func run(_ runs: [SweepRun], jobs: Int, directory: String, onEvent: @escaping @Sendable (Event) -> Void) throws -> Report {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        AtomicFile.removeDeadTemporaries(in: directory)
        let state = SharedState(runs: runs)
        let workers = max(1, min(jobs, runs.count))
        let finished = DispatchSemaphore(value: 0)
        for _ in 0..<workers {
            let thread = Thread {
                work(state, directory: directory, onEvent: onEvent)
                finished.signal()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        for _ in 0..<workers { finished.wait() }
        return state.report
    }

    /// One worker: takes runs until none is left.
    private static func work(_ state: SharedState, directory: String, onEvent: @escaping @Sendable (Event) -> Void) {
        while let run = state.next() {
            let path = file(of: run, in: directory)
            if isComplete(path) {
                state.record(.skipped(run: run), onEvent)
                continue
            }
            let start = Date()
            do {
                var record = try Runner.run(run.setup).record
                record.setRootAttribute("run_id", .string(run.runID))
                record.setRootAttribute("sweep_replicate", .int(Int64(run.replicate)))
                record.setRootAttribute("sweep_axes", .string(axesText(run.axes)))
                try HDF5Lock.shared.withLock { try HDF5Writer.write(record, to: path) }
                state.record(.finished(run: run, seconds: Date().timeIntervalSince(start)), onEvent)
            } catch {
                state.record(.failed(run: run, message: FailureText.describe(error)), onEvent)
            }
        }
    }

    /// The axes as one line of YAML flow mapping (kept in each run file, read back by merge).
    static func axesText(_ axes: [(key: String, value: String)]) -> String {
        "{" + axes.map { "\($0.key): \($0.value.contains("\n") ? "'\($0.value)'" : $0.value)" }.joined(separator: ", ") + "}"
    }

    /// A file that opens and has a summary is complete (the writer renames into place last).
    static func isComplete(_ path: String) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        return HDF5Lock.shared.withLock { (try? HDF5File(readingAt: path))?.exists("/summary") ?? false }
    }

    /// The queue of runs and the tally, shared by the workers.
    private final class SharedState: @unchecked Sendable {
        private let lock = NSLock()
        private let runs: [SweepRun]
        private var position = 0
        private(set) var report = Report()

        init(runs: [SweepRun]) { self.runs = runs }

        func next() -> SweepRun? {
            lock.withLock {
                guard position < runs.count else { return nil }
                position += 1
                return runs[position - 1]
            }
        }

        func record(_ event: Event, _ onEvent: @Sendable (Event) -> Void) {
            lock.withLock {
                switch event {
                case .finished: report.ran += 1
                case .skipped: report.skipped += 1
                case .failed(let run, let message): report.failed.append((run.runID, message))
                }
                onEvent(event)
            }
        }
    }
}

/// One lock around HDF5 calls: the library may be built without thread safety.
final class HDF5Lock: @unchecked Sendable {
    static let shared = HDF5Lock()
    private let lock = NSLock()
    func withLock<T>(_ body: () throws -> T) rethrows -> T { try lock.withLock(body) }
}
