#if canImport(Glibc)
import Glibc
#endif

/// FedNova (Wang et al. 2020), as NIID-Bench runs it: each client's change is divided by its
/// effective step count a_i (tau_i local steps; with local momentum rho,
/// a_i = (tau_i - rho (1 - rho^tau_i) / (1 - rho)) / (1 - rho)), averaged by example share p_i,
/// and applied with the step sum_i p_i a_i. Clients that ran more steps no longer pull the model
/// further (objective inconsistency).
public struct FedNovaServer: ServerStrategy {
    /// The clients' local momentum rho.
    public let momentum: Double

    /// Creates the server.
    public init(momentum: Double) { self.momentum = momentum }

    /// a_i for `steps` local steps.
    public func effectiveSteps(_ steps: Int) -> Double {
        let tau = Double(steps), rho = momentum
        guard rho > 0 else { return tau }
        return (tau - rho * (1 - pow(rho, tau)) / (1 - rho)) / (1 - rho)
    }

    public mutating func aggregate(_ updates: [ClientUpdate], current: [Double], average: [Double]?) -> [Double] {
        precondition(average == nil, "FedNova needs each update, not their average")
        let total = updates.reduce(0) { $0 + $1.examples }
        guard total > 0 else { return current }
        var direction = [Double](repeating: 0, count: current.count)
        var step = 0.0
        for update in updates {
            let share = Double(update.examples) / Double(total), a = effectiveSteps(max(update.steps, 1))
            step += share * a
            for i in current.indices { direction[i] += share * (current[i] - update.parameters[i]) / a }
        }
        return current.indices.map { current[$0] - step * direction[$0] }
    }
}
