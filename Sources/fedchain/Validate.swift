import ArgumentParser
import Scenario

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a config and print it fully resolved (every key, defaults filled in).")

    @Argument(help: "Config file (YAML). Omit for the quickstart.")
    var config: String?

    @OptionGroup var options: ConfigOptions

    func run() throws {
        print(ConfigLoader.yaml(try options.load(path: config).config), terminator: "")
    }
}
