/// Regions of a network and their measured link properties.
///
/// Latency is the mean one-way delay from a sender's region (row) to a receiver's region (column),
/// in milliseconds; `nodeShare` is the share of nodes placed in each region.
public struct RegionTable: Sendable, Equatable {
    /// Name of the table (e.g. `btc-2019`).
    public var name: String
    /// Region names, in table order.
    public var regions: [String]
    /// Mean latency in ms, row-major: `latencyMs[sender * count + receiver]`.
    public var latencyMs: [Double]
    /// Share of nodes per region; sums to 1.
    public var nodeShare: [Double]
    /// Download bandwidth per region, bit/s.
    public var downloadBps: [Double]
    /// Upload bandwidth per region, bit/s.
    public var uploadBps: [Double]

    /// Number of regions.
    public var count: Int { regions.count }

    /// Creates a table; sizes must agree (checked).
    public init(name: String, regions: [String], latencyMs: [[Double]], nodeShare: [Double],
                downloadBps: [Double], uploadBps: [Double]) {
        let n = regions.count
        precondition(latencyMs.count == n && latencyMs.allSatisfy { $0.count == n }, "latency matrix must be \(n)x\(n)")
        precondition(nodeShare.count == n && downloadBps.count == n && uploadBps.count == n, "one value per region")
        self.name = name
        self.regions = regions
        self.latencyMs = latencyMs.flatMap { $0 }
        self.nodeShare = nodeShare
        self.downloadBps = downloadBps
        self.uploadBps = uploadBps
    }

    /// Mean latency from a node in `sender` to a node in `receiver`, in ms.
    @inlinable public func meanLatencyMs(from sender: Int, to receiver: Int) -> Double {
        latencyMs[sender * regions.count + receiver]
    }

    /// A one-region table whose every link has the same mean latency (for theory checks).
    public static func uniform(latencyMs: Double, bandwidthBps: Double = 1e9) -> RegionTable {
        RegionTable(name: "uniform", regions: ["ALL"], latencyMs: [[latencyMs]], nodeShare: [1],
                    downloadBps: [bandwidthBps], uploadBps: [bandwidthBps])
    }

    /// The built-in tables by name.
    public static let builtIn: [String: RegionTable] = ["btc-2019": .bitcoin2019, "btc-2015": .bitcoin2015]

    /// Bitcoin 2019 measurements as used by SimBlock (Aoki et al., "SimBlock: A Blockchain Network
    /// Simulator", IEEE INFOCOM Workshops 2019): its 2019 latency, bandwidth and node-share tables.
    public static let bitcoin2019 = RegionTable(
        name: "btc-2019", regions: sixRegions,
        latencyMs: [
            [32, 124, 184, 198, 151, 189],
            [124, 11, 227, 237, 252, 294],
            [184, 227, 88, 325, 301, 322],
            [198, 237, 325, 85, 58, 198],
            [151, 252, 301, 58, 12, 126],
            [189, 294, 322, 198, 126, 16],
        ],
        nodeShare: [0.3316, 0.4998, 0.0090, 0.1177, 0.0224, 0.0195],
        downloadBps: [52.0e6, 40.0e6, 18.0e6, 22.8e6, 22.8e6, 29.9e6],
        uploadBps: [19.2e6, 20.7e6, 5.8e6, 15.7e6, 10.2e6, 11.3e6])

    /// Bitcoin 2015 measurements as used by SimBlock.
    public static let bitcoin2015 = RegionTable(
        name: "btc-2015", regions: sixRegions,
        latencyMs: [
            [36, 119, 255, 310, 154, 208],
            [119, 12, 221, 242, 266, 350],
            [255, 221, 137, 347, 256, 269],
            [310, 242, 347, 99, 172, 278],
            [154, 266, 256, 172, 9, 163],
            [208, 350, 269, 278, 163, 22],
        ],
        nodeShare: [0.3869, 0.5159, 0.0113, 0.0574, 0.0119, 0.0166],
        downloadBps: [25.0e6, 24.0e6, 6.5e6, 10.0e6, 17.5e6, 14.0e6],
        uploadBps: [4.7e6, 8.1e6, 1.8e6, 5.3e6, 3.4e6, 5.2e6])

    private static let sixRegions = ["NA", "EU", "SA", "AP", "JP", "AU"]
}
