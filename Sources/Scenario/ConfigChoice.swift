import Consensus
import Federation
import Learning
import NetworkModel

/// A config value chosen from a fixed list of names. Decoding an unknown name fails with a
/// message that lists the allowed ones.
public protocol ConfigChoice: Codable, CaseIterable, Sendable, RawRepresentable where RawValue == String {}

extension ConfigChoice {
    /// The allowed names, comma-separated.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Self(rawValue: name) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected one of \(Self.choices), found '\(name)'")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension LatencyDistribution: ConfigChoice {}
extension RelayProtocol: ConfigChoice {}
extension UplinkHold: ConfigChoice {}
extension PoSMode: ConfigChoice {}
extension FederatedStrategy.Kind: ConfigChoice {}
extension RobustAggregation.Kind: ConfigChoice {}
extension UpdateAttack.Kind: ConfigChoice {}
extension AggregatorChoice: ConfigChoice {}
extension RewardSplit: ConfigChoice {}
