import CGSL
import Foundation
import Learning
import SimKernel

/// `fedchain-bench learn [--seconds S] [--model NAME] [--json]`: native training speed, one thread, batch 64, on
/// random 28x28x1 images of 10 classes: examples per second of local SGD (momentum 0.9) for each
/// model, the GFLOP/s that is, and OpenBLAS's sgemm rate on 1024^3 for the machine's peak.
/// `scripts/bench learn` runs PyTorch on the same shapes beside it (scripts/bench_learn.py).
enum LearnBench {
    struct Figure: Codable {
        var model: String
        var parameters: Int
        var examplesPerSecond: Double
        var gflops: Double
    }

    static func run(_ arguments: [String]) throws {
        if let reason = BLAS.unavailableReason { throw BenchError(reason) }
        let seconds = Double(value(of: "--seconds", in: arguments) ?? "3") ?? 3
        let json = arguments.contains("--json")
        let streams = RandomStreams(seed: 1)
        let random = streams.stream("bench.data")
        let count = 2048
        let data = LabelledData(features: (0..<(count * 784)).map { _ in random.uniform() },
                                labels: (0..<count).map { _ in Int32(random.int(below: 10)) }, dimension: 784, classes: 10)
        let image = TensorShape(height: 28, width: 28, channels: 1)
        var models: [(String, any Model)] = []
        for preset in NetworkPreset.allCases { models.append((preset.rawValue, try NeuralNetwork(preset: preset, input: image, classes: 10))) }
        models.append(("logistic (float64)", DenseModel.logisticRegression(inputs: 784, classes: 10)))
        models.append(("mlp 200 (float64)", DenseModel.mlp(inputs: 784, hidden: 200, classes: 10)))
        var figures: [Figure] = []
        let settings = LocalTraining(epochs: 1, batchSize: 64, learningRate: 0.01, momentum: 0.9)
        let only = value(of: "--model", in: arguments)
        for (name, model) in models where only == nil || only == name {
            let start = model.initialParameters(random: streams.stream("bench.init"))
            let scratch = model.makeScratch()
            _ = model.train(from: start, on: data, epochs: 1, settings: settings, mu: 0, correction: nil, random: random, scratch: scratch)
            var epochs = 0
            let began = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            while elapsed < seconds {
                _ = model.train(from: start, on: data, epochs: 1, settings: settings, mu: 0, correction: nil, random: random, scratch: scratch)
                epochs += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
            }
            let rate = Double(epochs * count) / elapsed
            figures.append(Figure(model: name, parameters: model.parameterCount, examplesPerSecond: rate, gflops: rate * model.flopsPerExample / 1e9))
        }
        let peak = sgemmRate(seconds: seconds)
        let shapes = dgemmShapes(seconds: seconds / 3)
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            struct Report: Codable { var figures: [Figure]; var sgemmGflops: Double; var dgemmGslGflops: Double; var dgemmOpenblasGflops: Double }
            let report = Report(figures: figures, sgemmGflops: peak, dgemmGslGflops: shapes.gsl, dgemmOpenblasGflops: shapes.openBLAS)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("native training, one thread, batch 64 (OpenBLAS \(BLAS.pinnedCore) kernels; sgemm 1024^3: \(String(format: "%.1f", peak)) GFLOP/s)")
        print(String(format: "  dgemm on the float64 MLP's shapes (batch 64, 784-200-10): GSL CBLAS %.2f GFLOP/s, OpenBLAS %.2f GFLOP/s (%.1fx)",
                     shapes.gsl, shapes.openBLAS, shapes.openBLAS / shapes.gsl))
        for f in figures {
            print("  " + f.model.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + String(format: " %9d parameters  %9.0f examples/s  %6.2f GFLOP/s (%4.1f %% of sgemm)", f.parameters,
                           f.examplesPerSecond, f.gflops, 100 * f.gflops / peak))
        }
    }

    /// GFLOP/s of GSL's CBLAS and of OpenBLAS dgemm on the products of one training batch of
    /// the float64 MLP (784-200-10, batch 64): what moving the existing models to OpenBLAS gained.
    static func dgemmShapes(seconds: Double) -> (gsl: Double, openBLAS: Double) {
        // (transA, transB, m, n, k) of the forward, weight-gradient and input-gradient products.
        let products: [(Bool, Bool, Int, Int, Int)] = [(false, false, 64, 200, 784), (false, false, 64, 10, 200),
                                                       (true, false, 784, 200, 64), (true, false, 200, 10, 64), (false, true, 64, 200, 10)]
        let a = [Double](repeating: 0.5, count: 784 * 200), b = [Double](repeating: 0.25, count: 784 * 200)
        var c = [Double](repeating: 0, count: 784 * 200)
        let flops = products.reduce(0.0) { $0 + 2 * Double($1.2 * $1.3 * $1.4) }
        func rate(_ gsl: Bool) -> Double {
            var runs = 0
            let began = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            while elapsed < seconds {
                for (ta, tb, m, n, k) in products {
                    let lda = ta ? m : k, ldb = tb ? k : n
                    if gsl {
                        cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
                                    1, a, Int32(lda), b, Int32(ldb), 0, &c, Int32(n))
                    } else {
                        c.withUnsafeMutableBufferPointer { c in
                            BLAS.dgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, beta: 0, c.baseAddress!, ldc: n)
                        }
                    }
                }
                runs += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
            }
            return flops * Double(runs) / elapsed / 1e9
        }
        return (rate(true), rate(false))
    }

    /// GFLOP/s of OpenBLAS sgemm on 1024 x 1024 x 1024.
    static func sgemmRate(seconds: Double) -> Double {
        let n = 1024
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var runs = 0
        let began = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        while elapsed < seconds / 2 || runs < 2 {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        BLAS.sgemm(m: n, n: n, k: n, a.baseAddress!, lda: n, b.baseAddress!, ldb: n, beta: 0, c.baseAddress!, ldc: n)
                    }
                }
            }
            runs += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
        }
        return 2 * Double(n * n * n) * Double(runs) / elapsed / 1e9
    }

    struct BenchError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
