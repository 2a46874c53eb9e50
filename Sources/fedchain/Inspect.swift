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
            // Everything is read before anything is printed: a file that fails half-way prints
            // only the error.
            let h5 = try HDF5File(readingAt: file)
            let root = try h5.attributes()
            let summary = h5.exists("/summary") ? try h5.attributes(of: "/summary") : nil
            let datasets = try h5.entries().filter(\.isDataset).map { entry in
                "  \(entry.path)  [\(try h5.rowCount(entry.path)) rows]  \(try h5.columnNames(entry.path).joined(separator: ", "))"
            }
            print(file)
            for (key, value) in root where key != "config" { print("  \(key): \(value)") }
            if config, let text = root.first(where: { $0.0 == "config" })?.1 { print("config:\n\(text)") }
            if let summary {
                print("summary:")
                print(SummaryTable.render(summary))
            }
            print("datasets:")
            datasets.forEach { print($0) }
        } catch let error as HDF5Error {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
