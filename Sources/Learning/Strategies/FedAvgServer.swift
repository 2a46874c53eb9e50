/// FedAvg and FedProx's server: the example-weighted average of the updates (McMahan et al.
/// 2017; FedProx differs only on the clients).
public struct FedAvgServer: ServerStrategy {
    public init() {}

    public mutating func aggregate(_ updates: [ClientUpdate], current: [Double], average: [Double]?) -> [Double] {
        average ?? weightedAverage(updates) ?? current
    }
}
