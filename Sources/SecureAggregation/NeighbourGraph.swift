/// Who masks with whom and shares with whom: everybody (SecAgg), or a random k-regular graph
/// (SecAgg+: a Harary graph H(k, n) over a random permutation of the clients, as in Bell et al.).
struct NeighbourGraph: Sendable {
    let clients: Int
    let degree: Int
    /// Ring position of each client (empty for the complete graph).
    private let position: [Int32]
    private let clientAt: [Int32]
    /// Ring offsets of the neighbours, in neighbour order: +1, -1, +2, -2, ..., and n/2 for odd k.
    private let offsets: [Int]

    /// The complete graph on `clients` clients.
    init(complete clients: Int) {
        self.clients = clients
        degree = clients - 1
        position = []
        clientAt = []
        offsets = []
    }

    /// H(degree, clients) over the permutation `order` (client at each ring position); degree
    /// < clients, and an odd degree needs an even number of clients.
    init(harary degree: Int, order: [Int32]) {
        precondition(degree >= 1 && degree < order.count && (degree % 2 == 0 || order.count % 2 == 0), "no such Harary graph")
        clients = order.count
        self.degree = degree
        clientAt = order
        var position = [Int32](repeating: 0, count: order.count)
        for (p, client) in order.enumerated() { position[Int(client)] = Int32(p) }
        self.position = position
        var offsets: [Int] = []
        for d in 1...(degree / 2) { offsets += [d, order.count - d] }
        if degree % 2 == 1 { offsets.append(order.count / 2) }
        self.offsets = offsets
    }

    var isComplete: Bool { position.isEmpty }

    /// The neighbours of `client`, in its own order (slot j is neighbour j).
    func neighbours(of client: Int) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(degree)
        forEachNeighbour(of: client) { result.append($0) }
        return result
    }

    /// Calls `body` with each neighbour of `client`, in its own order, without allocating.
    @inline(__always)
    func forEachNeighbour(of client: Int, _ body: (Int) -> Void) {
        if isComplete {
            for v in 0..<clients where v != client { body(v) }
            return
        }
        let p = Int(position[client])
        for offset in offsets { body(Int(clientAt[(p + offset) % clients])) }
    }

    /// The slot of `neighbour` among `client`'s neighbours.
    func slot(of neighbour: Int, in client: Int) -> Int {
        if isComplete { return neighbour < client ? neighbour : neighbour - 1 }
        let offset = (Int(position[neighbour]) - Int(position[client]) + clients) % clients
        let half = degree / 2
        if offset >= 1 && offset <= half { return 2 * (offset - 1) }
        if offset >= clients - half { return 2 * (clients - offset - 1) + 1 }
        precondition(degree % 2 == 1 && offset == clients / 2, "not a neighbour")
        return degree - 1
    }
}
