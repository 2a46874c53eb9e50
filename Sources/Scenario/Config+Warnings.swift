import Foundation
import SecureAggregation
import SimKernel

extension FedChainConfig {
    /// Settings that are valid but will likely not do what the researcher wants, as messages
    /// naming the key. The run goes ahead; the CLI prints them on stderr.
    public func warnings() -> [String] {
        var warnings: [String] = []
        if let warning = secureAggregationAbortWarning() { warnings.append(warning) }
        if let warning = representativesWarning() { warnings.append(warning) }
        if let warning = pythonComputeTimeWarning() { warnings.append(warning) }
        if federation.rounds > 0, federation.slashing.fraction > 0, consensus.kind == .pow {
            warnings.append("federation.slashing.fraction: proof of work has no stake to burn; slashed clients are only excluded "
                            + "(exclusion_rounds) and lose reputation")
        }
        if !federation.dataMarket, workload.dataMarket != DataMarketConfig() {
            warnings.append("workload.data_market: set, but federation.data_market is false, so no data market runs")
        }
        return warnings
    }

    /// Warns when a Python client's training has no cost model: without
    /// `trainer.flops_per_example`, only a client that reports `metrics["flops"]` takes
    /// simulated time to train.
    func pythonComputeTimeWarning() -> String? {
        let trainer = federation.trainer
        guard federation.rounds > 0, trainer.kind == .python, trainer.flopsPerExample == 0 else { return nil }
        return "federation.trainer.flops_per_example: 0, so local training takes no simulated time unless the client's fit reports "
            + "metrics[\"flops\"] (the example client does)"
    }

    /// Warns when clusters x representatives_per_cluster exceeds what the clusters hold: a
    /// cluster elects at most its own members, so fewer representatives mine than asked.
    func representativesWarning() -> String? {
        let hierarchical = consensus.hierarchical
        guard consensus.kind == .hierarchical, hierarchical.clusters >= 1 else { return nil }
        let smallest = network.nodes / hierarchical.clusters
        guard hierarchical.representativesPerCluster > smallest else { return nil }
        return "consensus.hierarchical.representatives_per_cluster: \(hierarchical.representativesPerCluster) per cluster asked, but "
            + "\(network.nodes) nodes in \(hierarchical.clusters) clusters leave some clusters only \(smallest) members; "
            + "those elect every member, so fewer than \(hierarchical.clusters * hierarchical.representativesPerCluster) representatives mine"
    }

    /// Draws of who drops behind the SecAgg+ estimate (the complete graph's is exact).
    static let abortEstimateDraws = 2_000

    /// Warns when 5 % or more of the rounds would abort under `federation.dropout`
    /// (`SecAggParameters.abortProbability`, among clients_per_round clients).
    func secureAggregationAbortWarning() -> String? {
        let n = federation.clientsPerRound
        guard federation.rounds > 0, federation.dropout > 0, n >= 2, let settings = federation.secureAggregation.settings else { return nil }
        // The quantizer plays no part in aborts: any weight will do.
        let parameters = settings.parameters(clients: n, maxWeight: 1)
        guard parameters.problem(clients: n) == nil else { return nil }
        // Enough draws to see 5 %, without making validation slow at 100,000 clients.
        let draws = max(100, min(Self.abortEstimateDraws, 20_000_000 / (n * parameters.degree(clients: n))))
        let stream = RandomStreams(seed: 0).stream("secagg abort estimate")
        let abort = parameters.abortProbability(clients: n, dropout: federation.dropout, trials: draws) { stream.uniform() }
        guard abort >= 0.05 else { return nil }
        let remedy = settings.kind == .secaggplus ? "raise neighbours or lower threshold" : "lower threshold"
        return String(format: "federation.secure_aggregation: with dropout %g, about %.0f %% of the rounds among %d clients "
                        + "(k = %d neighbours each, threshold t = %d) will abort: too few clients or neighbours remain to rebuild a "
                        + "secret. Each aborted round is retried with a new selection, at most 100 times in a row; %@, or lower "
                        + "federation.dropout", federation.dropout, abort * 100, n, parameters.degree(clients: n), parameters.threshold, remedy)
    }
}
