/// A round's plan: who was selected, who straggles, who trains and for how many epochs.
public struct RoundPlan: Sendable, Equatable {
    public var round: Int
    public var selected: [Int]
    public var stragglers: [Int]
    /// Clients that train and whose updates the strategy takes (FedAvg leaves stragglers out).
    public var training: [Int]
    /// Local epochs of each training client.
    public var epochs: [Int]
}

/// One round's outcome.
public struct RoundResult: Sendable, Equatable {
    public var round: Int
    /// Clients selected this round.
    public var selected: [Int]
    /// Selected clients that ran fewer epochs.
    public var stragglers: [Int]
    /// Clients whose updates entered the aggregate.
    public var aggregated: [Int]
    /// Training loss of the new global model over every client's training data.
    public var trainLoss: Double
    /// Test accuracy of the new global model over every client's test data.
    public var testAccuracy: Double
    /// Each aggregated client's leave-one-out contribution, in `aggregated` order; empty unless
    /// the loop measures contributions.
    public var contributions: [Double] = []
    /// Aggregated clients whose updates the robust defence used (all of `aggregated` without one).
    public var accepted: [Int] = []
    /// Privacy spent so far, epsilon at the run's delta (nil without differential privacy).
    public var epsilon: Double?
    /// Label flipping's success after the round (`ModelEvaluation.attackSuccess`); nil without it.
    public var attackSuccess: Double?
}

/// Federated training as a plain loop in memory: select clients, train locally, aggregate. The
/// simulator's federation (rounds as network and chain events) must give the same model.
public struct InMemoryFederation {
    /// Who trains: the Swift models or a researcher's own client code.
    public let trainer: any Trainer
    public let strategy: FederatedStrategy
    /// The strategy's server side and its state (moments, control variates).
    public private(set) var server: any ServerStrategy
    /// Local training (epochs E: stragglers run fewer).
    public let local: LocalTraining
    /// Local epochs E.
    public var epochs: Int { local.epochs }
    public let clientsPerRound: Int
    /// Share of selected clients that are stragglers (run a random number of epochs in [1, E]).
    public let stragglerShare: Double
    /// The global model.
    public private(set) var parameters: [Double]
    /// Rounds run so far.
    public private(set) var round = 0
    /// Whether each round measures the leave-one-out contribution of every aggregated update
    /// (one extra aggregation and test evaluation per update).
    public var measuresContributions = false
    /// The poisoning malicious clients mount (`federation.attack`); none by default.
    public var attack = UpdateAttack()
    /// Whether each client is malicious (empty: nobody).
    public var malicious: [Bool] = []
    /// The attack's named stream (Gaussian noise).
    public var attackRandom: (any RandomSource)? = nil
    /// The server's Byzantine-robust rule (`federation.strategy.robust`); nil: the strategy's
    /// example-weighted average.
    public var robust: (any RobustAggregator)? = nil
    /// DP-FedAvg's clipping, noise and client sampling (`federation.privacy`); nil: none. With it,
    /// clients are sampled independently with probability q instead of clients_per_round at a time.
    public var privacy: CentralDP? = nil
    /// The privacy noise's named stream.
    public var privacyRandom: (any RandomSource)? = nil
    /// delta of the epsilon each round reports.
    public var privacyDelta = 1e-5
    /// Distributed DP: the clients add the noise in shares under secure aggregation, and the
    /// `aggregate` given to `finishRound` is the noised model (nil: the model stays).
    public var noiseAtClients = false
    /// The privacy spent by the rounds so far.
    public private(set) var accountant = RDPAccountant()
    /// The last round each client sits out (0: never excluded); see `exclude(_:through:)`.
    public private(set) var excludedThrough: [Int] = []
    /// Clients that may be selected at all (e.g. those holding a data market's grant); empty:
    /// every client.
    public var permitted: [Bool] = []

    private let selection: any RandomSource
    private let stragglerDraws: any RandomSource
    private let clientSeeds: (any RandomSource)?

