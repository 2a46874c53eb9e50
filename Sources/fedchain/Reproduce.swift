import ArgumentParser
import Foundation
import Scenario
import Sweep

struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run experiments/NAME and print simulated against published figures.",
        discussion: "Runs the experiment's sweep (resuming), merges it, and compares each figure of expected.yaml; exit 1 if one is outside its tolerance.")

    @Argument(help: "Experiment name (a folder of experiments/ with an expected.yaml).")
    var name: String

    @Option(help: "Runs at a time.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "The reduced size of expected.yaml's `quick` section (fewer blocks or rounds, wider tolerances).")
    var quick = false

    @Option(help: "Folder holding the experiments.")
    var experiments = "experiments"

    @Option(name: .customLong("output-dir"), help: "Where run files go (default: notebooks-data/reproduce/NAME[-quick]).")
    var outputDir: String?

    func run() throws {
        let folder = URL(fileURLWithPath: experiments).appendingPathComponent(name).path
        let reproduction: Reproduction
        let plan: SweepPlan
        do {
            reproduction = try Reproduction(directory: folder)
            plan = try SweepPlan(SweepSpec.load(path: reproduction.sweepPath), overrides: quick ? reproduction.quickOverrides : [],
                                 replicates: quick ? reproduction.quickReplicates : nil)
        } catch let error as ConfigError {
            printError("\(error)")
            throw ExitCode(2)
        }
        let directory = outputDir ?? "notebooks-data/reproduce/\(name)\(quick ? "-quick" : "")"
        printWarnings(of: plan.runs)
        printStatus("fedchain reproduce: \(reproduction.title): \(plan.runs.count) runs, \(jobs) at a time -> \(directory)")
        let progress = SweepProgress(total: plan.runs.count)
        let report = try SweepRunner.run(plan.runs, jobs: max(1, jobs), directory: directory) { progress.handle($0) }
        for failure in report.failed { printError("run \(failure.runID): \(failure.message)") }
        try SweepMerge.merge(directory)
        let ids = Set(plan.runs.map(\.runID))
        let rows = try SweepMerge.rows(in: directory).filter { ids.contains($0.runID) }
        let comparisons = reproduction.compare(rows, quick: quick)
        print("\(reproduction.title)\(quick ? " (quick)" : "")\n")
        print(Reproduction.table(comparisons))
        let missed = comparisons.filter { !$0.within }.count
        print("\n\(comparisons.count - missed) of \(comparisons.count) within tolerance; runs in \(directory)")
        if missed > 0 || !report.failed.isEmpty { throw ExitCode(1) }
    }
}
