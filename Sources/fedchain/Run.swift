import ArgumentParser
import Foundation
import Metrics
import Scenario
import Sweep

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one simulation and write its HDF5 file.",
        discussion: "With no CONFIG, runs the embedded quickstart (experiments/quickstart.yaml).")

    @Argument(help: "Config file (YAML). Omit for the quickstart.")
    var config: String?

    @OptionGroup var options: ConfigOptions

    @Option(name: .shortAndLong, help: "Output file (default: notebooks-data/<config name>.h5).")
    var output: String?

    @Flag(name: .shortAndLong, help: "No progress lines on stderr.")
    var quiet = false

    @Option(name: .customLong("progress-interval"), help: ArgumentHelp("Seconds of wall time between progress lines.", visibility: .hidden))
    var progressInterval: Double = 2

    func run() throws {
        let setup = try options.load(path: config)
        let name = config.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? Quickstart.name
        let outputPath = output ?? "notebooks-data/\(name).h5"
        try OutputTarget.check(outputPath, inputs: config.map { [$0] } ?? [])
        let directory = URL(fileURLWithPath: outputPath).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        AtomicFile.removeDeadTemporaries(of: outputPath)

        let start = Date()
        let printer = RunProgressPrinter(start: start, interval: progressInterval)
        let outcome: RunOutcome
        do {
            outcome = try Runner.run(setup) { progress in if !quiet { printer.handle(progress) } }
            printer.finish()
        } catch let error as World.BuildError {
            printError("\(error)")
            throw ExitCode(2)
        }
        let simulated = Date().timeIntervalSince(start)
        do {
            try HDF5Writer.write(outcome.record, to: outputPath)
        } catch {
            printError(FailureText.describe(error))
            throw ExitCode(1)
        }
        let wall = Date().timeIntervalSince(start)

        print("fedchain run: \(config ?? "quickstart (embedded)"), seed \(setup.config.seed), stopped: \(outcome.stopReason.rawValue)")
        print(SummaryTable.render(outcome.record.summary))
        print(String(format: "wall time %.2f s (simulation %.2f s), %.2f M events/s", wall, simulated,
                     Double(outcome.eventsProcessed) / max(simulated, 1e-9) / 1e6))
        print("wrote \(outputPath)")
    }
}

/// Progress of one run on standard error, at most every `interval` seconds of wall time: FL
/// round r of R with the last accuracy, blocks b of B, simulated time, events, ETA. On a
/// terminal one line rewritten in place; otherwise plain lines.
final class RunProgressPrinter {
    private let start: Date
    private let interval: Double
    private let terminal = isatty(STDERR_FILENO) == 1
    private var last: Date
    private var printed = false

    init(start: Date, interval: Double) {
        self.start = start
        self.interval = interval
        self.last = start
    }

    func handle(_ progress: RunProgress) {
        let now = Date()
        guard now.timeIntervalSince(last) >= interval else { return }
        last = now
        var parts: [String] = []
        if progress.flRoundsTarget > 0 {
            let accuracy = progress.lastAccuracy.map { String(format: " (test accuracy %.3f)", $0) } ?? ""
            parts.append("FL round \(progress.flRounds) of \(progress.flRoundsTarget)\(accuracy)")
        }
        parts.append(progress.blocksTarget > 0 ? "\(progress.blocks) of \(progress.blocksTarget) blocks" : "\(progress.blocks) blocks")
        parts.append(String(format: "%.0f s simulated", progress.simTime.seconds) + (progress.timeTargetS > 0 ? String(format: " of %.0f", progress.timeTargetS) : ""))
        parts.append(progress.events >= 1_000_000 ? String(format: "%.2f M events", Double(progress.events) / 1e6) : "\(progress.events) events")
        let elapsed = now.timeIntervalSince(start), done = progress.fractionDone
        // Below 1 % done an extrapolation is noise (a federated run's first round can show
        // "1355h" from a sliver of its time limit).
        let eta = done >= 0.01 ? SweepProgress.duration(elapsed * (1 - done) / done) : "?"
        let line = String(format: "  [%3.0f%%] ", done * 100) + parts.joined(separator: ", ") + ", \(SweepProgress.duration(elapsed)) wall, ETA \(eta)"
        printStatus(terminal ? "\r\u{1B}[K" + line : line, newline: !terminal)
        printed = true
    }

    /// Ends an in-place line.
    func finish() {
        if terminal && printed { printStatus("", newline: true) }
    }
}

/// Refuses output paths that would destroy an input or cannot hold a run file.
enum OutputTarget {
    /// Throws (exit 2) when `path` is a directory, a FIFO, a device or socket, or the same file as
    /// one of `inputs` (the config).
    static func check(_ path: String, inputs: [String]) throws {
        var target = stat()
        guard stat(path, &target) == 0 else { return }   // a new file
        guard (target.st_mode & S_IFMT) == S_IFREG else {
            let kind: String
            switch target.st_mode & S_IFMT {
            case S_IFDIR: kind = "a directory"
            case S_IFIFO: kind = "a FIFO"
            case S_IFCHR, S_IFBLK: kind = "a device"
            case S_IFSOCK: kind = "a socket"
            default: kind = "not a regular file"
            }
            printError("--output \(path): \(kind); expected a path for an HDF5 file")
            throw ExitCode(2)
        }
        for input in inputs {
            var source = stat()
            if stat(input, &source) == 0, source.st_dev == target.st_dev, source.st_ino == target.st_ino {
                printError("--output \(path): that is the input file \(input); it would be overwritten")
                throw ExitCode(2)
            }
        }
    }
}

/// Formats summary scalars as an aligned two-column table.
enum SummaryTable {
    static func render(_ rows: [(String, AttributeValue)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { key, value in
            let text: String
            if case .double(let v) = value, v.isFinite { text = String(format: "%.6g", v) } else { text = value.description }
            return "  " + key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + text
        }.joined(separator: "\n")
    }
}
