import Metrics
import Scenario
import XCTest

/// The relay counts inv bytes on the receive side in bulk (from how often each neighbour
/// announced) rather than per message, and the kernel's queue changed from a heap to a radix
/// heap. Neither may move a byte: this pins every per-node traffic column and every energy
/// figure of a 1,000-node SimBlock run to the values the per-message counting and the heap gave
/// (FNV-1a 64 over the raw little-endian values; the same digest, computed with h5py from the
/// file the earlier code wrote, is 0x144c2e2b602a442f).
final class TrafficPinTests: XCTestCase {
    func testTrafficAndEnergyOfASimBlockRunAreBitForBitUnchanged() throws {
        let path = Harness.packageRoot.appendingPathComponent("experiments/simblock-btc-2019.yaml").path
        let record = try Runner.run(RunSetup.load(path: path, overrides: ["network.nodes=1000", "stop.blocks=30"])).record
        var bytes: [UInt8] = []
        func append<T: FixedWidthInteger>(_ values: [T]) { for v in values { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } } }
        for column in record.table("/network/traffic")!.columns {
            guard case .int64(let values) = column.data else { return XCTFail("\(column.name) is not int64") }
            bytes += Array(column.name.utf8)
            append(values)
        }
        for table in ["/nodes", "/metrics/energy"] {
            guard case .double(let joules) = record.table(table)!.columns.first(where: { $0.name == "energy_j" })!.data else { return XCTFail(table) }
            append(joules.map(\.bitPattern))
        }
        append(["energy_total_j", "energy_network_j"].map { record.summaryValue($0)!.number!.bitPattern })
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        XCTAssertEqual(bytes.count, 128_540)
        XCTAssertEqual(String(hash, radix: 16), "144c2e2b602a442f")
    }
}
