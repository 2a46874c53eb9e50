import Foundation
import Scenario
import SimKernel

/// One run of a sweep.
public struct SweepRun: Sendable {
    /// Position in the sweep (0-based, in expansion order).
    public let index: Int
    /// The axis values that make this run, in axis order, as YAML.
    public let axes: [(key: String, value: String)]
    public let replicate: Int
    public let seed: UInt64
    /// Stable hash of the resolved config: the run's file is `<runID>.h5`.
    public let runID: String
    /// What the run needs (the resolved config and its files).
    public let setup: RunSetup
}

/// A sweep expanded into runs: grid x zip x runs (+ random points), each point x replicates.
public struct SweepPlan {
    /// Most runs a sweep may expand to unless the caller allows more (`fedchain sweep --max-runs`).
    public static let defaultMaxRuns = 100_000

    public let spec: SweepSpec
    public let runs: [SweepRun]
    /// The axis keys, in order of first appearance.
    public var axisKeys: [String] {
        var keys: [String] = []
        for run in runs { for (key, _) in run.axes where !keys.contains(key) { keys.append(key) } }
        return keys
    }

    /// Expands `spec` and resolves every run's config; a bad value is reported at its place in
    /// the sweep file. `overrides` (`key=value`) apply to the base before the axes (a reduced
    /// size, say); `replicates`, when given, replaces the file's.
    public init(_ spec: SweepSpec, overrides: [String] = [], replicates: Int? = nil, maxRuns: Int = SweepPlan.defaultMaxRuns) throws {
        self.spec = spec
        let count = spec.runCount(replicates: replicates)
        guard count <= maxRuns else {
            let shown = count == Int.max ? "over 9.2e18" : "\(count)"
            throw ConfigError(origin: .unlocated(path: spec.path), keyPath: "",
                              message: "the sweep expands to \(shown) runs, more than the limit of \(maxRuns); "
                                  + "pass --max-runs N to allow more, or use --shard I/N to split it over machines")
        }
        var points: [[(key: String, value: AxisValue)]] = [[]]
        for axis in spec.grid {
            points = points.flatMap { point in axis.values.map { point + [(axis.key, $0)] } }
        }
        if let length = spec.zip.first?.values.count {
            points = points.flatMap { point in (0..<length).map { i in point + spec.zip.map { ($0.key, $0.values[i]) } } }
        }
        if !spec.runs.isEmpty {
            points = points.flatMap { point in spec.runs.map { point + $0 } }
        }
        if let random = spec.random {
            let stream = RandomStreams(seed: spec.seed).stream("sweep.random")
            let drawn = (0..<random.count).map { _ in
                random.axes.map { axis in (axis.key, AxisValue(yaml: Self.draw(axis.axis, stream), line: axis.line, column: axis.column)) }
            }
            let onlyRandom = spec.grid.isEmpty && spec.zip.isEmpty && spec.runs.isEmpty
            points = onlyRandom ? drawn : points + drawn
        }
        var runs: [SweepRun] = []
        let files = RunSetup.FileCache()
        for point in points {
            for replicate in 0..<(replicates ?? spec.replicates) {
                let pointSeed = point.last { $0.key == "seed" }.flatMap { UInt64($0.value.yaml) }
                let seed = pointSeed.map { $0 &+ UInt64(replicate) } ?? Self.replicateSeed(spec.seed, replicate)
                let all = overrides + point.filter { $0.key != "seed" }.map { "\($0.key)=\($0.value.yaml)" } + ["seed=\(seed)"]
                let config: FedChainConfig
                do {
                    config = try ConfigLoader.load(document: spec.baseDocument, source: spec.baseFile ?? spec.path, overrides: all)
                } catch let error as ConfigError {
                    throw Self.relocate(error, point: point, sweepPath: spec.path)
                }
                let setup = try RunSetup(config: config, baseDirectory: spec.baseDirectory, cache: files, source: spec.path)
                // The config text names input files; their digests make a changed file a new run.
                let runID = String(StableHash.fnv1a64(ConfigLoader.yaml(config.withoutExecutionSettings) + setup.inputDigestText), radix: 16).leftPadded(to: 16)
                runs.append(SweepRun(index: runs.count, axes: point.map { ($0.key, $0.value.yaml) }, replicate: replicate, seed: seed,
                                     runID: runID, setup: setup))
            }
        }
        self.runs = runs
    }

    /// Replicate r's seed: a stable mix of the sweep seed and r, kept below 2^48 so that every
    /// tool reads it exactly.
    public static func replicateSeed(_ sweepSeed: UInt64, _ replicate: Int) -> UInt64 {
        StableHash.streamSeed(runSeed: sweepSeed, name: "replicate \(replicate)") & ((1 << 48) - 1)
    }

    /// The runs of shard `index` of `count` (1-based): every count-th run.
    public func shard(_ index: Int, of count: Int) -> [SweepRun] {
        runs.filter { $0.index % count == index - 1 }
    }

    private static func draw(_ axis: RandomAxis, _ stream: RandomStream) -> String {
        switch axis {
        case let .uniform(low, high): return "\(stream.uniform(low, high))"
        case let .logUniform(low, high): return "\(exp(stream.uniform(log(low), log(high))))"
        case let .integer(low, high): return "\(low + stream.int(below: high - low + 1))"
        case let .choice(values): return values[stream.int(below: values.count)].yaml
        }
    }

    /// An error in a `--set` built from an axis, placed at that axis value in the sweep file.
    private static func relocate(_ error: ConfigError, point: [(key: String, value: AxisValue)], sweepPath: String) -> ConfigError {
        guard case .override(let argument) = error.origin,
              let entry = point.last(where: { argument.hasPrefix("\($0.key)=") }) else { return error }
        return ConfigError(origin: .file(path: sweepPath, line: entry.value.line, column: entry.value.column),
                           keyPath: error.keyPath.isEmpty ? entry.key : error.keyPath, message: error.message)
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