    /// Creates the loop around any trainer; `selection`, `stragglers` and `clientSeeds` are
    /// named streams (`clientSeeds` gives each fit task its seed, in plan order; without it
    /// every seed is 0, which the native trainer ignores). `local` is how clients train (its
    /// epochs, and for SCAFFOLD and FedNova its learning rate and momentum).
    public init(trainer: any Trainer, strategy: FederatedStrategy, local: LocalTraining, clientsPerRound: Int, stragglerShare: Double,
                initial: [Double], selection: any RandomSource, stragglers: any RandomSource, clientSeeds: (any RandomSource)? = nil) {
        precondition(clientsPerRound >= 1 && clientsPerRound <= trainer.clientCount, "1 ... clients per round")
        precondition(local.epochs >= 1, "at least one local epoch")
        self.trainer = trainer
        self.strategy = strategy
        self.server = strategy.makeServer(parameterCount: initial.count, clients: trainer.clientCount, local: local)
        self.local = local
        self.clientsPerRound = clientsPerRound
        self.stragglerShare = stragglerShare
        self.parameters = initial
        self.selection = selection
        self.stragglerDraws = stragglers
        self.clientSeeds = clientSeeds
    }

    /// Creates the loop with the Swift `model` on `clients`; `selection`, `stragglers` and
    /// `batches` are three named streams.
    public init(model: any Model, clients: [ClientData], strategy: FederatedStrategy, local: LocalTraining, clientsPerRound: Int,
                stragglerShare: Double, initial: [Double], selection: any RandomSource, stragglers: any RandomSource,
                batches: any RandomSource) {
        self.init(trainer: NativeTrainer(model: model, clients: clients, local: local, batches: batches), strategy: strategy,
                  local: local, clientsPerRound: clientsPerRound, stragglerShare: stragglerShare, initial: initial,
                  selection: selection, stragglers: stragglers)
    }

    /// Number of clients.
    public var clientCount: Int { trainer.clientCount }

    /// Bytes one transfer of a model takes: the trainer's model, plus the strategy's extra
    /// vectors (SCAFFOLD's control variates).
    public var transferBytes: Int { trainer.modelBytes * (1 + strategy.extraVectorsPerTransfer) }

    /// Runs one round and returns what happened: `planRound`, `train`, `finishRound`.
    public mutating func runRound() throws -> RoundResult {
        let plan = planRound()
        return try finishRound(plan, updates: train(plan))
    }

    /// Starts the next round: selects clients (uniformly, without replacement, among those not
    /// excluded) and stragglers with their epochs.
    public mutating func planRound() -> RoundPlan {
        round += 1
        let selected: [Int]
        if let privacy {   // Poisson sampling, the accountant's assumption
            selected = (0..<trainer.clientCount).filter { selection.uniform() < privacy.samplingRate && isEligible($0) }
        } else {
            var order = Array(0..<trainer.clientCount)
            selection.shuffle(&order)
            selected = Array(order.lazy.filter(isEligible).prefix(clientsPerRound)).sorted()
        }
        let stragglerCount = Int((Double(selected.count) * stragglerShare).rounded())
        var shuffled = selected
        stragglerDraws.shuffle(&shuffled)
        let stragglers = Set(shuffled.prefix(stragglerCount))
        var epochs: [Int] = []
        var training: [Int] = []
        for client in selected {
            let straggles = stragglers.contains(client)
            let e = straggles ? 1 + stragglerDraws.int(below: self.epochs) : self.epochs
            if straggles && !strategy.keepsStragglers { continue }
            training.append(client)
            epochs.append(e)
        }
        return RoundPlan(round: round, selected: selected, stragglers: stragglers.sorted(), training: training, epochs: epochs)
    }

    /// Keeps `client` out of every selection up to round `last` (slashing's exclusion).
    public mutating func exclude(_ client: Int, through last: Int) {
        if excludedThrough.isEmpty { excludedThrough = [Int](repeating: 0, count: clientCount) }
        excludedThrough[client] = max(excludedThrough[client], last)
    }

    /// Whether `client` may be selected in the round being planned.
    private func isEligible(_ client: Int) -> Bool {
        (excludedThrough.isEmpty || excludedThrough[client] < round) && (permitted.isEmpty || permitted[client])
    }

    /// Gives up the round just planned (too few updates arrived): the model stays and the next
    /// `planRound` plans the same round number again, with fresh draws.
    public mutating func abandonRound() { round -= 1 }

    /// Trains every client of `plan` from the current global model; outcomes in plan order.
    public func train(_ plan: RoundPlan) throws -> [FitOutcome] {
        let tasks = zip(plan.training, plan.epochs).map { client, epochs in
            FitTask(client: client, round: plan.round, epochs: epochs, seed: clientSeeds.map { UInt64($0.int(below: 1 << 31)) } ?? 0,
                    correction: server.correction(for: client))
        }
        var outcomes = try trainer.fit(tasks, from: parameters, mu: strategy.proximalMu)
        if attack.kind != .none, !attack.poisonsData, let attackRandom, !malicious.isEmpty {
            var models = outcomes.map(\.parameters)
            attack.rewrite(&models, malicious: plan.training.map { malicious[$0] }, global: parameters, random: attackRandom)
            for i in outcomes.indices { outcomes[i].parameters = models[i] }
        }
        return outcomes
    }

