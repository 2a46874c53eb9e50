import Consensus
import Federation
import Foundation
import Learning
import Ledger
import Metrics
import NetworkModel
import SimKernel
import Yams

/// A resolved config together with what its files provide, read once: everything a run needs.
public struct RunSetup: Sendable {
    /// The resolved config.
    public let config: FedChainConfig
    /// The region table (`network.regions`: built in, or read from a file).
    public let regions: RegionTable
    /// Explicit edges from `network.edges_file`, if set.
    public let edges: [(Int32, Int32)]?
    /// The federated data set from `federation.dataset.path` (dataset kind hdf5), if any.
    public let federatedData: LabelledData?
    /// Fashion-MNIST (dataset kind fashion_mnist), if used.
    public let fashionMNIST: FashionMNISTData?
    /// The Python client module, resolved (`federation.trainer.kind` python), if any.
    public let trainerModule: String?
    /// `federation.dataset.path` resolved (Fashion-MNIST: its directory, by default Debian's).
    public let datasetPath: String
    /// Offline spans per client node from `federation.dropout_trace` (empty without one).
    public let offlineSpans: [Int: [OfflineSpan]]
    /// Spans each compute market provider is away, from `workload.compute_market.availability`.
    public let providerAbsences: [Int: [OfflineSpan]]
    /// Transactions from `workload.transactions.trace`, in time order (empty without one).
    public let transactionTrace: [TracedTransaction]
    /// SHA-256 of every input file the run reads, by the config key that names it, in key
    /// order. Part of the run id and of the output file (`inputs_sha256`), so a changed data
    /// file is a different run even though the config text is the same.
    public private(set) var inputDigests: [(key: String, sha256: String)] = []

    /// `inputDigests` as text, one `key: sha256` line each (empty without input files).
    public var inputDigestText: String { inputDigests.map { "\($0.key): \($0.sha256)\n" }.joined() }

