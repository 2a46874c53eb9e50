import ArgumentParser
import Foundation
import Scenario
import Sweep

struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run experiments/NAME and print simulated against published figures.",
        discussion: "Runs the experiment's sweep (resuming), merges it, and compares each figure of expected.yaml; exit 1 if one is outside its tolerance.")

    @Argument(help: "Experiment name (a folder of experiments/ with an expected.yaml).")
    var name: String?

    @Flag(help: "List the experiments: name, reference kinds, runs (full and --quick), title.")
    var list = false

    @Option(name: [.short, .long], help: "Runs at a time.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "The reduced size of expected.yaml's `quick` section (fewer blocks or rounds, wider tolerances).")
    var quick = false

    @Option(help: "Folder holding the experiments.")
    var experiments = "experiments"

    @Option(name: .customLong("output-dir"), help: "Where run files go (default: notebooks-data/reproduce/NAME[-quick]).")
    var outputDir: String?

    /// The folders of `experiments` that hold an expected.yaml, sorted.
    private var available: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: experiments)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: "\(experiments)/\($0)/expected.yaml") }.sorted()
    }

    func run() throws {
        if list { return try printList() }
        guard let name else {
            printError("name an experiment (\(available.joined(separator: ", "))), or pass --list")
            throw ExitCode(2)
        }
        guard available.contains(name) else {
            printError("no experiment '\(name)' in \(experiments)/; the experiments are: \(available.joined(separator: ", "))")
            throw ExitCode(2)
        }
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
        if quick {
            print("\(reproduction.title) (quick: reduced size, every tolerance x\(String(format: "%g", reproduction.quickToleranceScale)); "
                  + "a quick pass is a smoke test, not the reproduction)\n")
        } else {
            print("\(reproduction.title)\n")
        }
        print(Reproduction.table(comparisons))
        let missed = comparisons.filter { !$0.within }.count
        print("\n\(comparisons.count - missed) of \(comparisons.count) within tolerance; runs in \(directory)")
        if missed > 0 || !report.failed.isEmpty { throw ExitCode(1) }
    }

    private func printList() throws {
        var rows: [[String]] = [["name", "reference", "runs", "quick runs", "title"]]
        for name in available {
            do {
                let reproduction = try Reproduction(directory: "\(experiments)/\(name)")
                let spec = try SweepSpec.load(path: reproduction.sweepPath)
                var kinds: [String] = []
                for kind in reproduction.quantities.map(\.reference.rawValue) where !kinds.contains(kind) { kinds.append(kind) }
                rows.append([name, kinds.joined(separator: ", "), "\(spec.runCount())", "\(spec.runCount(replicates: reproduction.quickReplicates))",
                             reproduction.title])
            } catch let error as ConfigError {
                rows.append([name, "", "", "", "(unreadable: \(error))"])
            }
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let line = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            print(line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        }
    }
}
