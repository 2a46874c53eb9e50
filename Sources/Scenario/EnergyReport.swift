import Consensus
import Ledger
import Metrics
import SimKernel

/// The energy summary keys and `/metrics/energy`.
struct EnergyReport {
    let chain: ChainState
    let simTime: SimTime
    /// Which blocks are on the main chain (genesis included).
    let mainChain: [Bool]
    /// Joules of work per block (from the protocol).
    let blockWorkJ: (BlockID) -> Double
    /// Bytes each node sent for the workload on the chain (empty: none).
    let workloadBytesSent: [Int]

    /// Hashing + baseline + network (relay and workload bytes sent) joules per node.
    static func perNodeJ(_ chain: ChainState, at simTime: SimTime, workloadBytesSent: [Int]) -> [Double] {
        let (hashing, baseline) = chain.energy.perNodeJ(at: simTime)
        let sent = chain.relay.traffic.bytesSentPerNode()
        return hashing.indices.map { node in
            let bytes = Double(sent[node]) + (workloadBytesSent.isEmpty ? 0 : Double(workloadBytesSent[node]))
            return hashing[node] + baseline[node] + bytes * chain.energyParameters.networkJPerByte
        }
    }

    func write(into record: inout RunRecord) {
        let parameters = chain.energyParameters
        let (hashing, baseline) = chain.energy.perNodeJ(at: simTime)
        let hashingJ = hashing.reduce(0, +), baselineJ = baseline.reduce(0, +)
        let networkJ = (Double(chain.relay.trafficBytes) + Double(workloadBytesSent.reduce(0, +))) * parameters.networkJPerByte
        let totalJ = hashingJ + baselineJ + networkJ
        let tree = chain.tree
        let staleJ = (1..<tree.count).filter { !mainChain[$0] }.reduce(0.0) { $0 + blockWorkJ(BlockID($1)) }
        let mainBlocks = mainChain.dropFirst().filter { $0 }.count
        let mainTx = (1..<tree.count).filter { mainChain[$0] }.reduce(0) { $0 + Int(tree.txCount[$1]) }
        let seconds = simTime.seconds
        let meanW = seconds > 0 ? totalJ / seconds : 0

        record.setSummary("energy_total_j", .double(totalJ))
        record.setSummary("energy_hashing_j", .double(hashingJ))
        record.setSummary("energy_baseline_j", .double(baselineJ))
        record.setSummary("energy_network_j", .double(networkJ))
        record.setSummary("energy_stale_j", .double(staleJ))
        record.setSummary("energy_per_block_j", .double(mainBlocks > 0 ? totalJ / Double(mainBlocks) : .nan))
        record.setSummary("energy_per_tx_j", .double(mainTx > 0 ? totalJ / Double(mainTx) : .nan))
        record.setSummary("power_mean_w", .double(meanW))
        record.setSummary("energy_twh_per_year", .double(EnergyParameters.terawattHoursPerYear(meanPowerW: meanW)))

        record.setTable("/metrics/energy", Table.timeSeries(times: chain.energySeries.map(\.time), [
            Column("energy_j", .double(chain.energySeries.map(\.joules))),
        ], attributes: [("note", .string("joules of all nodes since the start (hashing, baseline, network), sampled at each block"))]))
    }
}
