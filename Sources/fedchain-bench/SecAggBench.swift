import Foundation
import SecureAggregation

/// `fedchain-bench secagg`: the protocol's own cost (no simulation), in the settings Flower 1.41
/// was measured in on this machine (n = 100 clients, m = 100,000 parameters), then SecAgg+ at
/// n = 10,000.
enum SecAggBench {
    struct Figures {
        var shareKeysPerClient = 0.0
        var maskingPerClient = 0.0
        var server = 0.0
        var total = 0.0
    }

    /// One full round with `dropout` of the clients dropping after ShareKeys (so the server
    /// rebuilds their mask keys and removes their pairwise masks).
    static func measure(_ kind: SecAggProtocol, clients n: Int, parameters m: Int, threshold: Int, neighbours: Int, dropout: Double) -> Figures {
        let quantizer = Quantizer(clip: 1, bits: 16, maxWeight: 1, clients: n)
        let settings = SecAggParameters(kind: kind, threshold: threshold, neighbours: neighbours, quantizer: quantizer)
        var round = SecAggRound(parameters: settings, clients: n, vectorLength: m + 1, seed: [UInt8](repeating: 7, count: 32))
        var input = [UInt64](repeating: 0, count: m + 1)
        for i in 0..<m { input[i] = UInt64(i * 2_654_435_761 % 65_536) }
        input[m] = 1
        let dropping = Set((0..<n).filter { Double($0 % 10) < dropout * 10 })
        var figures = Figures()
        let start = Date()
        do {
            try round.advertiseKeys()
            var t = Date()
            try round.shareKeys()
            figures.shareKeysPerClient = Date().timeIntervalSince(t) / Double(n)
            t = Date()
            try round.collectMaskedInputs(dropping: dropping) { _ in input }
            figures.maskingPerClient = Date().timeIntervalSince(t) / Double(n - dropping.count)
            round.revealShares()
            t = Date()
            let sum = try round.unmask()
            figures.server = Date().timeIntervalSince(t)
            precondition(sum[m] == UInt64(n - dropping.count), "the weights must sum to the clients that stayed")
        } catch {
            fatalError("\(error)")
        }
        figures.total = Date().timeIntervalSince(start)
        return figures
    }

    /// Flower's figures for the table: measured in this run by scripts/bench_secagg_flower.py
    /// (JSON lines, `--flower FILE`), or else the ones stored from an earlier measurement.
    struct FlowerFigures {
        var secagg = Figures(shareKeysPerClient: 1.57, maskingPerClient: 0.149, server: 96.5)
        var secaggDropped = 193.0
        var plus = Figures(shareKeysPerClient: 0.0345, maskingPerClient: 0.0184, server: 2.0)
        var source = "stored figures (Flower 1.41 on this machine, earlier); pass --flower FILE to measure"

        init() {}

        /// Reads the lines of scripts/bench_secagg_flower.py: SecAgg is the line whose ring holds
        /// every client, SecAgg+ the one with a smaller ring.
        init(jsonLines path: String) throws {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for line in text.split(separator: "\n") {
                guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let clients = object["clients"] as? Int, let shares = object["shares"] as? Int,
                      let dropout = object["dropout"] as? Double, let shareKeys = object["share_keys_per_client_s"] as? Double,
                      let masking = object["masking_per_client_s"] as? Double, let server = object["server_s"] as? Double else {
                    throw BenchError.badFlowerLine(path, String(line))
                }
                let figures = Figures(shareKeysPerClient: shareKeys, maskingPerClient: masking, server: server)
                switch (shares >= clients, dropout > 0) {
                case (true, false): secagg = figures
                case (true, true): secaggDropped = server
                case (false, _): plus = figures
                }
            }
            source = "measured in this run (\(path))"
        }
    }

    enum BenchError: Error, CustomStringConvertible {
        case badFlowerLine(String, String)
        var description: String {
            switch self {
            case .badFlowerLine(let path, let line): return "\(path): not a line of scripts/bench_secagg_flower.py: \(line)"
            }
        }
    }

    static func run(_ arguments: [String]) throws {
        var clients = 10_000, parameters = 100_000
        var flower = FlowerFigures()
        var i = 0
        while i + 1 < arguments.count {
            if arguments[i] == "--clients" { clients = Int(arguments[i + 1]) ?? clients }
            if arguments[i] == "--params" { parameters = Int(arguments[i + 1]) ?? parameters }
            if arguments[i] == "--flower" { flower = try FlowerFigures(jsonLines: arguments[i + 1]) }
            i += 2
        }
        print("Per client: a stage's wall time over all clients, divided by n (one X25519 agreement per pair).")
        print("Flower 1.41: \(flower.source).")
        print("| setting (n = 100, m = 100,000) | Flower 1.41 | FedChain | speed-up |")
        print("|---|---|---|---|")
        func row(_ label: String, _ flower: Double, _ ours: Double) {
            print(String(format: "| %@ | %.4g s | %.4g s | %.0fx |", label, flower, ours, flower / ours))
        }
        let full = measure(.secagg, clients: 100, parameters: 100_000, threshold: 51, neighbours: 0, dropout: 0)
        row("SecAgg, ShareKeys per client", flower.secagg.shareKeysPerClient, full.shareKeysPerClient)
        row("SecAgg, masking per client", flower.secagg.maskingPerClient, full.maskingPerClient)
        row("SecAgg, server unmasking, 0 % dropouts", flower.secagg.server, full.server)
        let dropped = measure(.secagg, clients: 100, parameters: 100_000, threshold: 51, neighbours: 0, dropout: 0.3)
        row("SecAgg, server unmasking, 30 % dropouts", flower.secaggDropped, dropped.server)
        let plus = measure(.secaggplus, clients: 100, parameters: 100_000, threshold: 6, neighbours: 11, dropout: 0)
        row("SecAgg+ (k = 11, t = 6), ShareKeys per client", flower.plus.shareKeysPerClient, plus.shareKeysPerClient)
        row("SecAgg+ (k = 11, t = 6), masking per client", flower.plus.maskingPerClient, plus.maskingPerClient)
        row("SecAgg+ (k = 11, t = 6), server unmasking", flower.plus.server, plus.server)
        let k = SecAggParameters.defaultNeighbours(clients: clients)
        // t = k/3 + 1: with 10 % dropouts no neighbourhood loses that many holders (k - t + 1 of k).
        let scale = measure(.secaggplus, clients: clients, parameters: parameters, threshold: k / 3 + 1, neighbours: k, dropout: 0.1)
        print(String(format: "SecAgg+ n = %d, m = %d, k = %d, t = %d, 10 %% dropouts: whole round %.1f s wall (ShareKeys %.2f ms, masking %.2f ms per client; server %.2f s)",
                     clients, parameters, k, k / 3 + 1, scale.total, scale.shareKeysPerClient * 1e3, scale.maskingPerClient * 1e3, scale.server))
    }
}
