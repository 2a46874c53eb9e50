import ArgumentParser

@main
struct FedChain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedchain",
        abstract: "Deterministic discrete-event simulator of AI-on-blockchain systems.",
        discussion: "Start with `fedchain run` (the quickstart). Config keys: docs/config.md; output layout: docs/hdf5-schema.md.",
        subcommands: [Run.self, Validate.self, Inspect.self, Verify.self, SweepCommand.self, Merge.self, Reproduce.self])
}
