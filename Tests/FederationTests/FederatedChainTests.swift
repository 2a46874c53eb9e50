import Consensus
import Federation
import Learning
import Ledger
import Markets
import NetworkModel
import SecureAggregation
import SimKernel
import XCTest

final class FederatedChainTests: XCTestCase {
    static func learning(seed: UInt64, strategy: FederatedStrategy = FederatedStrategy(kind: .fedavg), measuring: Bool = false,
                         perRound: Int = 4) -> InMemoryFederation {
        let streams = RandomStreams(seed: seed)
        let clients = SyntheticData.generate(.heterogeneous(alpha: 0.5, beta: 0.5), clients: 12, random: streams.stream("fl.data"))
        let model = DenseModel.logisticRegression(inputs: 60, classes: 10)
        var fed = InMemoryFederation(model: model, clients: clients, strategy: strategy,
                                  local: LocalTraining(epochs: 2, batchSize: 10, learningRate: 0.01), clientsPerRound: perRound,
                                  stragglerShare: 0.25, initial: model.initialParameters(random: streams.stream("fl.init")),
                                  selection: streams.stream("fl.selection"), stragglers: streams.stream("fl.stragglers"),
                                  batches: streams.stream("fl.batches"))
        fed.measuresContributions = measuring
        return fed
    }

    /// Rounds on a PoW chain with real latency (and forks: 4 s blocks): 20 nodes, 12 clients
    /// on nodes 1...12, one confirmation.
    static func simulate(seed: UInt64, rounds: Int, dropout: Double = 0, confirmations: Int = 1, aggregator: AggregatorChoice = .fixed,
                         minParticipants: Int = 1, blockIntervalS: Double = 4, committeeSize: Int = 1, rewardSplit: RewardSplit = .samples,
                         offline: [Int: [OfflineSpan]] = [:], secure: SecureAggregationSettings? = nil,
                         perRound: Int = 4, privacy: CentralDP? = nil) -> (FederatedChain<NakamotoPoW>, SimTime) {
        let streams = RandomStreams(seed: seed)
        let nodes = 20
        let network = Network(regionOfNode: Network.placeNodes(nodes, table: .bitcoin2019, using: streams.stream("net.placement")),
                              topology: .random(nodeCount: nodes, outbound: 4, using: streams.stream("net.topology")),
                              latency: LatencyModel(table: .bitcoin2019, distribution: .pareto),
                              links: LinkParameters(processing: SimDuration(milliseconds: 2), controlDelay: SimDuration(milliseconds: 10), serialization: true))
        let pow = NakamotoPoW(network: network, relay: .push, hashRate: [Double](repeating: 1, count: nodes),
                              pow: PoWParameters(blockInterval: SimDuration(seconds: blockIntervalS), blockSizeBytes: 50_000, txSizeBytes: 250, targetHeight: nil),
                              streams: streams)
        var parameters = FederationParameters(aggregator: 0, clientNodes: Array(1...12), rounds: rounds, confirmations: confirmations,
                                              dropout: dropout, deviceFlopsPerSecond: [Double](repeating: 1e8, count: 12))
        parameters.aggregatorChoice = aggregator
        parameters.minParticipants = minParticipants
        parameters.committeeSize = committeeSize
        parameters.rewardSplit = rewardSplit
        parameters.offline = offline
        parameters.secureAggregation = secure
        var fed = learning(seed: seed, measuring: rewardSplit == .contribution, perRound: perRound)
        if let privacy { distribute(privacy, &fed, seed: seed) }
        var model = FederatedChain(base: pow, learning: fed, parameters: parameters, streams: streams)
        var scheduler = Scheduler()
        model.start(scheduler: &scheduler)
        XCTAssertEqual(scheduler.run(&model, until: StopCondition(maxEvents: 5_000_000)), .queueEmpty)
        return (model, scheduler.now)
    }

    /// Distributed DP on `fed`: noise from the stream `fl.privacy` of `seed`, added by the clients.
    static func distribute(_ privacy: CentralDP, _ fed: inout InMemoryFederation, seed: UInt64) {
        fed.privacy = privacy
        fed.privacyRandom = RandomStreams(seed: seed).stream("fl.privacy")
        fed.noiseAtClients = true
    }

