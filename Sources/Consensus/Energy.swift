import SimKernel

/// What a node does, which sets its baseline power.
public enum NodeRole: UInt8, CaseIterable, Sendable {
    case fullNode, miner, validator, representative, idle

    /// Name used in output files and config (`full_node`, ...).
    public var name: String {
        switch self {
        case .fullNode: return "full_node"
        case .miner: return "miner"
        case .validator: return "validator"
        case .representative: return "representative"
        case .idle: return "idle"
        }
    }
}

/// How nodes turn work into joules. Sources and defaults: docs/energy.md.
public struct EnergyParameters: Sendable, Equatable {
    /// Mining hardware efficiency, J per TH (Antminer S19 Pro 29.5, S19 XP 21.5, S21 17.5).
    public var efficiencyJPerTH: Double
    /// Power usage effectiveness of mining facilities (cooling and losses on top of the hardware).
    public var pue: Double
    /// Baseline power of a node by role, W (indexed by `NodeRole.rawValue`).
    public var baselineW: [Double]
    /// Network energy per byte sent, J.
    public var networkJPerByte: Double

    /// Creates energy parameters; `baselineW` holds one value per role.
    public init(efficiencyJPerTH: Double, pue: Double, baselineW: [Double], networkJPerByte: Double) {
        precondition(baselineW.count == NodeRole.allCases.count, "one baseline power per role")
        self.efficiencyJPerTH = efficiencyJPerTH
        self.pue = pue
        self.baselineW = baselineW
        self.networkJPerByte = networkJPerByte
    }

    /// Nothing costs energy (for models that do not care).
    public static let none = EnergyParameters(efficiencyJPerTH: 0, pue: 1, baselineW: [0, 0, 0, 0, 0], networkJPerByte: 0)

    /// Wall-plug power of hashing at `hashRateTHs` TH/s: rate x efficiency x PUE (the CBECI method).
    @inlinable public func hashingPowerW(hashRateTHs: Double) -> Double { hashRateTHs * efficiencyJPerTH * pue }

    /// Joules to find a block of `difficultyTH` expected TH of work.
    @inlinable public func blockWorkJ(difficultyTH: Double) -> Double { difficultyTH * efficiencyJPerTH * pue }

    /// Seconds in a Julian year (365.25 days).
    public static let secondsPerYear = 365.25 * 86_400

    /// Mean power as TWh per year.
    public static func terawattHoursPerYear(meanPowerW: Double) -> Double { meanPowerW * secondsPerYear / 3.6e15 }
}

/// Per-node energy meters: hashing and baseline power are piecewise constant, so each meter keeps
/// its current power and integrates it whenever it changes. An aggregate of all nodes gives
/// energy over time in O(1). Network energy is added from byte counts.
public struct EnergyMeters: Sendable {
    /// Joules of hashing per node so far (up to each node's last change).
    public private(set) var hashingJ: [Double]
    /// Joules of baseline power per node so far.
    public private(set) var baselineJ: [Double]
    /// Current hashing power per node, W.
    public private(set) var hashingW: [Double]
    /// Current baseline power per node, W.
    public private(set) var baselineW: [Double]
    /// Current role per node.
    public private(set) var role: [NodeRole]
    private var since: [SimTime]
    private var totalW = 0.0
    private var totalJ = 0.0
    private var totalSince = SimTime.zero

    /// Meters for `nodeCount` nodes drawing nothing yet.
    public init(nodeCount: Int) {
        hashingJ = [Double](repeating: 0, count: nodeCount)
        baselineJ = hashingJ
        hashingW = hashingJ
        baselineW = hashingJ
        role = [NodeRole](repeating: .fullNode, count: nodeCount)
        since = [SimTime](repeating: .zero, count: nodeCount)
    }

    /// From `time` on, `node` has `role`, drawing `hashingW` for hashing and the role's baseline.
    public mutating func set(_ node: Int, role newRole: NodeRole, hashingW newHashing: Double, parameters: EnergyParameters, at time: SimTime) {
        let elapsed = (time - since[node]).seconds
        hashingJ[node] += hashingW[node] * elapsed
        baselineJ[node] += baselineW[node] * elapsed
        since[node] = time
        let newBaseline = parameters.baselineW[Int(newRole.rawValue)]
        advanceTotal(to: time)
        totalW += newHashing + newBaseline - hashingW[node] - baselineW[node]
        hashingW[node] = newHashing
        baselineW[node] = newBaseline
        role[node] = newRole
    }

    /// Hashing and baseline joules of every node up to `time` (no node changed since).
    public func perNodeJ(at time: SimTime) -> (hashing: [Double], baseline: [Double]) {
        (hashingJ.indices.map { hashingJ[$0] + hashingW[$0] * (time - since[$0]).seconds },
         baselineJ.indices.map { baselineJ[$0] + baselineW[$0] * (time - since[$0]).seconds })
    }

    /// Hashing plus baseline joules of all nodes together up to `time`. - Complexity: O(1).
    public func totalJ(at time: SimTime) -> Double { totalJ + totalW * (time - totalSince).seconds }

    private mutating func advanceTotal(to time: SimTime) {
        totalJ += totalW * (time - totalSince).seconds
        totalSince = time
    }
}
