import Foundation
import Metrics
import Scenario
import SimKernel

/// Benchmarks (release build): `fedchain-bench kernel | quickstart [CONFIG] [--set k=v ...] | secagg | bridge | learn | robust`.
/// Each run prints one line per figure; scripts/bench runs them in separate processes so peak
/// RSS belongs to one benchmark.
@main
struct Bench {
    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let which = arguments.isEmpty ? "kernel" : arguments.removeFirst()
        if ["-h", "--help", "help"].contains(which) || arguments.contains("--help") || arguments.contains("-h") {
            print(usage)
            return
        }
        switch which {
        case "kernel": kernel()
        case "quickstart": try quickstart(arguments)
        case "secagg": try SecAggBench.run(arguments)
        case "bridge": try BridgeBench.run(arguments)
        case "learn": try LearnBench.run(arguments)
        case "robust": try RobustBench.run(arguments)
        default:
            FileHandle.standardError.write(Data("fedchain-bench: unknown benchmark '\(which)'\n\(usage)\n".utf8))
            exit(2)
        }
    }

    static let usage = """
        usage: fedchain-bench BENCHMARK [OPTIONS]   (release build; one figure per line)
          kernel                                  event queue, hold model: 100,000 pending events, pop + push
          quickstart [CONFIG] [--set key=value]   one run (default: the quickstart), wall and CPU time per event, peak RSS
          secagg [--clients N] [--params M] [--flower FILE]   secure aggregation beside Flower's SecAgg(+) (FILE: scripts/bench_secagg_flower.py output), then SecAgg+ at n = N
          bridge [--python P] [--workers W]       the Python trainer bridge
          learn [--seconds S] [--json]            native training throughput
          robust [--clients N] [--params D] [--f F]   robust aggregation rules
        Times are wall and CPU (user + system) of this process: on a loaded machine trust the CPU figure.
        """

    /// CPU seconds (user + system) this process has used so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Hold model: 100,000 pending events; each step pops the earliest and pushes one at a
    /// random later time (the classic priority-queue benchmark).
    static func kernel(pending: Int = 100_000, steps: Int = 20_000_000) {
        var rates: [Double] = [], cpuRates: [Double] = []
        for _ in 0..<3 {
            var queue = EventQueue()
            var state: UInt64 = 0x9e37_79b9_7f4a_7c15   // delays from a plain mixer: measures the queue, not a RNG
            for i in 0..<pending {
                state = StableHash.mix64(state)
                queue.push(time: SimTime(nanoseconds: state % 1_000_000), target: UInt32(i), kind: 0, payload: 0)
            }
            let start = Date(), startCPU = cpuSeconds()
            var checksum: UInt64 = 0
            for _ in 0..<steps {
                let event = queue.pop()!
                checksum &+= event.time.nanoseconds
                state = StableHash.mix64(state)
                queue.push(time: SimTime(nanoseconds: event.time.nanoseconds &+ state % 1_000_000), target: event.target, kind: 0, payload: 0)
            }
            rates.append(Double(steps) / Date().timeIntervalSince(start))
            cpuRates.append(Double(steps) / (cpuSeconds() - startCPU))
            if checksum == 42 { print("") }   // keeps the loop from being optimised away
        }
        rates.sort()
        cpuRates.sort()
        print(String(format: "kernel hold model: %d pending, %d pop+push: %.2f M events/s of CPU time (%.1f ns each; median of 3; min %.2f, max %.2f), %.2f M events/s of wall time",
                     pending, steps, cpuRates[1] / 1e6, 1e9 / cpuRates[1], cpuRates[0] / 1e6, cpuRates[2] / 1e6, rates[1] / 1e6))
    }

    static func quickstart(_ arguments: [String]) throws {
        var overrides: [String] = []
        var path: String?
        var i = 0
        while i < arguments.count {
            if arguments[i] == "--set", i + 1 < arguments.count { overrides.append(arguments[i + 1]); i += 2 } else { path = arguments[i]; i += 1 }
        }
        let setup = try path.map { try RunSetup.load(path: $0, overrides: overrides) } ?? RunSetup.quickstart(overrides: overrides)
        let config = setup.config
        let start = Date(), startCPU = cpuSeconds()
        let outcome = try Runner.run(setup)
        let simulated = Date().timeIntervalSince(start), simulatedCPU = cpuSeconds() - startCPU
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("fedchain-bench-\(getpid()).h5").path
        try HDF5Writer.write(outcome.record, to: output)
        let total = Date().timeIntervalSince(start)
        try? FileManager.default.removeItem(atPath: output)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let events = Double(outcome.eventsProcessed)
        print(String(format: "%@: %d nodes, %d blocks: wall %.3f s (simulate %.3f s + write %.3f s), CPU %.3f s (simulate %.3f s), %d events, %.0f ns CPU per event, %.2f M events/s, peak RSS %.1f MB (%.2f kB per node)",
                     path ?? "quickstart", config.network.nodes, Int(outcome.record.summaryValue("blocks_total")?.number ?? 0),
                     total, simulated, total - simulated, cpuSeconds() - startCPU, simulatedCPU, outcome.eventsProcessed,
                     simulatedCPU / events * 1e9, events / simulated / 1e6, Double(usage.ru_maxrss) / 1024,
                     Double(usage.ru_maxrss) * 1.024 / Double(config.network.nodes)))
    }
}

/// The word after `flag` in `arguments` (`--clients 100`), if any.
func value(of flag: String, in arguments: [String]) -> String? {
    arguments.firstIndex(of: flag).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
}
