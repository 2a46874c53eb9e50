import Foundation
import Learning
import XCTest

/// Fashion-MNIST from Debian's `dataset-fashion-mnist` (scripts/setup installs it).
final class FashionMNISTTests: XCTestCase {
    /// 60,000 training and 10,000 test images of 28 x 28, 6,000 and 1,000 per class, pixels in
    /// [0, 1] (the first training image is an ankle boot, class 9).
    func testReadsDebiansFiles() throws {
        let directory = FashionMNIST.debianDirectory
        XCTAssertTrue(FileManager.default.fileExists(atPath: FashionMNIST.path(.train, "labels-idx1-ubyte", in: directory)),
                      "Debian's dataset-fashion-mnist is needed (scripts/setup installs it)")
        let labels = try FashionMNIST.labels(.train, directory: directory)
        XCTAssertEqual(labels.count, 60_000)
        XCTAssertEqual((0..<10).map { c in labels.filter { $0 == Int32(c) }.count }, [Int](repeating: 6_000, count: 10))
        XCTAssertEqual(labels[0], 9)
        let test = try FashionMNIST.load(.test, directory: directory)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual(test.dimension, 784)
        XCTAssertEqual((0..<10).map { c in test.labels.filter { $0 == Int32(c) }.count }, [Int](repeating: 1_000, count: 10))
        XCTAssertEqual(test.features.min(), 0)
        XCTAssertEqual(test.features.max(), 1)
    }

    /// A truncated file and a file of the wrong kind are errors naming the file.
    func testBrokenFilesAreErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedchain-idx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Labels header for 5 labels, but only 3 follow.
        try Data([0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3]).write(to: directory.appendingPathComponent("train-labels-idx1-ubyte"))
        XCTAssertThrowsError(try FashionMNIST.labels(.train, directory: directory.path)) {
            XCTAssertTrue("\($0)".contains("train-labels-idx1-ubyte ends early (read 0 of 5 bytes)") || "\($0)".contains("ends early"), "\($0)")
        }
        try Data([0, 0, 8, 3, 0, 0, 0, 1]).write(to: directory.appendingPathComponent("t10k-labels-idx1-ubyte"))
        XCTAssertThrowsError(try FashionMNIST.labels(.test, directory: directory.path)) {
            XCTAssertTrue("\($0)".contains("is not an IDX file of unsigned bytes with 1 dimension(s)"), "\($0)")
        }
        XCTAssertThrowsError(try FashionMNIST.labels(.train, directory: "/nonexistent")) {
            XCTAssertTrue("\($0)".contains("cannot open /nonexistent/train-labels-idx1-ubyte.gz"), "\($0)")
        }
    }
}