    /// Reads the files `config` names; relative paths are taken from `baseDirectory`. With a
    /// `cache`, a file read for an earlier setup is not read again, and the setups share it.
    /// `source` names the config in errors (its path).
    public init(config: FedChainConfig, baseDirectory: String = FileManager.default.currentDirectoryPath, cache: FileCache? = nil,
                source: String = "config") throws {
        let cache = cache ?? FileCache()
        self.config = config
        let network = config.network
        if let table = RegionTable.builtIn[network.regions] {
            regions = table
        } else {
            let path = Self.resolve(network.regions, in: baseDirectory)
            if let problem = FileProblem.unreadable(path) {
                throw ConfigError(origin: .unlocated(path: source), keyPath: "network.regions",
                                  message: "'\(network.regions)' is neither a built-in table (\(RegionTable.builtIn.keys.sorted().joined(separator: ", "))) "
                                      + "nor a readable region file (\(path): \(problem))")
            }
            regions = try cache.value(path, \.regions) { try RegionFile.load(path) }
        }
        // A file the config names but that cannot be read is an error at that key.
        let fl = config.federation
        let usesPython = fl.rounds > 0 && fl.trainer.kind == .python
        for (key, value) in [("network.edges_file", network.edgesFile), ("federation.dataset.path", fl.dataset.path),
                             ("federation.dropout_trace", fl.dropoutTrace), ("federation.trainer.module", usesPython ? fl.trainer.module : ""),
                             ("workload.transactions.trace", config.workload.transactions.trace),
                             ("workload.compute_market.availability", config.workload.computeMarket.isOn ? config.workload.computeMarket.availability : "")]
            where !value.isEmpty {
            guard !key.hasPrefix("federation") || config.federation.rounds > 0 else { continue }
            guard key != "federation.dataset.path" || config.federation.dataset.kind == .hdf5 else { continue }
            let path = Self.resolve(value, in: baseDirectory)
            if let problem = FileProblem.unreadable(path) {
                throw ConfigError(origin: .unlocated(path: source), keyPath: key, message: "cannot read \(path): \(problem)")
            }
        }
        if network.edgesFile.isEmpty {
            edges = nil
        } else {
            let path = Self.resolve(network.edgesFile, in: baseDirectory)
            edges = try cache.value("\(path) \(network.nodes)", \.edges) { try EdgeFile.load(path, nodes: network.nodes) }
        }
        let dataset = config.federation.dataset
        if config.federation.rounds > 0 && dataset.kind == .hdf5 {
            let path = Self.resolve(dataset.path, in: baseDirectory)
            federatedData = try cache.value(path, \.data) {
                do {
                    return try LabelledData.load(hdf5: path, budgetBytes: SystemMemory.budgetBytes / 2)
                } catch let error as DataError {
                    throw ConfigError(origin: .unlocated(path: path), keyPath: "federation.dataset.path", message: error.description)
                }
            }
            // Every client needs a training row and a test row.
            let clients = config.federation.clients
            guard federatedData!.count >= 2 * clients else {
                throw ConfigError(origin: .unlocated(path: path), keyPath: "federation.clients",
                                  message: "the data set has \(federatedData!.count) rows, fewer than 2 per client for \(clients) clients")
            }
        } else {
            federatedData = nil
        }
        trainerModule = usesPython ? Self.resolve(fl.trainer.module, in: baseDirectory) : nil
        datasetPath = dataset.path.isEmpty ? (dataset.kind == .fashionMnist ? FashionMNIST.debianDirectory : "")
                                           : Self.resolve(dataset.path, in: baseDirectory)
        if fl.rounds > 0 && dataset.kind == .fashionMnist {
            let directory = datasetPath
            let features = !usesPython
            fashionMNIST = try cache.value("\(directory) \(features)", \.fashion) {
                do {
                    return try FashionMNISTData(directory: directory, features: features)
                } catch let error as DataError {
                    let hint = dataset.path.isEmpty ? " (Debian's dataset-fashion-mnist package installs it: scripts/setup)" : ""
                    throw ConfigError(origin: .unlocated(path: source), keyPath: "federation.dataset.path", message: error.description + hint)
                }
            }
        } else {
            fashionMNIST = nil
        }
        let trace = config.federation.dropoutTrace
        if config.federation.rounds > 0 && !trace.isEmpty {
            let path = Self.resolve(trace, in: baseDirectory), clients = config.federation.clients
            offlineSpans = try cache.value("\(path) \(clients)", \.traces) { try OfflineTraceFile.dropouts(clients: clients).load(path) }
        } else {
            offlineSpans = [:]
        }
        let market = config.workload.computeMarket
        if market.isOn && !market.availability.isEmpty {
            let path = Self.resolve(market.availability, in: baseDirectory)
            providerAbsences = try cache.value("\(path) providers \(market.providers)", \.traces) {
                try OfflineTraceFile.availability(providers: market.providers).load(path)
            }
        } else {
            providerAbsences = [:]
        }
        let txTrace = config.workload.transactions.trace
        if txTrace.isEmpty {
            transactionTrace = []
        } else {
            let path = Self.resolve(txTrace, in: baseDirectory)
            let room = config.consensus.blockSizeBytes - ChainState.headerBytes
            transactionTrace = try cache.value("\(path) \(room)", \.transactions) { try TransactionTraceFile.load(path, room: room) }
        }
        try checkMemory(source: source)
        var digests: [(key: String, sha256: String)] = []
        for (key, value, used) in [("federation.dataset.path", config.federation.dataset.path, federatedData != nil),
                                   ("federation.trainer.module", fl.trainer.module, trainerModule != nil),
                                   ("federation.dropout_trace", trace, !offlineSpans.isEmpty || (config.federation.rounds > 0 && !trace.isEmpty)),
                                   ("network.edges_file", network.edgesFile, edges != nil),
                                   ("workload.transactions.trace", txTrace, !txTrace.isEmpty),
                                   ("workload.compute_market.availability", market.availability, market.isOn && !market.availability.isEmpty),
                                   ("network.regions", network.regions, RegionTable.builtIn[network.regions] == nil)] where used {
            let path = Self.resolve(value, in: baseDirectory)
            digests.append((key, try cache.value(path, \.digests) { try FileDigest.sha256(path, key: key, source: source) }))
        }
        if fashionMNIST != nil {
            let files = FashionMNISTData.files(in: datasetPath)
            let each = try files.map { path in try cache.value(path, \.digests) { try FileDigest.sha256(path, key: "federation.dataset.path", source: source) } }
            digests.insert(("federation.dataset.path", FileDigest.sha256(text: each.joined(separator: "\n"))), at: 0)
        }
        inputDigests = digests
    }

