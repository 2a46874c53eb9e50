import Foundation
import Metrics
import Yams

/// Collects a sweep's run files into one table: `DIR/sweep.h5` (`/runs`) and `DIR/sweep.csv`.
public enum SweepMerge {
    /// One run's row.
    public struct Row: Sendable {
        public var runID: String
        public var replicate: Int64
        public var seed: Int64
        public var axes: [(key: String, value: String)]
        public var summary: [(key: String, value: Double)]
    }

    /// Reads every run file in `directory` (the `<run id>.h5` files a sweep wrote), sorted by
    /// run id so the table does not depend on the order runs finished in.
    public static func rows(in directory: String) throws -> [Row] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".h5") && $0 != "sweep.h5" }.sorted()
        return try names.compactMap { name in
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            return try HDF5Lock.shared.withLock { () throws -> Row? in
                let file = try HDF5File(readingAt: path)
                guard let runID = try file.stringAttribute("run_id") else { return nil }   // not a sweep run
                let replicate = try file.integerAttribute("sweep_replicate") ?? 0
                let seed = try file.integerAttribute("seed") ?? 0
                var axes: [(key: String, value: String)] = []
                if let text = try file.stringAttribute("sweep_axes") {
                    guard case .mapping(let mapping)? = try? Yams.compose(yaml: text) else {
                        throw HDF5Error("\(path): / attribute sweep_axes: expected a YAML mapping of the swept keys")
                    }
                    axes = mapping.map { ($0.string ?? "", Reader(path: path).value($1).yaml) }
                }
                let summary = try file.attributes(of: "/summary").map { ($0.0, $0.1.number ?? .nan) }
                return Row(runID: runID, replicate: replicate, seed: seed, axes: axes, summary: summary)
            }
        }
    }

    /// Writes `sweep.h5` and `sweep.csv` in `directory`; returns the number of runs merged.
    @discardableResult
    public static func merge(_ directory: String) throws -> Int {
        let rows = try rows(in: directory)
        var axisKeys: [String] = [], summaryKeys: [String] = []
        for row in rows {
            for (key, _) in row.axes where !axisKeys.contains(key) { axisKeys.append(key) }
            for (key, _) in row.summary where !summaryKeys.contains(key) { summaryKeys.append(key) }
        }
        var columns = [Column("run_id", .string(rows.map(\.runID))), Column("replicate", .int64(rows.map(\.replicate))),
                       Column("seed", .int64(rows.map(\.seed)))]
        var csvColumns: [(String, [String])] = [("run_id", rows.map(\.runID)), ("replicate", rows.map { "\($0.replicate)" }),
                                                 ("seed", rows.map { "\($0.seed)" })]
        for key in axisKeys {
            let values = rows.map { row in row.axes.last { $0.key == key }?.value ?? "" }
            // A run without the axis (a `runs` entry that does not set it) leaves a gap, not text.
            let numbers = values.map { $0.isEmpty ? Double.nan : Double($0) }
            let integers = values.map { Int64($0) }
            if integers.allSatisfy({ $0 != nil }) {
                columns.append(Column(key, .int64(integers.map { $0! })))   // nodes = 500, not 500.0
            } else {
                columns.append(numbers.allSatisfy { $0 != nil } ? Column(key, .double(numbers.map { $0! })) : Column(key, .string(values)))
            }
            csvColumns.append((key, values))
        }
        for key in summaryKeys {
            let values = rows.map { row in row.summary.last { $0.key == key }?.value ?? .nan }
            columns.append(Column(key, .double(values)))
            csvColumns.append((key, values.map { "\($0)" }))
        }
        var record = RunRecord()
        record.setRootAttribute("runs", .int(Int64(rows.count)))
        record.setRootAttribute("axes", .string(axisKeys.joined(separator: ",")))
        if !rows.isEmpty { record.setTable("/runs", Table(columns)) }
        try HDF5Lock.shared.withLock { try HDF5Writer.write(record, to: URL(fileURLWithPath: directory).appendingPathComponent("sweep.h5").path) }
        var csv = csvColumns.map { csvField($0.0) }.joined(separator: ",") + "\n"
        for i in rows.indices { csv += csvColumns.map { csvField($0.1[i]) }.joined(separator: ",") + "\n" }
        let csvPath = URL(fileURLWithPath: directory).appendingPathComponent("sweep.csv").path
        try Array(csv.utf8).withUnsafeBytes { try AtomicFile.write($0, to: csvPath) }
        return rows.count
    }

    private static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") || text.contains("\n") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