    /// Distributed DP under SecAgg: the model moves by the clients' clipped deltas, unweighted,
    /// over q N (not the FedAvg average), and the noise the shares add up to has sd
    /// z S sqrt(n / t) for n survivors and threshold t: at least z S whenever t survive.
    func testDistributedPrivacySumsClippedDeltasAndNoiseShares() throws {
        let secure = SecureAggregationSettings(kind: .secagg, threshold: 3, neighbours: 0, clip: 8, bits: 20)
        let step = 2 * secure.clip / Double((1 << secure.bits) - 1)
        func expectedDeltaSum(seed: UInt64, clip: Double) throws -> (sum: [Double], global: [Double], clients: Int) {
            var fed = Self.learning(seed: seed, perRound: 6)
            Self.distribute(CentralDP(clip: clip, noiseMultiplier: 1, samplingRate: 0.5, clients: 12), &fed, seed: seed)
            let plan = fed.planRound()
            let deltas = UpdateMatrix(deltasOf: try fed.train(plan).map(\.parameters), from: fed.parameters)
            var clipped = deltas
            clipped.clipRows(toNorm: clip)
            let sum = (0..<deltas.columns).map { j in (0..<deltas.rows).reduce(0.0) { $0 + clipped.values[$1 * deltas.columns + j] } }
            return (sum, fed.parameters, plan.training.count)
        }
        // Almost no noise, no clipping: the step is the plain sum over q N = 6.
        let quiet = CentralDP(clip: 1e6, noiseMultiplier: 1e-12, samplingRate: 0.5, clients: 12)
        let (run, _) = Self.simulate(seed: 41, rounds: 1, secure: secure, perRound: 6, privacy: quiet)
        let plain = try expectedDeltaSum(seed: 41, clip: 1e6)
        XCTAssertGreaterThanOrEqual(plain.clients, 3)
        let moved = zip(run.learning.parameters, plain.global).map { $0 - $1 }
        for j in moved.indices { XCTAssertEqual(moved[j], plain.sum[j] / 6, accuracy: Double(plain.clients) * step, "coordinate \(j)") }
        XCTAssertNotNil(run.rounds.first?.record.epsilon)

        // Tight clipping, z = 1: (moved x 6 - clipped sum) is the noise, sd z S sqrt(n / t).
        let clip = 0.05
        let (noisy, _) = Self.simulate(seed: 41, rounds: 1, secure: secure, perRound: 6,
                                       privacy: CentralDP(clip: clip, noiseMultiplier: 1, samplingRate: 0.5, clients: 12))
        let tight = try expectedDeltaSum(seed: 41, clip: clip)
        let noise = (0..<tight.sum.count).map { j in (noisy.learning.parameters[j] - tight.global[j]) * 6 - tight.sum[j] }
        let sd = (noise.reduce(0) { $0 + $1 * $1 } / Double(noise.count)).squareRoot()
        let expected = clip * (Double(tight.clients) / 3).squareRoot()
        XCTAssertEqual(sd, expected, accuracy: 0.12 * expected, "\(noise.count) coordinates, \(tight.clients) clients")
    }

    /// Shares sized for min_participants = 9 survivors: an aggregation with fewer masked inputs
    /// aborts before Unmasking, and one that completes had at least 9.
    func testDistributedPrivacyNeverUnmasksTooFewShares() throws {
        let secure = SecureAggregationSettings(kind: .secagg, threshold: 3, neighbours: 0, clip: 8, bits: 20)
        let (run, _) = Self.simulate(seed: 43, rounds: 2, minParticipants: 9, secure: secure, perRound: 6,
                                     privacy: CentralDP(clip: 1, noiseMultiplier: 1, samplingRate: 0.5, clients: 12))
        let aborted = run.secureRounds.filter { $0.abortReason?.contains("fewer than the 9 whose noise shares") ?? false }
        XCTAssertFalse(aborted.isEmpty, "with q N = 6, most samples have fewer than 9 clients")
        XCTAssertTrue(aborted.allSatisfy { $0.stages.count == 3 }, "aborted before Unmasking")
        for attempt in run.secureRounds where attempt.abortReason == nil {
            XCTAssertGreaterThanOrEqual(attempt.stages[2].record.clientsIn - attempt.stages[2].record.dropped, 9)
        }
    }