    /// Files already read, by path: setups built with one cache (a sweep's runs) read each file
    /// once and share its contents.
    public final class FileCache {
        var regions: [String: RegionTable] = [:]
        var edges: [String: [(Int32, Int32)]] = [:]
        var data: [String: LabelledData] = [:]
        var fashion: [String: FashionMNISTData] = [:]
        var traces: [String: [Int: [OfflineSpan]]] = [:]
        var transactions: [String: [TracedTransaction]] = [:]
        var digests: [String: String] = [:]

        public init() {}

        func value<T>(_ key: String, _ store: ReferenceWritableKeyPath<FileCache, [String: T]>, load: () throws -> T) throws -> T {
            if let known = self[keyPath: store][key] { return known }
            let loaded = try load()
            self[keyPath: store][key] = loaded
            return loaded
        }
    }

    /// Loads the config file at `path` with `overrides`, then the files it names (relative to
    /// the config file's folder).
    public static func load(path: String, overrides: [String] = []) throws -> RunSetup {
        let config = try ConfigLoader.load(path: path, overrides: overrides)
        do {
            return try RunSetup(config: config, baseDirectory: URL(fileURLWithPath: path).deletingLastPathComponent().path, source: path)
        } catch let error as ConfigError {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            throw ConfigLoader.relocate(error, text: text, source: path, overrides: overrides)
        }
    }

    /// The embedded quickstart with `overrides`.
    public static func quickstart(overrides: [String] = []) throws -> RunSetup {
        let config = try ConfigLoader.load(yaml: Quickstart.yaml, source: Quickstart.source, overrides: overrides)
        do {
            return try RunSetup(config: config, source: Quickstart.source)
        } catch let error as ConfigError {
            throw ConfigLoader.relocate(error, text: Quickstart.yaml, source: Quickstart.source, overrides: overrides)
        }
    }

    private static func resolve(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).standardized.path
    }
}

/// A region table in YAML:
/// ```yaml
/// name: two-regions
/// regions: [NA, EU]
/// latency_ms: [[32, 124], [124, 11]]   # row = sender, column = receiver
/// node_share: [0.4, 0.6]
/// download_bps: [52.0e6, 40.0e6]
/// upload_bps: [19.2e6, 20.7e6]
/// ```
struct RegionFile: Codable {
    var name: String
    var regions: [String]
    var latencyMs: [[Double]]
    var nodeShare: [Double]
    var downloadBps: [Double]
    var uploadBps: [Double]

    static let keys = ["name", "regions", "latency_ms", "node_share", "download_bps", "upload_bps"]

