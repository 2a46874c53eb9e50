import Foundation
import Learning
import SimKernel
import XCTest

final class DataLoadingTests: XCTestCase {
    /// Writes an HDF5 file with h5py (installed by scripts/setup): X 200 x 4, y 5 classes of 40.
    func makeFile(_ script: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedchain-data-\(UUID().uuidString).h5").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import h5py, numpy as np\nf = h5py.File('\(path)', 'w')\n" + script]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "python3 with h5py is needed (scripts/setup installs it)")
        return path
    }

    let standard = "f['X'] = np.arange(800, dtype=np.float32).reshape(200, 4)\nf['y'] = np.repeat(np.arange(5, dtype=np.int64), 40)\n"

    func testLoadsXAndY() throws {
        let path = try makeFile(standard)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let data = try LabelledData.load(hdf5: path)
        XCTAssertEqual(data.count, 200)
        XCTAssertEqual(data.dimension, 4)
        XCTAssertEqual(data.classes, 5)
        XCTAssertEqual(Array(data.features[4..<8]), [4, 5, 6, 7])
        XCTAssertEqual(data.labels[199], 4)
    }

    func testBadFilesAreClearErrors() throws {
        let noY = try makeFile("f['X'] = np.zeros((3, 2))\n")
        defer { try? FileManager.default.removeItem(atPath: noY) }
        XCTAssertThrowsError(try LabelledData.load(hdf5: noY)) { XCTAssertTrue("\($0)".contains("no dataset 'y'"), "\($0)") }
        let mismatch = try makeFile("f['X'] = np.zeros((3, 2))\nf['y'] = np.zeros(4, dtype=np.int32)\n")
        defer { try? FileManager.default.removeItem(atPath: mismatch) }
        XCTAssertThrowsError(try LabelledData.load(hdf5: mismatch)) { XCTAssertTrue("\($0)".contains("expected X of shape"), "\($0)") }
        XCTAssertThrowsError(try LabelledData.load(hdf5: "/nonexistent.h5"))
    }

    /// IID deals rows evenly; shards give each client at most `perClient` classes; Dirichlet(0.1)
    /// concentrates each client on fewer classes than IID. Every row lands on exactly one client.
    func testPartitions() throws {
        let path = try makeFile(standard)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let data = try LabelledData.load(hdf5: path)
        func classesPerClient(_ clients: [ClientData]) -> [Int] {
            clients.map { Set($0.train.labels + $0.test.labels).count }
        }
        for partition in [Partition.iid, .dirichlet(alpha: 0.1), .shards(perClient: 2), .labelsPerClient(2), .quantitySkew(alpha: 5)] {
            let clients = try partition.split(data, clients: 10, random: RandomStreams(seed: 4).stream("fl.data"))
            XCTAssertEqual(clients.reduce(0) { $0 + $1.train.count + $1.test.count }, 200, "\(partition)")
            let rows = clients.flatMap { $0.train.features + $0.test.features }
            XCTAssertEqual(Set(rows.enumerated().filter { $0.offset % 4 == 0 }.map(\.element)).count, 200, "every row once: \(partition)")
        }
        let iid = try Partition.iid.split(data, clients: 10, random: RandomStreams(seed: 4).stream("a"))
        XCTAssertTrue(iid.allSatisfy { $0.train.count + $0.test.count == 20 })
        XCTAssertTrue(try classesPerClient(Partition.shards(perClient: 2).split(data, clients: 10, random: RandomStreams(seed: 4).stream("b")))
            .allSatisfy { $0 <= 2 })
        let skewed = try classesPerClient(Partition.dirichlet(alpha: 0.1).split(data, clients: 10, random: RandomStreams(seed: 4).stream("c")))
        XCTAssertLessThan(Double(skewed.reduce(0, +)) / 10, Double(classesPerClient(iid).reduce(0, +)) / 10)
    }

    /// NIID-Bench's rules: Dirichlet and quantity skew give every client at least 10 rows (and
    /// refuse when the data cannot); #C=k gives client i the class i mod C and k classes in
    /// all, each class split equally among its holders; quantity skew keeps the sizes unequal.
    func testNIIDBenchPartitionRules() throws {
        let labels = (0..<2_000).map { Int32($0 % 10) }
        let random = RandomStreams(seed: 9)
        for alpha in [0.1, 0.5] {
            let rows = try Partition.dirichlet(alpha: alpha).assign(labels: labels, classes: 10, clients: 20, random: random.stream("d\(alpha)"))
            XCTAssertGreaterThanOrEqual(rows.map(\.count).min()!, Partition.minimumRows)
            XCTAssertEqual(rows.map(\.count).reduce(0, +), 2_000)
        }
        let label = try Partition.labelsPerClient(3).assign(labels: labels, classes: 10, clients: 20, random: random.stream("c"))
        for (client, rows) in label.enumerated() {
            let held = Set(rows.map { labels[$0] })
            XCTAssertEqual(held.count, 3, "client \(client)")
            XCTAssertTrue(held.contains(Int32(client % 10)))
        }
        let sizes = try Partition.quantitySkew(alpha: 0.5).assign(labels: labels, classes: 10, clients: 20, random: random.stream("q")).map(\.count)
        XCTAssertGreaterThanOrEqual(sizes.min()!, Partition.minimumRows)
        XCTAssertGreaterThan(sizes.max()!, 2 * sizes.min()!)
        XCTAssertThrowsError(try Partition.dirichlet(alpha: 0.5).assign(labels: Array(labels[..<150]), classes: 10, clients: 20,
                                                                        random: random.stream("e"))) {
            XCTAssertTrue("\($0)".contains("200 rows"), "\($0)")
        }
        XCTAssertThrowsError(try Partition.labelsPerClient(11).assign(labels: labels, classes: 10, clients: 20, random: random.stream("f")))
    }

    /// With a separate test set, the test rows are dealt out evenly: all clients together hold
    /// each test row once.
    func testSeparateTestSetIsDealtOnce() throws {
        let rows = try Partition.labelsPerClient(1).clientRows(trainLabels: (0..<500).map { Int32($0 % 10) }, testCount: 103, classes: 10,
                                                             clients: 10, random: RandomStreams(seed: 2).stream("fl.data"))
        XCTAssertEqual(rows.flatMap(\.test).sorted(), Array(0..<103))
        XCTAssertTrue(rows.allSatisfy { (10...11).contains($0.test.count) })
        XCTAssertEqual(rows.flatMap(\.train).count, 500)
    }
}
