import ArgumentParser
import Foundation
import Scenario
import Sweep

/// The options every command that reads a config shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key, e.g. --set network.nodes=500 (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    // Unconditional, so `--seed -5` reaches the config check (a clear error) instead of being
    // taken for an option.
    @Option(parsing: .unconditional, help: "Run seed (same as --set seed=N).")
    var seed: String?

    /// The resolved config from `path` (nil: the embedded quickstart) and the files it names,
    /// or an error printed in full and a non-zero exit.
    func load(path: String?) throws -> RunSetup {
        let all = overrides + (seed.map { ["seed=\($0)"] } ?? [])
        do {
            let setup = try path.map { try RunSetup.load(path: $0, overrides: all) } ?? RunSetup.quickstart(overrides: all)
            for warning in setup.config.warnings() { printWarning(warning) }
            return setup
        } catch let error as ConfigError {
            printError("\(error)")
            throw ExitCode(2)
        }
    }
}

/// Writes `message` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("fedchain: error: \(message)\n".utf8))
}

/// Writes `message` to standard error as a warning (the command goes on).
func printWarning(_ message: String) {
    FileHandle.standardError.write(Data("fedchain: warning: \(message)\n".utf8))
}

/// Prints each distinct warning of a sweep's runs once, with how many runs it concerns.
func printWarnings(of runs: [SweepRun]) {
    var counts: [String: Int] = [:], order: [String] = []
    for run in runs {
        for warning in run.setup.config.warnings() {
            if counts[warning] == nil { order.append(warning) }
            counts[warning, default: 0] += 1
        }
    }
    for warning in order { printWarning("\(warning) (\(counts[warning]!) of \(runs.count) runs)") }
}

/// Writes `message` to standard error without a prefix (progress lines).
func printStatus(_ message: String, newline: Bool = true) {
    FileHandle.standardError.write(Data((message + (newline ? "\n" : "")).utf8))
}
