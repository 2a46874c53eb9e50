import ArgumentParser
import Foundation
import Scenario
import Sweep

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep", abstract: "Run a parameter sweep (docs/sweeps.md); rerunning it resumes.",
        discussion: "Each run writes DIR/<run id>.h5; finished runs are skipped on a rerun. Then `fedchain merge DIR`.")

    @Argument(help: "Sweep file (YAML).")
    var sweep: String

    @Option(name: [.short, .long], help: "Runs at a time (results do not depend on it).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("output-dir"), help: "Where run files go (default: notebooks-data/<sweep name>).")
    var outputDir: String?

    @Option(help: "Run only shard I of N (I/N, 1-based): every N-th run, deterministic.")
    var shard: String?

    @Flag(name: .customLong("dry-run"), help: "List the runs and exit.")
    var dryRun = false

    @Option(name: .customLong("max-runs"), help: "Refuse sweeps that expand to more runs than this.")
    var maxRuns: Int = SweepPlan.defaultMaxRuns

    func run() throws {
        let plan = try SweepCommand.plan(sweep, maxRuns: maxRuns)
        var runs = plan.runs
        if let shard {
            let parts = shard.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else {
                printError("--shard: expected I/N with 1 <= I <= N, found '\(shard)'")
                throw ExitCode(2)
            }
            runs = plan.shard(parts[0], of: parts[1])
        }
        let directory = outputDir ?? "notebooks-data/\(SweepCommand.defaultName(sweep))"
        if dryRun {
            print("\(runs.count) runs (of \(plan.runs.count)) -> \(directory)")
            for run in runs {
                let axes = run.axes.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                print("\(run.index)\t\(run.runID)\treplicate \(run.replicate)\tseed \(run.seed)\t\(axes)")
            }
            return
        }
        guard jobs >= 1 else {
            printError("--jobs: expected an integer >= 1, found \(jobs)")
            throw ExitCode(2)
        }
        printWarnings(of: runs)
        printStatus("fedchain sweep: \(runs.count) runs, \(jobs) at a time -> \(directory)")
        let progress = SweepProgress(total: runs.count)
        let report = try SweepRunner.run(runs, jobs: jobs, directory: directory) { progress.handle($0) }
        print("fedchain sweep: \(report.ran) ran, \(report.skipped) already done, \(report.failed.count) failed; files in \(directory)")
        for failure in report.failed { printError("run \(failure.runID): \(failure.message)") }
        if !report.failed.isEmpty { throw ExitCode(1) }
    }

    /// The sweep's name: its file name, or its folder's for a file called sweep.yaml.
    static func defaultName(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        return stem == "sweep" ? url.deletingLastPathComponent().lastPathComponent : stem
    }

    /// The expanded sweep, or the error printed in full and exit 2.
    static func plan(_ path: String, maxRuns: Int) throws -> SweepPlan {
        do {
            return try SweepPlan(SweepSpec.load(path: path), maxRuns: maxRuns)
        } catch let error as ConfigError {
            printError("\(error)")
            throw ExitCode(2)
        }
    }
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Collect a sweep's run files into DIR/sweep.h5 (/runs) and DIR/sweep.csv: one row per run.")

    @Argument(help: "The sweep's output directory.")
    var directory: String

    func run() throws {
        let count = try SweepMerge.merge(directory)
        print("fedchain merge: \(count) runs -> \(directory)/sweep.h5, \(directory)/sweep.csv")
    }
}