    /// Aggregates the updates that arrived (`delivered[i]` says whether `plan.training[i]`'s
    /// did; all by default), moves the global model and evaluates it. `aggregate`, when given,
    /// is the new model as computed elsewhere (by secure aggregation, or a committee's vote) and
    /// replaces the strategy's; `accepted` then names the clients it used (default: all).
    public mutating func finishRound(_ plan: RoundPlan, updates: [FitOutcome], delivered: [Bool]? = nil,
                                     aggregate: [Double]? = nil, accepted: [Int]? = nil) throws -> RoundResult {
        let arrived = Self.arrivals(plan, updates: updates, delivered: delivered)
        let aggregated = arrived.map(\.client)
        let previous = parameters, before = server, robustBefore = robust
        let defended = aggregate == nil ? Self.defend(arrived, current: parameters, with: &robust) : nil
        var privateAverage: [Double]?
        if let privacy, let privacyRandom {
            if noiseAtClients {
                privateAverage = aggregate ?? parameters   // never the un-noised updates
            } else {
                privateAverage = privacy.aggregate(UpdateMatrix(deltasOf: arrived.map(\.parameters), from: parameters), current: parameters,
                                                   random: privacyRandom)
            }
            accountant.compose(samplingRate: privacy.samplingRate, noiseMultiplier: privacy.noiseMultiplier)
        }
        parameters = server.aggregate(arrived, current: parameters, average: privateAverage ?? defended?.model ?? aggregate)
        let evaluation = try trainer.evaluate(parameters, round: plan.round)
        var result = RoundResult(round: plan.round, selected: plan.selected, stragglers: plan.stragglers, aggregated: aggregated,
                                 trainLoss: evaluation.trainLoss, testAccuracy: evaluation.testAccuracy)
        result.attackSuccess = evaluation.attackSuccess
        result.accepted = accepted ?? defended?.accepted ?? aggregated
        if privacy != nil { result.epsilon = accountant.epsilon(delta: privacyDelta).epsilon }
        if measuresContributions {
            result.contributions = try arrived.indices.map { left in
                var others = arrived, trial = before, trialRobust = robustBefore
                others.remove(at: left)
                let average = Self.defend(others, current: previous, with: &trialRobust)?.model
                let without = try trainer.evaluate(trial.aggregate(others, current: previous, average: average), round: plan.round)
                return max(0, without.testLoss - evaluation.testLoss)
            }
        }
        return result
    }

    /// Runs the robust rule on the updates `plan` delivered (advancing the rule's state): the
    /// model it makes and the clients it accepted; nil without a rule. For aggregation done
    /// elsewhere (a committee's vote), whose result then goes to `finishRound` as `aggregate`.
    public mutating func defend(_ plan: RoundPlan, updates: [FitOutcome], delivered: [Bool]) -> (model: [Double], accepted: [Int])? {
        Self.defend(Self.arrivals(plan, updates: updates, delivered: delivered), current: parameters, with: &robust)
    }

    /// The example-weighted average of the models of `clients` (of those `plan` delivered):
    /// FedAvg over a chosen subset.
    public func average(of clients: [Int], _ plan: RoundPlan, updates: [FitOutcome], delivered: [Bool]) -> [Double] {
        let chosen = Set(clients)
        let arrived = Self.arrivals(plan, updates: updates, delivered: delivered).filter { chosen.contains($0.client) }
        guard !arrived.isEmpty else { return parameters }
        let deltas = UpdateMatrix(deltasOf: arrived.map(\.parameters), from: parameters)
        let delta = RobustMath.weightedMean(deltas, rows: Array(arrived.indices), weights: arrived.map { Double($0.examples) })
        return zip(parameters, delta).map { $0 + $1 }
    }

    /// The updates `plan` delivered, in plan order.
    private static func arrivals(_ plan: RoundPlan, updates: [FitOutcome], delivered: [Bool]?) -> [ClientUpdate] {
        plan.training.indices.filter { delivered?[$0] ?? true }.map { i in
            ClientUpdate(client: plan.training[i], parameters: updates[i].parameters, examples: updates[i].examples, steps: updates[i].steps)
        }
    }

