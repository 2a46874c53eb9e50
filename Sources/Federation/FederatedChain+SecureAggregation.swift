import Learning
import SecureAggregation
import SimKernel

/// Secure aggregation of a round's updates (docs/secure-aggregation.md).
///
/// When every training client has finished training (or went offline before it could), the
/// round's server (the aggregator, or the committee's leader) runs the protocol's four stages
/// with the clients that trained. Each stage is timed on the network: the server's message to
/// each client queues on the server's uplink, the client computes (cost model), and its reply
/// travels back; the stage ends with the last reply, and Unmasking adds the server's own work.
/// With a timeout, a reply later than it is a dropout, and a stage missing any reply ends at
/// the timeout (the server cannot tell a dropout from a slow client).
/// A client offline (trace) when a stage's message reaches it drops at that stage; the
/// per-round `dropout` probability strikes at MaskedInputCollection, the upload. Clients send
/// their quantized weighted model deltas, so the sum gives the FedAvg average. An abort fails
/// the round, which is retried.
///
/// With distributed DP (`learning.noiseAtClients`), each client instead sends its delta clipped
/// to L2 norm S plus its share of the Gaussian noise (`CentralDP.noiseShareSD`), unweighted; the
/// server divides the unmasked sum by the expected number of clients q N, as DP-FedAvg's
/// fixed-denominator estimator does. The shares are sized for m = max(threshold t,
/// `minParticipants`) survivors, and an aggregation with fewer than m masked inputs aborts before
/// anything is unmasked, so every sum the server learns carries noise of sd at least z S.
extension FederatedChain {
    /// Training client i is done training (or dropped before it could).
    mutating func trainingFinished(_ i: Int, _ scheduler: inout Scheduler) {
        stillTraining -= 1
        if stillTraining == 0 { runSecureAggregation(&scheduler) }
    }

    mutating func secureAggregationDone(_ scheduler: inout Scheduler) {
        if secureRounds.last?.abortReason != nil && retries < Self.maxRetries { return retryRound(&scheduler) }
        finishRound(&scheduler)
    }

    private mutating func runSecureAggregation(_ scheduler: inout Scheduler) {
        guard let plan, let settings = parameters.secureAggregation else { return }
        let participants = plan.training.indices.filter { trained[$0] }
        let n = participants.count
        let server = committee[0]
        let secure = settings.parameters(clients: n, maxWeight: maxWeight)
        let global = learning.parameters
        let m = global.count
        delivered = [Bool](repeating: false, count: plan.training.count)
        secureAggregate = nil
        var attempt = SecureRoundRecord(round: plan.round, attempt: retries, stages: [], abortReason: nil, exact: false, maxAbsError: .nan,
                                        clipped: 0, bytesPerClient: 0)
        defer {
            secureRounds.append(attempt)
            scheduler.schedule(at: attempt.stages.last?.end ?? scheduler.now, target: 0, kind: Kind.secureAggregationDone)
        }
        if let problem = secure.problem(clients: n) {
            attempt.abortReason = problem
            return
        }
        let privacy = learning.noiseAtClients ? learning.privacy : nil
        let noisedShares = max(secure.threshold, parameters.minParticipants)
        let shareSD = privacy?.noiseShareSD(survivorsAtLeast: noisedShares) ?? 0
        let seed = (0..<32).map { _ in UInt8(secureSeedStream.int(below: 256)) }
        var round = SecAggRound(parameters: secure, clients: n, vectorLength: m + 1, seed: seed)
        var plainSum = [UInt64](repeating: 0, count: m + 1)
        var weightedSum = [Double](repeating: 0, count: m)
        var time = scheduler.now
        var sum: [UInt64] = []
        for stage in SecAggStage.allCases {
            if stage == .unmasking && privacy != nil, case let inputs = delivered.filter({ $0 }).count, inputs < noisedShares {
                // Unmasking fewer noise shares would reveal a sum with less noise than accounted.
                attempt.abortReason = "\(inputs) masked inputs, fewer than the \(noisedShares) whose noise shares distributed privacy needs"
                delivered = [Bool](repeating: false, count: plan.training.count)
                return
            }
            let load = round.load(of: stage)
            var dropping = Set<Int>()
            var end = time
            let deadline = settings.timeoutS > 0 ? time + SimDuration(seconds: settings.timeoutS) : nil
            for j in 0..<n where round.takesPart(j, in: stage) {
                let client = plan.training[participants[j]]
                let node = parameters.clientNodes[client]
                let arrival = send(load.downBytes, from: server, to: node, at: time)
                let drops = stage == .maskedInputCollection && dropsAtUpload[participants[j]]
                if isOffline(client, at: arrival) || drops {
                    dropping.insert(j)
                    continue
                }
                let reply = upload(load.upBytes, from: node, to: server, at: arrival + SimDuration(seconds: settings.cost.seconds(load)))
                if let deadline, reply > deadline {
                    dropping.insert(j)
                    continue
                }
                end = max(end, reply)
            }
            if let deadline, !dropping.isEmpty { end = deadline }
            do {
                switch stage {
                case .advertiseKeys: try round.advertiseKeys(dropping: dropping)
                case .shareKeys: try round.shareKeys(dropping: dropping)
                case .maskedInputCollection:
                    try round.collectMaskedInputs(dropping: dropping) { j in
                        let i = participants[j]
                        var weight = updates[i].examples
                        var delta = zip(updates[i].parameters, global).map { $0 - $1 }
                        if let privacy, let random = learning.privacyRandom {
                            delta = privacy.noisedShare(delta, shareSD: shareSD, random: random)
                            weight = 1
                        }
                        let uniforms = (0..<m).map { _ in roundingStream.uniform() }
                        let (input, clipped) = secure.quantizer.quantize(delta, weight: weight, uniforms: uniforms)
                        for k in 0...m { plainSum[k] &+= input[k] }
                        for k in 0..<m { weightedSum[k] += Double(weight) * delta[k] }
                        attempt.clipped += clipped
                        delivered[i] = true
                        return input
                    }
                case .unmasking:
                    round.revealShares(dropping: dropping)
                    sum = try round.unmask()
                    end = end + SimDuration(seconds: settings.cost.seconds(round.stages.last!.server))
                }
            } catch {
                attempt.stages.append(SecureStage(record: round.stages.last!, start: time, end: end))
                attempt.abortReason = error.reason
                delivered = [Bool](repeating: false, count: plan.training.count)
                return
            }
            attempt.stages.append(SecureStage(record: round.stages.last!, start: time, end: end))
            time = end
        }
        let quantizer = secure.quantizer
        attempt.exact = sum == plainSum.map { $0 & quantizer.modulusMask }
        let average = quantizer.average(of: sum)
        let totalWeight = Double(plainSum[m])
        attempt.maxAbsError = (0..<m).reduce(0.0) { max($0, abs(average[$1] - weightedSum[$1] / totalWeight)) }
        attempt.bytesPerClient = attempt.stages.reduce(0) { $0 + $1.record.client.upBytes + $1.record.client.downBytes }
        // DP-FedAvg divides the noised sum by q N, not by the survivors (whose count varies).
        let scale = privacy.map { totalWeight / ($0.samplingRate * Double($0.clients)) } ?? 1
        secureAggregate = zip(global, average).map { $0 + $1 * scale }
    }
}
