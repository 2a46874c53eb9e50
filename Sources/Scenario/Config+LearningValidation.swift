import Learning

extension FedChainConfig {
    /// The model, optimiser and strategy keys of the native learner (docs/learning.md).
    func checkLearning(_ fl: FederationConfig, into issues: inout Validator) {
        let model = fl.model
        if model.kind == .layers {
            issues.check(!model.layers.isEmpty, "federation.model.layers", "expected a list of layers with model.kind layers, found none")
            for (i, text) in model.layers.enumerated() {
                do { _ = try Layer(parsing: text) } catch { issues.check(false, "federation.model.layers.\(i)", error.message) }
            }
        } else {
            issues.check(model.layers.isEmpty, "federation.model.layers",
                         "expected no layers with model.kind \(model.kind.rawValue) (set kind: layers to use your own), found \(model.layers.count)")
        }
        issues.check(model.inputShape.isEmpty || (model.inputShape.count == 3 && model.inputShape.allSatisfy { (1...100_000).contains($0) }),
                     "federation.model.input_shape", "expected [height, width, channels] of positive integers, or nothing, found \(model.inputShape)")
        issues.check(fl.local.momentum.isFinite && (0..<1).contains(fl.local.momentum), "federation.local.momentum",
                     "expected a number from 0 to below 1, found \(fl.local.momentum)")
        issues.bounded(fl.local.weightDecay, "federation.local.weight_decay", 0...1e6)
        let strategy = fl.strategy
        issues.bounded(strategy.serverLearningRate, "federation.strategy.server_learning_rate", 0...1e6)
        issues.check(strategy.serverMomentum.isFinite && (0..<1).contains(strategy.serverMomentum), "federation.strategy.server_momentum",
                     "expected a number from 0 to below 1, found \(strategy.serverMomentum)")
        issues.check(strategy.serverBeta2.isFinite && (0..<1).contains(strategy.serverBeta2), "federation.strategy.server_beta2",
                     "expected a number from 0 to below 1, found \(strategy.serverBeta2)")
        issues.check(strategy.serverTau.isFinite && strategy.serverTau > 0 && strategy.serverTau <= 1e6, "federation.strategy.server_tau",
                     "expected a number > 0 and <= 1e6, found \(strategy.serverTau)")
        let rule = strategy.strategy
        issues.check(!rule.needsNativeTrainer || fl.trainer.kind == .native, "federation.strategy.kind",
                     "expected a server-side strategy with trainer.kind python (\(strategy.kind.rawValue)'s clients keep control variates that only the native trainer holds), found \(strategy.kind.rawValue)")
        issues.check(rule.needsOnlyWeightedAverage || fl.secureAggregation.protocol == .none, "federation.strategy.kind",
                     "expected a strategy that needs only the weighted average of the updates with secure aggregation (\(strategy.kind.rawValue) needs each update), found \(strategy.kind.rawValue)")
    }
}
