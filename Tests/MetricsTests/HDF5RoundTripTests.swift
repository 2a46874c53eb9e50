import Foundation
import Metrics
import SimKernel
import XCTest

final class HDF5RoundTripTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedchain-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func sampleRecord(rows: Int = 5000) -> RunRecord {
        var record = RunRecord()
        record.setRootAttribute("schema_version", .int(RunRecord.schemaVersion))
        record.setRootAttribute("config", .string("seed: 1\nnote: \"ünïcødé ✓\"\n"))
        record.setSummary("blocks_total", .int(-7))
        record.setSummary("stale_rate", .double(0.125))
        record.setSummary("missing", .double(.nan))
        record.setSummary("blocks_total", .int(12))   // replaces, keeps position
        record.setTable("/chain/blocks", Table([
            Column("id", .int64((0..<rows).map(Int64.init))),
            Column("t_s", .double((0..<rows).map { Double($0) / 3 })),
            Column("flag", .uint8((0..<rows).map { UInt8($0 % 2) })),
            Column("region", .string((0..<rows).map { ["NA", "EU", "日本"][$0 % 3] })),
        ], attributes: [("unit", .string("s"))]))
        record.setTable("/metrics/deep/empty", Table([Column("t_ns", .int64([]))]))
        return record
    }

    func testEveryColumnTypeAndAttributeReadsBack() throws {
        let path = directory.appendingPathComponent("run.h5").path
        try HDF5Writer.write(sampleRecord(), to: path)
        let file = try HDF5File(readingAt: path)
        let root = try file.attributes()
        XCTAssertEqual(root.map(\.0), ["schema_version", "config"])
        XCTAssertEqual(root[1].1, .string("seed: 1\nnote: \"ünïcødé ✓\"\n"))
        let summary = try file.attributes(of: "/summary")
        XCTAssertEqual(summary.map(\.0), ["blocks_total", "stale_rate", "missing"], "creation order is kept")
        XCTAssertEqual(summary[0].1, .int(12))
        XCTAssertEqual(summary[1].1, .double(0.125))
        XCTAssertTrue(summary[2].1.number!.isNaN)

        XCTAssertEqual(try file.columnNames("/chain/blocks"), ["id", "t_s", "flag", "region"])
        XCTAssertEqual(try file.int64Column("/chain/blocks", "id"), (0..<5000).map(Int64.init))
        XCTAssertEqual(try file.doubleColumn("/chain/blocks", "t_s"), (0..<5000).map { Double($0) / 3 })
        XCTAssertEqual(try file.int64Column("/chain/blocks", "flag"), (0..<5000).map { Int64($0 % 2) })
        XCTAssertEqual(try file.stringColumn("/chain/blocks", "region").prefix(4), ["NA", "EU", "日本", "NA"])
        XCTAssertEqual(try file.attributes(of: "/chain/blocks").first?.1, .string("s"))
        XCTAssertEqual(try file.rowCount("/metrics/deep/empty"), 0)
        XCTAssertEqual(try file.entries().filter(\.isDataset).map(\.path), ["/chain/blocks", "/metrics/deep/empty"])
        XCTAssertThrowsError(try file.int64Column("/chain/blocks", "nope"))
    }

    func testSameRecordGivesIdenticalBytes() throws {
        let a = directory.appendingPathComponent("a.h5").path, b = directory.appendingPathComponent("b.h5").path
        try HDF5Writer.write(sampleRecord(), to: a)
        Thread.sleep(forTimeInterval: 1.1)   // a clock-dependent field would differ now
        try HDF5Writer.write(sampleRecord(), to: b)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
    }

    /// A failed write leaves neither a temporary nor a partial file, and never touches an
    /// existing file under the final name.
    func testFailedWriteLeavesNothingBehind() throws {
        let missingDir = directory.appendingPathComponent("no/such/dir/run.h5").path
        XCTAssertThrowsError(try HDF5Writer.write(sampleRecord(), to: missingDir))
        let target = directory.appendingPathComponent("keep.h5").path
        try HDF5Writer.write(sampleRecord(rows: 3), to: target)
        let before = try Data(contentsOf: URL(fileURLWithPath: target))
        var bad = RunRecord()
        bad.setTable("/x", Table([Column("a", .int64([1]))]))
        bad.setTable("/x/y", Table([Column("a", .int64([1]))]))   // /x is a dataset: cannot hold /x/y
        XCTAssertThrowsError(try HDF5Writer.write(bad, to: target))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["keep.h5"])
    }

    func testNonHDF5FileIsAClearError() throws {
        let path = directory.appendingPathComponent("text.h5").path
        try "not hdf5".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try HDF5File(readingAt: path)) { error in
            XCTAssertTrue("\(error)".contains("not an HDF5 file"), "\(error)")
        }
    }
}