    /// The simulated rounds give the model of the plain in-memory loop, to the last bit, whatever
    /// the network and the chain do; the records form an unbroken hash chain in main-chain blocks.
    func testSimulatedFedAvgEqualsTheInMemoryLoop() throws {
        let (simulated, end) = Self.simulate(seed: 21, rounds: 4, confirmations: 2)
        var plain = Self.learning(seed: 21)
        let results = try (0..<4).map { _ in try plain.runRound() }
        XCTAssertEqual(simulated.rounds.map(\.result), results)
        XCTAssertEqual(simulated.learning.parameters, plain.parameters, "bit-identical parameters")

        let records = simulated.rounds.map(\.record)
        XCTAssertNil(ModelRecord.firstBreak(in: records, initialModelSHA256: simulated.initialModelSHA256))
        XCTAssertEqual(records.last?.modelSHA256, ModelRecord.hash(parameters: plain.parameters))
        let tree = simulated.chain.tree
        let main = tree.mainChainMask(tip: tree.bestTip())
        for round in simulated.rounds {
            XCTAssertTrue(main[Int(round.block)], "round \(round.record.round)'s record is on the main chain")
            XCTAssertGreaterThan(round.confirmed, round.start)
            XCTAssertGreaterThanOrEqual(Int(tree.height[Int(tree.bestTip())]) - Int(tree.height[Int(round.block)]) + 1, 2)
        }
        for (earlier, later) in zip(simulated.rounds, simulated.rounds.dropFirst()) { XCTAssertGreaterThanOrEqual(later.start, earlier.confirmed) }
        XCTAssertLessThan(end.seconds, 10_000, "production stops after the last round")
    }

    /// With the block producer aggregating, rounds move between nodes, and the model is still the
    /// in-memory loop's.
    func testBlockProducerAggregates() throws {
        let (simulated, _) = Self.simulate(seed: 24, rounds: 4, aggregator: .blockProducer)
        var plain = Self.learning(seed: 24)
        for _ in 0..<4 { _ = try plain.runRound() }
        XCTAssertEqual(simulated.learning.parameters, plain.parameters)
        let tree = simulated.chain.tree
        let producers = Set((1..<tree.count).map { Int(tree.producer[$0]) })
        XCTAssertTrue(simulated.rounds.dropFirst().allSatisfy { producers.contains($0.aggregator) })
        XCTAssertGreaterThan(Set(simulated.rounds.map(\.aggregator)).count, 1, "the aggregator moves")
    }

    /// A round with fewer updates than the minimum fails and is retried; recorded rounds all
    /// meet it.
    func testRoundsBelowTheMinimumAreRetried() throws {
        let (simulated, _) = Self.simulate(seed: 25, rounds: 4, dropout: 0.5, minParticipants: 3)
        XCTAssertEqual(simulated.rounds.count, 4)
        XCTAssertGreaterThan(simulated.rounds.reduce(0) { $0 + $1.retries }, 0)
        XCTAssertTrue(simulated.rounds.allSatisfy { $0.record.participants.count >= 3 })
        XCTAssertEqual(simulated.rounds.map(\.record.round), [1, 2, 3, 4])
        XCTAssertNil(ModelRecord.firstBreak(in: simulated.rounds.map(\.record), initialModelSHA256: simulated.initialModelSHA256))
    }

    /// With 0.3 s blocks over the 2019 Bitcoin latencies the chain forks constantly: a record
    /// whose block loses is submitted again, and every round's record ends on the main chain.
    func testRecordsOnLostForksAreResubmitted() throws {
        let (simulated, _) = Self.simulate(seed: 26, rounds: 12, confirmations: 3, blockIntervalS: 0.3)
        let tree = simulated.chain.tree
        let main = tree.mainChainMask(tip: tree.bestTip())
        XCTAssertLessThan(main.filter { $0 }.count, tree.count, "the chain forked")
        XCTAssertGreaterThan(simulated.rounds.reduce(0) { $0 + $1.resubmissions }, 0, "some record was resubmitted")
        for round in simulated.rounds { XCTAssertTrue(main[Int(round.block)], "round \(round.record.round)") }
    }

