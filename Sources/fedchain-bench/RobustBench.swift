import Foundation
import Learning
import SimKernel

/// `fedchain-bench robust [--clients N] [--params D] [--f F]`: wall time of one aggregation by
/// each robust defence on N updates of D parameters (default 100 x 1,000,000, f = 10), one thread.
/// Krum's cost is the Gram matrix, 2 N^2 D floating-point operations in one `dgemm`; its rate is printed.
enum RobustBench {
    static func run(_ arguments: [String]) throws {
        if let reason = BLAS.unavailableReason { throw LearnBench.BenchError(reason) }
        let n = Int(value(of: "--clients", in: arguments) ?? "100") ?? 100
        let d = Int(value(of: "--params", in: arguments) ?? "1000000") ?? 1_000_000
        let f = Int(value(of: "--f", in: arguments) ?? "10") ?? 10
        let random = RandomStreams(seed: 1).stream("bench.updates")
        var updates = UpdateMatrix(rows: n, columns: d)
        for i in 0..<(n * d) { updates.values[i] = random.uniform() - 0.5 }
        let weights = [Double](repeating: 1, count: n)
        let megabytes = n * d * 8 / 1_000_000
        print("robust aggregation of \(n) updates x \(d) parameters (\(megabytes) MB), f = \(f), one thread")
        for kind in RobustAggregation.Kind.allCases where kind != .none {
            guard var defence = RobustAggregation(kind: kind, f: kind == .bulyan ? min(f, (n - 3) / 4) : f, bound: 10).makeAggregator() else { continue }
            let began = DispatchTime.now().uptimeNanoseconds
            let outcome = defence.aggregate(updates, weights: weights)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
            let accepted = outcome.accepted.filter { $0 }.count
            let name = kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
            var line = name + String(format: " %7.3f s, %d accepted", seconds, accepted)
            if kind == .krum {
                let flops: Double = 2 * Double(n) * Double(n) * Double(d)
                line += String(format: " (Gram matrix and scores: %.1f GFLOP/s)", flops / seconds / 1e9)
            }
            print(line)
        }
    }
}