    static func load(_ path: String) throws -> RegionTable {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(origin: .unlocated(path: path), keyPath: "network.regions",
                              message: "expected \(RegionTable.builtIn.keys.sorted().joined(separator: ", ")) or a readable region file, found neither")
        }
        let document = try ConfigLoader.parse(text, source: path)
        if case .mapping(let mapping) = document, mapping.isEmpty {
            throw ConfigError(origin: .unlocated(path: path), keyPath: "", message: "the region file is empty")
        }
        let locate = ConfigLoader.Locator(source: path, document: document, overridden: [:])
        guard case .mapping(let mapping) = document else { throw locate.error(at: "", "expected a mapping with keys \(keys.joined(separator: ", "))") }
        for key in mapping.keys.compactMap(\.string) where !keys.contains(key) {
            let hint = Suggest.closest(to: key, among: keys).map { "did you mean '\($0)'? " } ?? ""
            throw locate.error(at: key, "unknown key; \(hint)(allowed: \(keys.joined(separator: ", ")))")
        }
        if let missing = keys.first(where: { mapping[Node($0)] == nil }) { throw locate.error(at: "", "missing key \(missing)") }
        let file: RegionFile
        do {
            file = try YAMLDecoder().decode(RegionFile.self, from: KeyCase.renameKeys(document, KeyCase.camel))
        } catch let error as DecodingError {
            throw locate.error(for: error)
        }
        let n = file.regions.count
        guard (1...255).contains(n) else { throw locate.error(at: "regions", "expected 1 to 255 regions, found \(n)") }
        // Names key the per-region report: each must be given once.
        if let i = file.regions.indices.first(where: { file.regions[$0].trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw locate.error(at: "regions.\(i)", "expected a region name, found an empty one")
        }
        if let i = file.regions.indices.first(where: { file.regions[..<$0].contains(file.regions[$0]) }) {
            throw locate.error(at: "regions.\(i)", "expected distinct region names, found '\(file.regions[i])' twice")
        }
        guard file.latencyMs.count == n, file.latencyMs.allSatisfy({ $0.count == n }) else {
            throw locate.error(at: "latency_ms", "expected a \(n) x \(n) matrix (one row and one column per region)")
        }
        guard file.latencyMs.joined().allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw locate.error(at: "latency_ms", "expected numbers >= 0") }
        for (key, values, positive) in [("node_share", file.nodeShare, false), ("download_bps", file.downloadBps, true), ("upload_bps", file.uploadBps, true)] {
            guard values.count == n else { throw locate.error(at: key, "expected \(n) values (one per region), found \(values.count)") }
            guard values.allSatisfy({ $0.isFinite && (positive ? $0 > 0 : $0 >= 0) }) else {
                throw locate.error(at: key, positive ? "expected numbers > 0" : "expected numbers >= 0")
            }
        }
        guard file.nodeShare.reduce(0, +) > 0 else { throw locate.error(at: "node_share", "expected at least one share > 0") }
        return RegionTable(name: file.name, regions: file.regions, latencyMs: file.latencyMs, nodeShare: file.nodeShare,
                           downloadBps: file.downloadBps, uploadBps: file.uploadBps)
    }
}

/// A list of undirected edges: two node ids per line, separated by a comma or spaces; `#` starts
/// a comment; an optional header line `a,b`.
enum EdgeFile {
    static let header = ["a", "b"]

    static func load(_ path: String, nodes: Int) throws -> [(Int32, Int32)] {
        let file = try TextLines(path: path, keyPath: "network.edges_file", what: "edges file")
        return try file.dataLines(header: header).map { line in
            let fields = line.fields
            guard fields.count == 2, let a = Int(fields[0]), let b = Int(fields[1]), (0..<nodes).contains(a), (0..<nodes).contains(b), a != b else {
                throw file.error(line, keyPath: "network.edges_file", "expected two different node ids from 0 to \(nodes - 1), found '\(line.text)'")
            }
            return (Int32(a), Int32(b))
        }
    }
}

/// An offline trace: one span per line, `<id>,offline_from_s,offline_until_s` (the id column is
/// `node` for `federation.dropout_trace`, a client node from 1 to clients, and `provider` for
/// `workload.compute_market.availability`, a provider from 0); `#` starts a comment; an optional
/// header line with exactly those names.
struct OfflineTraceFile {
    let key: String
    let idColumn: String
    let ids: ClosedRange<Int>

    static func dropouts(clients: Int) -> OfflineTraceFile { OfflineTraceFile(key: "federation.dropout_trace", idColumn: "node", ids: 1...max(clients, 1)) }
    static func availability(providers: Int) -> OfflineTraceFile {
        OfflineTraceFile(key: "workload.compute_market.availability", idColumn: "provider", ids: 0...max(providers - 1, 0))
    }