    /// Each round pays 1, split among its participants by sample count.
    func testRewardsFollowSampleCounts() throws {
        let (simulated, _) = Self.simulate(seed: 23, rounds: 3)
        let rewards = simulated.rewards()
        XCTAssertEqual(rewards.reduce(0, +), 3, accuracy: 1e-12)
        let first = simulated.rounds[0].record
        var expected = [Double](repeating: 0, count: rewards.count)
        for round in simulated.rounds {
            let total = Double(round.record.sampleCounts.reduce(0, +))
            for (node, samples) in zip(round.record.participants, round.record.sampleCounts) { expected[Int(node)] += Double(samples) / total }
        }
        XCTAssertEqual(rewards, expected)
        XCTAssertGreaterThan(rewards[Int(first.participants[0])], 0)
        XCTAssertEqual(rewards[0], 0, "the aggregator trains nothing")
    }

    /// Clients that drop before uploading are left out of the aggregate, and recorded.
    func testDropoutsLeaveClientsOut() throws {
        let (simulated, _) = Self.simulate(seed: 22, rounds: 5, dropout: 0.5)
        let dropped = simulated.rounds.flatMap(\.dropped)
        XCTAssertFalse(dropped.isEmpty)
        for round in simulated.rounds {
            XCTAssertTrue(Set(round.dropped).isDisjoint(with: round.result.aggregated))
            XCTAssertEqual(round.record.participants.count, round.result.aggregated.count)
        }
    }

    /// A committee of the latest distinct block producers aggregates (fewer while the chain is
    /// short): every member produced a block, the leader is the round's aggregator, and the model is still the in-memory loop's.
    func testCommitteeAggregates() throws {
        let (simulated, _) = Self.simulate(seed: 27, rounds: 4, aggregator: .committee, committeeSize: 3)
        var plain = Self.learning(seed: 27)
        for _ in 0..<4 { _ = try plain.runRound() }
        XCTAssertEqual(simulated.learning.parameters, plain.parameters)
        let tree = simulated.chain.tree
        let producers = Set((1..<tree.count).map { Int(tree.producer[$0]) })
        for round in simulated.rounds.dropFirst() {
            XCTAssertTrue((1...3).contains(round.committee.count), "round \(round.record.round): \(round.committee)")
            XCTAssertEqual(Set(round.committee).count, round.committee.count, "distinct members")
            XCTAssertTrue(round.committee.allSatisfy(producers.contains))
            XCTAssertEqual(round.aggregator, round.committee[0])
        }
        XCTAssertEqual(simulated.rounds[0].committee, [0], "no blocks yet: the fixed node alone")
        XCTAssertTrue(simulated.rounds.contains { $0.committee.count == 3 }, "a long enough chain fills the committee")
    }

    /// A dropout trace: clients offline for the whole run never enter an aggregate and are
    /// recorded as dropped whenever they trained; a client offline only after the run's last
    /// round still takes part.
    func testDropoutTraceKeepsOfflineClientsOut() throws {
        let always = OfflineSpan(from: .zero, until: .zero + SimDuration(seconds: 1e9))
        let never = OfflineSpan(from: .zero + SimDuration(seconds: 1e8), until: .zero + SimDuration(seconds: 1e9))
        let offline: [Int: [OfflineSpan]] = [0: [always], 1: [always], 2: [always], 3: [never]]
        let (simulated, _) = Self.simulate(seed: 29, rounds: 6, offline: offline)
        let offlineNodes: Set<Int32> = [1, 2, 3]
        var droppedSeen = Set<Int>()
        for round in simulated.rounds {
            XCTAssertTrue(offlineNodes.isDisjoint(with: round.record.participants), "round \(round.record.round)")
            XCTAssertEqual(round.dropped, round.result.selected.filter { $0 < 3 && !round.result.stragglers.contains($0) },
                           "every offline client that trained dropped")
            droppedSeen.formUnion(round.dropped)
            XCTAssertEqual(round.record.participants.map { Int($0) - 1 }, round.result.selected.filter { $0 >= 3 && !round.result.stragglers.contains($0) },
                           "every online client that trained took part (client 3 goes offline only after the run)")
        }
        XCTAssertFalse(droppedSeen.isEmpty, "some offline client was selected")
        XCTAssertTrue(droppedSeen.isSubset(of: [0, 1, 2]))
    }

