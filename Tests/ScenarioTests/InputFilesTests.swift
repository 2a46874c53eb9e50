import Foundation
import Scenario
import XCTest

final class InputFilesTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedchain-inputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    let twoRegions = """
        name: two
        regions: [A, B]
        latency_ms: [[10, 100], [100, 10]]
        node_share: [0.5, 0.5]
        download_bps: [50.0e6, 20.0e6]
        upload_bps: [20.0e6, 5.0e6]

        """

    func setupError(_ config: String) throws -> ConfigError? {
        let path = try write("run.yaml", config)
        do { _ = try RunSetup.load(path: path); return nil } catch let e as ConfigError { return e }
    }

    /// A region file next to the config is found by a relative path and runs.
    func testRegionFileRuns() throws {
        _ = try write("two.yaml", twoRegions)
        let path = try write("run.yaml", "network: {nodes: 50, regions: two.yaml}\nstop: {blocks: 3}\n")
        let setup = try RunSetup.load(path: path)
        XCTAssertEqual(setup.regions.regions, ["A", "B"])
        XCTAssertEqual(setup.regions.meanLatencyMs(from: 0, to: 1), 100)
        let outcome = try Runner.run(setup)
        guard case .string(let names)? = outcome.record.table("/network/regions")?.columns.first?.data else { return XCTFail() }
        XCTAssertEqual(names, ["A", "B"])
    }

    func testRegionFileErrorsAreLocated() throws {
        _ = try write("bad.yaml", twoRegions.replacingOccurrences(of: "[[10, 100], [100, 10]]", with: "[[10, 100]]"))
        var e = try setupError("network: {regions: bad.yaml}\n")
        XCTAssertEqual(e?.origin, .file(path: dir.appendingPathComponent("bad.yaml").path, line: 3, column: 13))
        XCTAssertEqual(e?.keyPath, "latency_ms")
        XCTAssertTrue(e?.message.contains("2 x 2") ?? false, "\(String(describing: e))")

        _ = try write("typo.yaml", twoRegions.replacingOccurrences(of: "node_share", with: "node_shares"))
        e = try setupError("network: {regions: typo.yaml}\n")
        XCTAssertEqual(e?.keyPath, "node_shares")
        XCTAssertTrue(e?.message.contains("did you mean 'node_share'") ?? false, "\(String(describing: e))")

        _ = try write("slow.yaml", twoRegions.replacingOccurrences(of: "[20.0e6, 5.0e6]", with: "[20.0e6, fast]"))
        e = try setupError("network: {regions: slow.yaml}\n")
        XCTAssertEqual(e?.keyPath, "upload_bps.1")
        XCTAssertTrue(e?.message.contains("expected a number, found 'fast'") ?? false, "\(String(describing: e))")

        for (names, text) in [("[A, A]", "found 'A' twice"), ("['', B]", "found an empty one")] {
            _ = try write("dup.yaml", twoRegions.replacingOccurrences(of: "[A, B]", with: names))
            e = try setupError("network: {regions: dup.yaml}\n")
            XCTAssertEqual(e?.origin, .file(path: dir.appendingPathComponent("dup.yaml").path, line: 2, column: names == "[A, A]" ? 14 : 11))
            XCTAssertTrue(e?.message.contains(text) ?? false, "\(String(describing: e))")
        }

        e = try setupError("network: {regions: mars}\n")
        XCTAssertEqual(e?.keyPath, "network.regions")
        XCTAssertTrue(e?.message.contains("is neither a built-in table (btc-2015, btc-2019) nor a readable region file") ?? false, "\(String(describing: e))")
    }

    func testEdgesFileAndDisconnectedPolicy() throws {
        _ = try write("ring.txt", "# a ring\n0 1\n1,2\n2 3\n3 0\n")
        let ring = try RunSetup.load(path: try write("run.yaml", "network: {nodes: 4, edges_file: ring.txt}\nstop: {blocks: 2}\n"))
        XCTAssertEqual(ring.edges?.count, 4)
        let outcome = try Runner.run(ring)
        guard case .int64(let degrees)? = outcome.record.table("/nodes")?.columns.first(where: { $0.name == "degree" })?.data else { return XCTFail() }
        XCTAssertEqual(degrees, [2, 2, 2, 2])

        _ = try write("bad.txt", "0 1\n1 9\n")
        let e = try setupError("network: {nodes: 4, edges_file: bad.txt}\n")
        XCTAssertEqual(e?.origin, .file(path: dir.appendingPathComponent("bad.txt").path, line: 2, column: 1))
        XCTAssertTrue(e?.message.contains("node ids from 0 to 3") ?? false)

        _ = try write("split.txt", "0 1\n2 3\n")
        let split = try RunSetup.load(path: try write("run.yaml", "network: {nodes: 4, edges_file: split.txt, on_disconnected: error}\n"))
        XCTAssertThrowsError(try Runner.run(split)) { XCTAssertTrue("\($0)".contains("2 components"), "\($0)") }
        let repaired = try RunSetup.load(path: try write("run.yaml", "network: {nodes: 4, edges_file: split.txt}\nstop: {blocks: 2}\n"))
        XCTAssertEqual(try Runner.run(repaired).record.summaryValue("blocks_main"), .int(2))
    }

    /// A dropout trace next to the config is read (header, comments); a bad line is reported
    /// with its file and line.
    func testDropoutTrace() throws {
        _ = try write("trace.csv", "node,offline_from_s,offline_until_s\n3,0,100  # offline at first\n3,500,600\n7, 10.5, 20\n")
        let fl = "federation: {rounds: 1, clients: 8, clients_per_round: 4, dropout_trace: trace.csv}\nstop: {blocks: 3}\n"
        let setup = try RunSetup.load(path: try write("run.yaml", fl))
        XCTAssertEqual(setup.offlineSpans.keys.sorted(), [3, 7])
        XCTAssertEqual(setup.offlineSpans[3]?.map(\.until.seconds), [100, 600])
        XCTAssertEqual(setup.offlineSpans[7]?.first?.from.seconds, 10.5)

        _ = try write("trace.csv", "3,0,100\n9,0,5\n")
        let e = try setupError(fl)
        XCTAssertEqual(e?.origin, .file(path: dir.appendingPathComponent("trace.csv").path, line: 2, column: 1))
        XCTAssertEqual(e?.keyPath, "federation.dropout_trace")
        XCTAssertTrue(e?.message.contains("client node from 1 to 8") ?? false, "\(String(describing: e))")
        _ = try write("trace.csv", "3,100,50\n")
        XCTAssertTrue(try setupError(fl)?.message.contains("0 <= from < until") ?? false)
        XCTAssertTrue(try setupError(fl.replacingOccurrences(of: "trace.csv", with: "missing.csv"))?.message.hasSuffix("missing.csv: no such file") ?? false)
    }

    /// Every line-oriented input reads the same with LF and CRLF endings (and a byte-order
    /// mark): a CRLF file is not one long line, a comment does not swallow the file, a header is
    /// recognised by its names and a misspelt header is an error at its line.
    func testCRLFFilesReadLikeLFFiles() throws {
        let ring = "# a ring\n0 1\n1,2\n2 3\n3 0\n"
        for (name, text) in [("lf.txt", ring), ("crlf.txt", ring.replacingOccurrences(of: "\n", with: "\r\n")),
                             ("bom.txt", "\u{FEFF}" + ring.replacingOccurrences(of: "\n", with: "\r\n")),
                             ("header.txt", "a,b\r\n" + ring.replacingOccurrences(of: "\n", with: "\r\n"))] {
            _ = try write(name, text)
            let setup = try RunSetup.load(path: try write("run.yaml", "network: {nodes: 4, edges_file: \(name)}\nstop: {blocks: 2}\n"))
            XCTAssertEqual(setup.edges?.map { [$0.0, $0.1] }, [[0, 1], [1, 2], [2, 3], [3, 0]], name)
        }
        _ = try write("crlf-bad.txt", "# a ring\r\n0 1\r\n1 x\r\n")
        let e = try setupError("network: {nodes: 4, edges_file: crlf-bad.txt}\n")
        XCTAssertEqual(e?.origin, .file(path: dir.appendingPathComponent("crlf-bad.txt").path, line: 3, column: 1))
        XCTAssertTrue(e?.message.hasSuffix("found '1 x'") ?? false, "\(String(describing: e))")

        let fl = "federation: {rounds: 1, clients: 8, clients_per_round: 4, dropout_trace: trace.csv}\nstop: {blocks: 3}\n"
        _ = try write("trace.csv", "node,offline_from_s,offline_until_s\r\n3,0,100\r\n7,10.5,20\r\n")
        let setup = try RunSetup.load(path: try write("run.yaml", fl))
        XCTAssertEqual(setup.offlineSpans.keys.sorted(), [3, 7])
        XCTAssertEqual(setup.offlineSpans[3]?.map(\.until.seconds), [100])
        _ = try write("trace.csv", "node,offline_from,offline_until_s\r\n3,0,100\r\n")
        let misspelt = try setupError(fl)
        XCTAssertEqual(misspelt?.origin, .file(path: dir.appendingPathComponent("trace.csv").path, line: 1, column: 1))
    }
}
