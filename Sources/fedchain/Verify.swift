import ArgumentParser
import Metrics
import Scenario

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-check the federated rounds recorded in a run file: record hashes and the chain of model hashes.")

    @Argument(help: "An HDF5 file written by fedchain run with federation.rounds > 0.")
    var file: String

    func run() throws {
        do {
            let report = try RecordVerifier.verify(try HDF5File(readingAt: file))
            guard report.problems.isEmpty else {
                report.problems.forEach { printError($0) }
                throw ExitCode(1)
            }
            print("\(file): \(report.rounds) rounds, every record hash and the model hash chain check out")
        } catch let error as HDF5Error {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