    /// Rewards by contribution follow the recorded leave-one-out contributions, sum to the
    /// rewards paid, and the contributions are part of the record's digest.
    func testRewardsFollowContributions() throws {
        let (simulated, _) = Self.simulate(seed: 30, rounds: 3, rewardSplit: .contribution)
        let rewards = simulated.rewards()
        XCTAssertEqual(rewards.reduce(0, +), 3, accuracy: 1e-9)
        for round in simulated.rounds {
            let record = round.record
            XCTAssertEqual(record.contributions.count, record.participants.count)
            XCTAssertTrue(record.contributions.allSatisfy { $0 >= 0 })
            let shares = FederatedChain<NakamotoPoW>.rewardShares(record, perRound: 1)
            let total = record.contributions.reduce(0, +)
            if total > 0 {
                for (share, c) in zip(shares, record.contributions) { XCTAssertEqual(share, c / total, accuracy: 1e-12) }
            }
            var changed = record
            changed.contributions[0] += 1e-9
            XCTAssertNotEqual(changed.digest, record.digest)
        }
        var plain = Self.learning(seed: 30)
        for _ in 0..<3 { _ = try plain.runRound() }
        XCTAssertEqual(simulated.learning.parameters, plain.parameters, "measuring contributions leaves the model alone")
    }

    /// Secure aggregation gives the plain FedAvg model up to quantization: after one round every
    /// parameter is within one quantization step (2 clip / (2^bits - 1)) of the in-memory loop's,
    /// the unmasked sum is exact, and later rounds stay exact and within a step of their own
    /// float average.
    func testSecureAggregationMatchesPlainFedAvg() throws {
        for kind in [SecAggProtocol.secagg, .secaggplus] {
            let secure = SecureAggregationSettings(kind: kind, threshold: 2, neighbours: 2, clip: 8, bits: 16)
            let step = 2 * secure.clip / Double((1 << secure.bits) - 1)
            let (one, _) = Self.simulate(seed: 31, rounds: 1, secure: secure, perRound: 8)
            var plain = Self.learning(seed: 31, perRound: 8)
            _ = try plain.runRound()
            let gap = zip(one.learning.parameters, plain.parameters).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(gap, 0, "quantization moved the model")
            XCTAssertLessThanOrEqual(gap, step, "\(kind)")
            XCTAssertEqual(one.secureRounds.count, 1)
            XCTAssertEqual(one.secureRounds[0].clipped, 0)

            let (run, _) = Self.simulate(seed: 31, rounds: 4, secure: secure, perRound: 8)
            XCTAssertEqual(run.rounds.count, 4)
            XCTAssertTrue(run.secureRounds.allSatisfy { $0.exact && $0.maxAbsError <= step && $0.abortReason == nil })
            XCTAssertEqual(run.secureRounds.map { $0.stages.map(\.record.stage) }, Array(repeating: SecAggStage.allCases, count: 4))
            XCTAssertTrue(run.bytesSent.reduce(0, +) > 0)
        }
    }

    /// Under secure aggregation, dropouts strike at the upload (MaskedInputCollection): the
    /// dropped clients' pairwise masks are removed, the sum stays exact, and they are left out of
    /// the record. A client offline in the trace when ShareKeys reaches it drops there.
    func testSecureAggregationSurvivesDropouts() throws {
        let secure = SecureAggregationSettings(kind: .secagg, threshold: 2, clip: 8, bits: 16)
        let offline: [Int: [OfflineSpan]] = [0: [OfflineSpan(from: .zero + SimDuration(seconds: 0.5), until: .zero + SimDuration(seconds: 1e9))]]
        let (run, _) = Self.simulate(seed: 32, rounds: 5, dropout: 0.3, offline: offline, secure: secure, perRound: 10)
        XCTAssertEqual(run.rounds.count, 5)
        let completed = run.secureRounds.filter { $0.abortReason == nil }
        XCTAssertGreaterThan(completed.reduce(0) { $0 + $1.stages[2].record.dropped }, 0, "someone dropped at the upload")
        XCTAssertTrue(completed.allSatisfy(\.exact))
        for round in run.rounds {
            XCTAssertFalse(round.record.participants.contains(1), "client 0 (node 1) is offline after 0.5 s")
            XCTAssertTrue(Set(round.dropped).isDisjoint(with: round.result.aggregated))
        }
    }

