import ArgumentParser
import Foundation
import Metrics
import Scenario

@main
struct FedChain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedchain",
        abstract: "Deterministic discrete-event simulator of AI-on-blockchain systems.",
        discussion: "Start with `fedchain run` (the quickstart). Config keys: docs/config.md; output layout: docs/hdf5-schema.md.",
        version: FedChainVersion.current,
        subcommands: [Run.self, Validate.self, Inspect.self, Verify.self, SweepCommand.self, Merge.self, Reproduce.self, Privacy.self])

    /// One exit policy for every command: argument errors and config errors exit 2, any other
    /// failure exits 1, each as one `fedchain: error:` line (argument errors add the usage).
    /// `--help`, `help <command>` and `--version` print and exit 0.
    static func main() {
        SignalCleanup.install()
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            printError(message)
            Foundation.exit(2)
        }
        do {
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch let error as ConfigError {
            printError("\(error)")
            Foundation.exit(2)
        } catch {
            // `--help` on a subcommand and `help <command>` parse to ArgumentParser's help
            // command, whose run throws the help request: print it, exit 0.
            guard exitCode(for: error) != .success else { exit(withError: error) }
            printError(FailureText.describe(error))
            Foundation.exit(1)
        }
    }
}