    /// epsilon after one more round (NaN without differential privacy): a run with a privacy
    /// budget stops before the round that would exceed it.
    public var epsilonAfterNextRound: Double {
        guard let privacy else { return .nan }
        var next = accountant
        next.compose(samplingRate: privacy.samplingRate, noiseMultiplier: privacy.noiseMultiplier)
        return next.epsilon(delta: privacyDelta).epsilon
    }

    /// The model the robust rule makes of `arrived` and the clients it accepted; nil without a rule.
    private static func defend(_ arrived: [ClientUpdate], current: [Double], with robust: inout (any RobustAggregator)?)
        -> (model: [Double], accepted: [Int])? {
        guard var rule = robust, !arrived.isEmpty else { return nil }
        let outcome = rule.aggregate(UpdateMatrix(deltasOf: arrived.map(\.parameters), from: current), weights: arrived.map { Double($0.examples) })
        robust = rule
        var model = current
        for j in current.indices { model[j] += outcome.delta[j] }
        return (model, arrived.indices.filter { outcome.accepted[$0] }.map { arrived[$0].client })
    }
}

/// The Swift models (`DenseModel`, `Network`) trained by mini-batch SGD, in memory.
public final class NativeTrainer: Trainer {
    public let model: any Model
    public let clients: [ClientData]
    public let local: LocalTraining
    private let batches: any RandomSource
    private let scratch: AnyObject
    private let allTrain: LabelledData
    private let allTest: LabelledData
    /// The test rows a label-flipping attack targets, labelled as the attack would have them;
    /// accuracy on them is the attack's success.
    private var attackProbe: LabelledData?

    /// Creates the trainer; `batches` (a named stream) shuffles every client's rows, in task order.
    public init(model: any Model, clients: [ClientData], local: LocalTraining, batches: any RandomSource) {
        self.model = model
        self.clients = clients
        self.local = local
        self.batches = batches
        scratch = model.makeScratch()
        allTrain = Self.concatenate(clients.map(\.train))
        allTest = Self.concatenate(clients.map(\.test))
    }

    public var clientCount: Int { clients.count }
    public func trainingExamples(of client: Int) -> Int { clients[client].train.count }
    public var modelBytes: Int { model.parameterCount * model.bytesPerParameter }

    /// Trains in task order from one shared batch stream, so equal plans give equal models.
    public func fit(_ tasks: [FitTask], from global: [Double], mu: Double) -> [FitOutcome] {
        tasks.map { task in
            let data = clients[task.client].train
            let result = model.train(from: global, on: data, epochs: task.epochs, settings: local, mu: mu, correction: task.correction,
                                     random: batches, scratch: scratch)
            return FitOutcome(parameters: result.parameters, examples: data.count,
                              flops: Double(task.epochs) * Double(data.count) * model.flopsPerExample, steps: result.steps)
        }
    }

    /// Training loss over every client's training rows; test loss and accuracy over every
    /// client's test rows; with `measureSuccess(of:)`, the attack's success.
    public func evaluate(_ parameters: [Double], round: Int) -> ModelEvaluation {
        let train = model.evaluate(parameters, allTrain, scratch: scratch)
        let test = model.evaluate(parameters, allTest, scratch: scratch)
        let success = attackProbe.map { model.evaluate(parameters, $0, scratch: scratch).accuracy }
        return ModelEvaluation(trainLoss: train.loss, testLoss: test.loss, testAccuracy: test.accuracy, attackSuccess: success)
    }

    /// Makes every evaluation report how often the model predicts `attack`'s flipped label for
    /// the test examples it flips (e.g. source class predicted as the target class). Does
    /// nothing for attacks that do not flip labels.
    public func measureSuccess(of attack: UpdateAttack) {
        guard attack.poisonsData else { return }
        let flipped = allTest.labels.indices.filter { attack.poisonedLabel(Int(allTest.labels[$0]), classes: allTest.classes) != Int(allTest.labels[$0]) }
        guard !flipped.isEmpty else { return }
        var probe = allTest.subset(flipped)
        probe.labels = probe.labels.map { Int32(attack.poisonedLabel(Int($0), classes: probe.classes)) }
        attackProbe = probe
    }

    private static func concatenate(_ parts: [LabelledData]) -> LabelledData {
        LabelledData(features: parts.flatMap(\.features), labels: parts.flatMap(\.labels), dimension: parts[0].dimension,
                     classes: parts[0].classes)
    }
}