    func load(_ path: String) throws -> [Int: [OfflineSpan]] {
        let file = try TextLines(path: path, keyPath: key, what: idColumn == "node" ? "dropout trace" : "availability trace")
        var spans: [Int: [OfflineSpan]] = [:]
        for line in file.dataLines(header: [idColumn, "offline_from_s", "offline_until_s"]) {
            let fields = line.fields
            guard fields.count == 3, let id = Int(fields[0]), ids.contains(id),
                  let from = Double(fields[1]), let until = Double(fields[2]), from.isFinite, until.isFinite, from >= 0, until > from,
                  until <= SimDuration.maxSeconds else {
                throw file.error(line, keyPath: key,
                                 "expected '\(idColumn),offline_from_s,offline_until_s' with a \(idColumn == "node" ? "client node" : "provider") from \(ids.lowerBound) to \(ids.upperBound) "
                                     + "and 0 <= from < until <= \(SimDuration.maxSeconds), found '\(line.text)'")
            }
            spans[id, default: []].append(OfflineSpan(from: .zero + SimDuration(seconds: from), until: .zero + SimDuration(seconds: until)))
        }
        return spans
    }
}

/// A transaction trace: one transaction per line, `time_s,size_bytes,fee` (seconds of simulated
/// time, in order; bytes from 1 to a block's room; the fee, its maximum under EIP-1559); `#`
/// starts a comment; an optional header line with exactly those names.
enum TransactionTraceFile {
    static let header = ["time_s", "size_bytes", "fee"]

    /// `room`: the bytes a block holds for transactions; a longer transaction is an error.
    static func load(_ path: String, room: Int) throws -> [TracedTransaction] {
        let key = "workload.transactions.trace"
        let file = try TextLines(path: path, keyPath: key, what: "transaction trace")
        var entries: [TracedTransaction] = []
        for line in file.dataLines(header: header) {
            let fields = line.fields
            guard fields.count == 3, let time = Double(fields[0]), time.isFinite, time >= 0, time <= SimDuration.maxSeconds,
                  let size = Int(fields[1]), size >= 1, size <= room, let fee = Double(fields[2]), fee.isFinite, fee >= 0 else {
                throw file.error(line, keyPath: key, "expected 'time_s,size_bytes,fee' with 0 <= time_s <= \(SimDuration.maxSeconds), "
                                     + "an integer size_bytes from 1 to what a block holds (\(room)) and a fee >= 0, found '\(line.text)'")
            }
            let entry = TracedTransaction(time: .zero + SimDuration(seconds: time), sizeBytes: size, fee: fee)
            if let last = entries.last, entry.time < last.time {
                throw file.error(line, keyPath: key, "times must not decrease: \(time) s follows \(last.time.seconds) s")
            }
            entries.append(entry)
        }
        guard !entries.isEmpty else {
            throw ConfigError(origin: .unlocated(path: path), keyPath: key, message: "the transaction trace holds no transactions")
        }
        return entries
    }
}

/// Fashion-MNIST as a run needs it: labels always, pixels only for the native trainer (a Python
/// client reads the files itself).
public struct FashionMNISTData: Sendable {
    public let trainLabels: [Int32]
    public let testLabels: [Int32]
    /// Pixels and labels, when the native trainer needs them.
    public let train: LabelledData?
    public let test: LabelledData?

    init(directory: String, features: Bool) throws {
        if features {
            let train = try FashionMNIST.load(.train, directory: directory), test = try FashionMNIST.load(.test, directory: directory)
            (self.train, self.test, trainLabels, testLabels) = (train, test, train.labels, test.labels)
        } else {
            (train, test) = (nil, nil)
            trainLabels = try FashionMNIST.labels(.train, directory: directory)
            testLabels = try FashionMNIST.labels(.test, directory: directory)
        }
    }

    /// The four files, in a fixed order (their digests make the input digest).
    static func files(in directory: String) -> [String] {
        [(FashionMNIST.Part.train, "images-idx3-ubyte"), (.train, "labels-idx1-ubyte"), (.test, "images-idx3-ubyte"), (.test, "labels-idx1-ubyte")]
            .map { FashionMNIST.path($0.0, $0.1, in: directory) }
    }
}