    /// Timeouts. Longer than any stage and with no dropouts: the same run as without one. With
    /// dropouts: a stage missing a reply lasts exactly the timeout (plus the server's own work in
    /// Unmasking), one with every reply ends earlier, and sums stay exact. Shorter than any reply:
    /// every client is late and the round aborts at the first stage.
    func testSecureAggregationTimeouts() throws {
        let plain = SecureAggregationSettings(kind: .secagg, threshold: 2, clip: 8, bits: 16)
        var generous = plain
        generous.timeoutS = 1e6
        XCTAssertEqual(Self.simulate(seed: 34, rounds: 2, secure: generous, perRound: 8).0.secureRounds,
                       Self.simulate(seed: 34, rounds: 2, secure: plain, perRound: 8).0.secureRounds)

        var timed = plain
        timed.timeoutS = 30
        let deadline = SimDuration(seconds: 30)
        let (run, _) = Self.simulate(seed: 34, rounds: 4, dropout: 0.3, secure: timed, perRound: 8)
        XCTAssertEqual(run.rounds.count, 4)
        let stages = run.secureRounds.flatMap(\.stages)
        let missing = stages.filter { $0.record.dropped > 0 }
        XCTAssertFalse(missing.isEmpty, "someone dropped")
        for stage in missing where stage.record.stage != .unmasking {
            XCTAssertEqual(stage.end, stage.start + deadline, "\(stage.record.stage) waited for the missing replies")
        }
        for stage in missing where stage.record.stage == .unmasking { XCTAssertGreaterThanOrEqual(stage.end, stage.start + deadline) }
        for stage in stages where stage.record.dropped == 0 { XCTAssertLessThan(stage.end, stage.start + deadline) }
        XCTAssertTrue(run.secureRounds.filter { $0.abortReason == nil }.allSatisfy(\.exact))

        var hasty = plain
        hasty.timeoutS = 1e-6
        let (late, _) = Self.simulate(seed: 34, rounds: 1, secure: hasty, perRound: 8)
        let first = late.secureRounds[0]
        XCTAssertEqual(first.stages.map(\.record.stage), [.advertiseKeys])
        XCTAssertGreaterThan(first.stages[0].record.clientsIn, 2)
        XCTAssertEqual(first.stages[0].record.dropped, first.stages[0].record.clientsIn, "every client that trained was late")
        XCTAssertEqual(first.abortReason, "0 clients remain, fewer than the threshold 2")
    }

    /// A threshold the round cannot meet aborts it with the reason recorded and no aggregate,
    /// and the round is retried (with a fresh selection) until one meets it.
    func testSecureAggregationAbortsBelowTheThreshold() throws {
        let secure = SecureAggregationSettings(kind: .secagg, threshold: 5, clip: 8, bits: 16)
        let (run, _) = Self.simulate(seed: 33, rounds: 3, dropout: 0.4, secure: secure, perRound: 8)
        let aborted = run.secureRounds.filter { $0.abortReason != nil }
        XCTAssertFalse(aborted.isEmpty)
        XCTAssertTrue(aborted.allSatisfy { $0.abortReason!.contains("fewer than the threshold 5") }, "\(aborted.map(\.abortReason))")
        XCTAssertEqual(run.rounds.count, 3)
        XCTAssertEqual(run.rounds.reduce(0) { $0 + $1.retries }, aborted.count)
        XCTAssertNil(ModelRecord.firstBreak(in: run.rounds.map(\.record), initialModelSHA256: run.initialModelSHA256))
    }
}

final class DataSourcingTests: XCTestCase {
    /// The task buys cheapest first (ties by client) while the total stays within the budget.
    func testPurchasesAreCheapestFirstWithinTheBudget() {
        func sourcing(_ prices: [Double], budget: Double) -> DataSourcing {
            DataSourcing(owners: prices.map { _ in 9 }, prices: prices, sizeBytes: prices.map { _ in 1 }, policy: .open,
                         stakes: prices.map { _ in 0 }, budget: budget, approvalDelay: .zero, approvalRate: 1, revokeAt: nil,
                         revokeShare: 0, callFee: 1, callBytes: 100, confirmations: 1)
        }
        XCTAssertEqual(sourcing([3, 1, 2, 1], budget: 4).purchases(), [1, 2, 3])
        XCTAssertEqual(sourcing([3, 1, 2, 1], budget: 3.5).purchases(), [1, 3], "2 + 1 + 1 passes 3.5")
        XCTAssertEqual(sourcing([5, 1, 4], budget: 5.5).purchases(), [1, 2])
        XCTAssertEqual(sourcing([5, 1, 4], budget: .infinity).purchases(), [0, 1, 2])
        XCTAssertEqual(sourcing([5, 1, 4], budget: 0.5).purchases(), [])
    }
}
