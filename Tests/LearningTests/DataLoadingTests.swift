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
        for partition in [Partition.iid, .dirichlet(alpha: 0.1), .shards(perClient: 2)] {
            let clients = partition.split(data, clients: 10, random: RandomStreams(seed: 4).stream("fl.data"))
            XCTAssertEqual(clients.reduce(0) { $0 + $1.train.count + $1.test.count }, 200, "\(partition)")
            let rows = clients.flatMap { $0.train.features + $0.test.features }
            XCTAssertEqual(Set(rows.enumerated().filter { $0.offset % 4 == 0 }.map(\.element)).count, 200, "every row once: \(partition)")
        }
        let iid = Partition.iid.split(data, clients: 10, random: RandomStreams(seed: 4).stream("a"))
        XCTAssertTrue(iid.allSatisfy { $0.train.count + $0.test.count == 20 })
        XCTAssertTrue(classesPerClient(Partition.shards(perClient: 2).split(data, clients: 10, random: RandomStreams(seed: 4).stream("b")))
            .allSatisfy { $0 <= 2 })
        let skewed = classesPerClient(Partition.dirichlet(alpha: 0.1).split(data, clients: 10, random: RandomStreams(seed: 4).stream("c")))
        XCTAssertLessThan(Double(skewed.reduce(0, +)) / 10, Double(classesPerClient(iid).reduce(0, +)) / 10)
    }
}
