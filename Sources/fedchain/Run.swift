import ArgumentParser
import Foundation
import Metrics
import Scenario

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

    func run() throws {
        let setup = try options.load(path: config)
        let name = config.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? Quickstart.name
        let outputPath = output ?? "notebooks-data/\(name).h5"
        try OutputTarget.check(outputPath, inputs: config.map { [$0] } ?? [])
        let directory = URL(fileURLWithPath: outputPath).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        AtomicFile.removeDeadTemporaries(of: outputPath)

        let start = Date()
        var lastReport = start
        let outcome: RunOutcome
        do {
            outcome = try Runner.run(setup) { progress in
                guard !quiet, Date().timeIntervalSince(lastReport) >= 2 else { return }
                lastReport = Date()
                printStatus(String(format: "  ... %.0f s simulated, %d events, %d blocks, %.0f s wall",
                                   progress.simTime.seconds, progress.events, progress.blocks, lastReport.timeIntervalSince(start)))
            }
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
