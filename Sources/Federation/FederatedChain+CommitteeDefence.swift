import Learning
import SimKernel

/// The committee as the defence (`aggregator: committee` with a robust rule): every member
/// receives every update, runs the rule itself and sends the leader a signed verdict; an update
/// enters the model when a strict majority of the members accepted it.
///
/// Honest members reach the same verdict (the rule is deterministic on the same updates). A
/// member whose node hosts a malicious client colludes: it accepts every attacker's update and
/// follows the rule for the rest. While attackers hold a minority of the seats the vote equals
/// the rule's verdict and the rule's model is used; with a majority, their updates get in and
/// the model is the example-weighted average of the updates the majority accepted.
extension FederatedChain {
    /// Whether the committee members each run the defence and vote.
    var membersVote: Bool { parameters.aggregatorChoice == .committee && learning.robust != nil }

    /// Bytes of one member's verdict: a 64-byte signature and 4 bytes per update of the round.
    func verdictBytes(updates: Int) -> Int { 64 + 4 * updates }

    /// Sends training client i's update to every member, one after the other on its uplink.
    mutating func uploadToEveryMember(_ i: Int, _ scheduler: inout Scheduler) {
        guard let plan else { return }
        let node = parameters.clientNodes[plan.training[i]]
        var start = scheduler.now
        for (member, receiver) in committee.enumerated() {
            let arrival = upload(modelBytes, from: node, to: receiver, at: start)
            start = start + network.serialization(bytes: modelBytes, from: node, to: receiver)
            scheduler.schedule(at: arrival, target: UInt32(i), kind: Kind.updateArrived, payload: UInt32(member))
        }
    }

    /// The committee's vote on the delivered updates of `plan`, given the `rule`'s own model and
    /// verdict (what every honest member computes): the clients a majority accepted, the model
    /// (the rule's when the majority agrees with it), and each member's rejections.
    func committeeVerdict(_ plan: RoundPlan, rule: (model: [Double], accepted: [Int])) -> (accepted: [Int], model: [Double], memberRejections: [Int]) {
        let honest = rule.accepted
        let arrived = plan.training.indices.filter { delivered[$0] }.map { plan.training[$0] }
        let ruleAccepts = Set(honest)
        let malicious = learning.malicious
        func isAttacker(_ client: Int) -> Bool { client < malicious.count && malicious[client] }
        let colluding = committee.map { node in parameters.clientNodes.indices.contains { parameters.clientNodes[$0] == node && isAttacker($0) } }
        func accepts(_ member: Int, _ client: Int) -> Bool { ruleAccepts.contains(client) || (colluding[member] && isAttacker(client)) }
        let majority = arrived.filter { client in 2 * committee.indices.filter { accepts($0, client) }.count > committee.count }
        let rejections = committee.indices.map { member in arrived.filter { !accepts(member, $0) }.count }
        let model = Set(majority) == ruleAccepts ? rule.model : learning.average(of: majority, plan, updates: updates, delivered: delivered)
        return (majority, model, rejections)
    }
}
