import ArgumentParser
import Metrics

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a run file's attributes, summary and datasets.")

    @Argument(help: "An HDF5 file written by fedchain run.")
    var file: String

    @Flag(help: "Also print the resolved config stored in the file.")
    var config = false

    func run() throws {
        do {
            let h5 = try HDF5File(readingAt: file)
            let root = try h5.attributes()
            print(file)
            for (key, value) in root where key != "config" { print("  \(key): \(value)") }
            if config, let text = root.first(where: { $0.0 == "config" })?.1 { print("config:\n\(text)") }
            if h5.exists("/summary") {
                print("summary:")
                print(SummaryTable.render(try h5.attributes(of: "/summary")))
            }
            print("datasets:")
            for entry in try h5.entries() where entry.isDataset {
                let columns = try h5.columnNames(entry.path)
                print("  \(entry.path)  [\(try h5.rowCount(entry.path)) rows]  \(columns.joined(separator: ", "))")
            }
        } catch let error as HDF5Error {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
