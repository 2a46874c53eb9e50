import ArgumentParser
import Foundation
import Learning

struct Privacy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Epsilon of the Poisson-sampled Gaussian mechanism after T steps (the RDP accountant DP-FedAvg runs use).",
        discussion: """
            Example, TensorFlow Privacy's MNIST tutorial (60 epochs of 234 steps):
              fedchain privacy --sampling-rate 0.0042667 --noise-multiplier 1.12 --steps 14040 --delta 1e-5
            Orders and conversions: docs/trust.md.
            """)

    @Option(help: "Probability q that a client (or example) is in a step's sample, 0 ... 1.")
    var samplingRate: Double

    @Option(help: "Noise standard deviation over the clipping norm, z >= 0.")
    var noiseMultiplier: Double

    @Option(help: "Number of steps T (rounds) composed.")
    var steps: Int

    @Option(help: "delta of the (epsilon, delta) guarantee, 0 < delta < 1.")
    var delta: Double

    @Option(help: "RDP to (epsilon, delta) conversion: improved (Canonne, Kamath and Steinke 2020; dp-accounting's) or classic (Mironov 2017).")
    var conversion: RDPConversion = .improved

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard (0...1).contains(samplingRate) else { throw ValidationError("--sampling-rate must lie in 0 ... 1, got \(samplingRate)") }
        guard noiseMultiplier >= 0, noiseMultiplier.isFinite else { throw ValidationError("--noise-multiplier must be >= 0, got \(noiseMultiplier)") }
        guard steps >= 0 else { throw ValidationError("--steps must be >= 0, got \(steps)") }
        guard delta > 0, delta < 1 else { throw ValidationError("--delta must lie strictly between 0 and 1, got \(delta)") }
    }

    func run() throws {
        var accountant = RDPAccountant()
        accountant.compose(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier, steps: steps)
        let (epsilon, order) = accountant.epsilon(delta: delta, conversion: conversion)
        if json {
            let fields: [String: Any] = ["epsilon": epsilon, "order": order, "conversion": conversion.rawValue, "sampling_rate": samplingRate,
                                         "noise_multiplier": noiseMultiplier, "steps": steps, "delta": delta]
            let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("epsilon \(String(format: "%.4f", epsilon)) at RDP order \(order) (\(conversion.rawValue) conversion; q \(samplingRate), z \(noiseMultiplier), \(steps) steps, delta \(delta))")
        }
    }
}

extension RDPConversion: ExpressibleByArgument {}
