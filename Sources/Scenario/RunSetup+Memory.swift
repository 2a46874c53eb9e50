import Learning
import Metrics

extension RunSetup {
    /// Bytes per node of the network, relay and chain state, measured at 100,000 nodes (89 MB
    /// peak, of which 40 MB is the process itself) and rounded up.
    static let bytesPerNode = 600
    /// Bytes per (node, outbound peer) pair: both ends keep the link.
    static let bytesPerLink = 32

    /// The largest allocations of this run, estimated before anything is built: the network's
    /// per-node and per-link state, one bit per (block, node) for relay, and the model's
    /// parameters held by the server and each round's clients. Each part comes with the key that
    /// drives it, so a refusal can name it.
    func estimatedPeakBytes() -> [(keyPath: String, bytes: Double)] {
        let network = config.network, fl = config.federation
        let nodes = Double(network.nodes)
        var parts: [(String, Double)] = [("network.nodes", nodes * Double(Self.bytesPerNode)
                                             + nodes * Double(min(network.outboundPeers, network.nodes)) * Double(Self.bytesPerLink))]
        if config.stop.blocks > 0 { parts.append(("stop.blocks", Double(config.stop.blocks) * nodes / 8)) }
        if fl.rounds > 0 && fl.trainer.kind == .native {
            let inputs = federatedData?.dimension ?? fashionMNIST?.train?.dimension ?? SyntheticData.dimension
            let classes = federatedData?.classes ?? fashionMNIST?.train?.classes ?? SyntheticData.classes
            if let train = fashionMNIST?.train, let test = fashionMNIST?.test {
                // The images, and each client's copy of its rows.
                parts.append(("federation.dataset.kind", Double(train.features.count + test.features.count) * 8 * 2))
            }
            // A model that does not fit its data is refused later, with its own message.
            let parameters = (try? fl.model.model(inputs: inputs, classes: classes, dataset: fl.dataset.kind))?.parameterCount ?? 0
            let key = fl.model.kind == .mlp || fl.model.kind == .logistic ? "federation.model.hidden" : "federation.model.kind"
            parts.append((key, Double(parameters) * 8 * Double(fl.clientsPerRound + 4)))
        }
        return parts
    }

    /// Refuses a run whose estimated allocations exceed this machine's memory (or `ulimit -v`),
    /// naming the key that drives the largest part, instead of an abort part-way through.
    func checkMemory(source: String, budgetBytes: Int = SystemMemory.budgetBytes) throws {
        let parts = estimatedPeakBytes()
        let total = parts.reduce(0) { $0 + $1.bytes }
        guard total > Double(budgetBytes), let largest = parts.max(by: { $0.bytes < $1.bytes }) else { return }
        let gib = { (bytes: Double) in String(format: "%.1f GiB", bytes / Double(1 << 30)) }
        throw ConfigError(origin: .unlocated(path: source), keyPath: largest.keyPath,
                          message: "this run needs about \(gib(total)) (\(gib(largest.bytes)) for \(largest.keyPath)), "
                              + "more than the \(gib(Double(budgetBytes))) this machine (or ulimit -v) allows")
    }
}
