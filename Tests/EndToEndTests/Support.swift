import Foundation
import Metrics
import Scenario
import XCTest

struct HarnessError: Error, CustomStringConvertible { let description: String }

/// Paths and process helpers for tests that run the `fedchain` binary and scripts.
enum Harness {
    /// The package root (three levels above this file).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `fedchain` binary built beside the test bundle.
    static var fedchain: URL {
        get throws {
            var candidates: [URL] = []
            let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            var dir = testBinary.deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(dir.appendingPathComponent("fedchain"))
                dir = dir.deletingLastPathComponent()
            }
            candidates += [Bundle.main.bundleURL.appendingPathComponent("fedchain"),
                           Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("fedchain"),
                           packageRoot.appendingPathComponent(".build/debug/fedchain")]
            // The binary is a dependency of this test target: not finding it is a failure, not a skip.
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw HarnessError(description: "fedchain binary not found near \(testBinary.path)")
            }
            return found
        }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when a signal ended the process (a crash): `status` is then the signal number.
        var signalled = false
    }

    /// Runs `executable` with `arguments` in `directory` and waits.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL = packageRoot) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), signalled: process.terminationReason == .uncaughtSignal)
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedchain-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Asserts that two runs wrote the same tables at `paths`, compared as text so that NaN (an
/// absent value, e.g. `epsilon` without privacy) counts as equal to itself.
func assertSameTables(_ a: RunRecord, _ b: RunRecord, _ paths: [String], file: StaticString = #filePath, line: UInt = #line) {
    for path in paths {
        XCTAssertNotNil(a.table(path), path, file: file, line: line)
        XCTAssertEqual(a.table(path).map { "\($0)" }, b.table(path).map { "\($0)" }, path, file: file, line: line)
    }
}

/// What `fedchain verify` says of `record` written to disk, after `column` replaced its namesake in `table`.
func verifierProblems(_ record: RunRecord, replacing column: Column? = nil, in table: String = "") throws -> [String] {
    var written = record
    if let column, let old = record.table(table) {
        written.setTable(table, Table(old.columns.map { $0.name == column.name ? column : $0 }, attributes: old.attributes))
    }
    let dir = try Harness.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("run.h5").path
    try HDF5Writer.write(written, to: path)
    return try RecordVerifier.verify(HDF5File(readingAt: path)).problems
}

/// A numeric column of `table` in `record` as doubles (int64, uint8 or float64); empty when absent.
func numbers(_ record: RunRecord, _ table: String, _ name: String) -> [Double] {
    switch record.table(table)?.columns.first(where: { $0.name == name })?.data {
    case .double(let values)?: return values
    case .int64(let values)?: return values.map(Double.init)
    case .uint8(let values)?: return values.map(Double.init)
    default: return []
    }
}

/// Summary value `key` of `record` as a number (integers too); NaN when missing.
func summary(_ record: RunRecord, _ key: String) -> Double {
    switch record.summaryValue(key) {
    case .double(let value)?: return value
    case .int(let value)?: return Double(value)
    default: return .nan
    }
}

/// Each `(extra, key)`: the quickstart with `base` and the override `extra` is refused with an
/// error that names `key`.
func assertConfigErrors(_ cases: [(extra: String, key: String)], base: [String], file: StaticString = #filePath, line: UInt = #line) {
    for (extra, key) in cases {
        XCTAssertThrowsError(try RunSetup.quickstart(overrides: base + [extra]), extra, file: file, line: line) {
            XCTAssertTrue("\($0)".contains(key), "\(extra): \($0)", file: file, line: line)
        }
    }
}
