import NetworkModel

/// A value outside its allowed range, by dotted key path.
public struct ValidationIssue: Equatable, Sendable {
    public var path: String
    public var message: String
}

extension FedChainConfig {
    /// Largest node count a run accepts (memory grows linearly with it).
    public static let maxNodes = 10_000_000

    /// Every value that parses but lies outside its range, in schema order. Empty when valid.
    public func validationIssues() -> [ValidationIssue] {
        var issues = Validator()
        issues.check(stop.blocks >= 0, "stop.blocks", "expected an integer >= 0, found \(stop.blocks)")
        issues.check(stop.timeS.isFinite && stop.timeS >= 0, "stop.time_s", "expected a number >= 0, found \(stop.timeS)")
        issues.check(stop.blocks > 0 || stop.timeS > 0 || stop.events > 0, "stop",
                     "expected at least one of blocks, time_s, events to be > 0, found none")
        issues.check((2...Self.maxNodes).contains(network.nodes), "network.nodes",
                     "expected an integer from 2 to \(Self.maxNodes), found \(network.nodes)")
        let tables = RegionTable.builtIn.keys.sorted()
        issues.check(tables.contains(network.regions), "network.regions",
                     "expected one of \(tables.joined(separator: ", ")), found '\(network.regions)'")
        issues.check(network.outboundPeers >= 1, "network.outbound_peers", "expected an integer >= 1, found \(network.outboundPeers)")
        issues.check(network.latency.fixedMs.isFinite && network.latency.fixedMs >= 0, "network.latency.fixed_ms",
                     "expected a number >= 0, found \(network.latency.fixedMs)")
        issues.check(consensus.blockIntervalS.isFinite && consensus.blockIntervalS > 0 && consensus.blockIntervalS <= 1e9,
                     "consensus.block_interval_s", "expected a number > 0 and <= 1e9, found \(consensus.blockIntervalS)")
        issues.check((1...Int(Int32.max)).contains(consensus.blockSizeBytes), "consensus.block_size_bytes",
                     "expected an integer from 1 to \(Int32.max), found \(consensus.blockSizeBytes)")
        issues.check((1...Int(Int32.max)).contains(consensus.txSizeBytes), "consensus.tx_size_bytes",
                     "expected an integer from 1 to \(Int32.max), found \(consensus.txSizeBytes)")
        consensus.pow.hashRateThS.check(at: "consensus.pow.hash_rate_th_s", into: &issues)
        return issues.found
    }
}

extension DistributionConfig {
    /// Range checks of a per-node distribution.
    func check(at path: String, into issues: inout Validator) {
        let numbers = [("mean", mean), ("sd", sd), ("min", min), ("max", max)]
        for (key, value) in numbers { issues.check(value.isFinite, "\(path).\(key)", "expected a finite number, found \(value)") }
        issues.check(min >= 0, "\(path).min", "expected a number >= 0, found \(min)")
        issues.check(max >= 0, "\(path).max", "expected a number >= 0 (0: no upper bound), found \(max)")
        switch distribution {
        case .constant, .exponential:
            issues.check(mean > 0, "\(path).mean", "expected a number > 0, found \(mean)")
        case .normal:
            issues.check(mean > 0, "\(path).mean", "expected a number > 0, found \(mean)")
            issues.check(sd >= 0, "\(path).sd", "expected a number >= 0, found \(sd)")
        case .uniform:
            issues.check(max > min, "\(path).max", "expected a number > min (\(min)) for a uniform distribution, found \(max)")
        }
        if distribution != .uniform && max > 0 {
            issues.check(max >= min, "\(path).max", "expected a number >= min (\(min)), found \(max)")
        }
    }
}

/// Collects issues in order.
struct Validator {
    private(set) var found: [ValidationIssue] = []
    mutating func check(_ condition: Bool, _ path: String, _ message: @autoclosure () -> String) {
        if !condition { found.append(ValidationIssue(path: path, message: message())) }
    }
}
