import Crypto
import Foundation

/// Which protocol masks the inputs.
public enum SecAggProtocol: String, Sendable, CaseIterable {
    /// Bonawitz et al., CCS 2017: every client masks with, and shares its secrets among, all others.
    case secagg
    /// Bell et al., CCS 2020: each client masks with, and shares among, its neighbours in a random
    /// k-regular graph.
    case secaggplus
}

/// The protocol's four stages (semi-honest: no consistency check).
public enum SecAggStage: Int, Sendable, CaseIterable, CustomStringConvertible {
    case advertiseKeys, shareKeys, maskedInputCollection, unmasking

    public var description: String {
        switch self {
        case .advertiseKeys: "advertise_keys"
        case .shareKeys: "share_keys"
        case .maskedInputCollection: "masked_input_collection"
        case .unmasking: "unmasking"
        }
    }
}

/// Settings of a secure aggregation.
public struct SecAggParameters: Sendable, Equatable {
    public var kind: SecAggProtocol
    /// Shares needed to rebuild a secret (t of a client's neighbours).
    public var threshold: Int
    /// SecAgg+: each client's neighbours (k; 0: `defaultNeighbours`); SecAgg: ignored (everyone else).
    public var neighbours: Int
    /// How inputs become integers.
    public var quantizer: Quantizer

    public init(kind: SecAggProtocol, threshold: Int, neighbours: Int, quantizer: Quantizer) {
        self.kind = kind
        self.threshold = threshold
        self.neighbours = neighbours
        self.quantizer = quantizer
    }

    /// The degree each client has among `clients`: n - 1 for SecAgg and whenever k >= n - 1.
    public func degree(clients: Int) -> Int { Self.degree(kind, neighbours: neighbours, clients: clients) }

    /// The degree under `kind` with `neighbours` per client (0: `defaultNeighbours`).
    public static func degree(_ kind: SecAggProtocol, neighbours: Int, clients: Int) -> Int {
        let k = neighbours > 0 ? neighbours : defaultNeighbours(clients: clients)
        return kind == .secagg ? clients - 1 : min(k, clients - 1)
    }

    /// k about log2 n for SecAgg+ (Bell et al.): the smallest even k >= log2(n), at least 2.
    public static func defaultNeighbours(clients: Int) -> Int {
        let log = Int(log2(Double(max(clients, 2))).rounded(.up))
        return max(2, log + log % 2)
    }

    /// Why these settings cannot run among `clients`, if they cannot.
    public func problem(clients: Int) -> String? {
        guard clients >= 2 else { return "secure aggregation needs at least 2 clients" }
        let k = degree(clients: clients)
        if kind == .secaggplus && k < clients - 1 && k % 2 == 1 && clients % 2 == 1 {
            return "an odd number of neighbours (\(k)) needs an even number of clients (found \(clients))"
        }
        guard threshold >= 1 && threshold <= k else { return "threshold must be from 1 to the \(k) neighbours each client has, found \(threshold)" }
        return nil
    }
}

/// Why a round gave no aggregate.
public struct SecAggAbort: Error, Sendable, Equatable, CustomStringConvertible {
    public var stage: SecAggStage
    public var reason: String
    public var description: String { "secure aggregation aborted at \(stage): \(reason)" }

    public init(stage: SecAggStage, reason: String) {
        self.stage = stage
        self.reason = reason
    }
}

/// What one client sends, receives and computes in a stage (uniform: every client has the same
/// degree); the simulation turns it into time with a cost model.
public struct StageLoad: Sendable, Equatable {
    public var downBytes = 0
    public var upBytes = 0
    public var keyGenerations = 0
    public var keyAgreements = 0
    public var aeadMessages = 0
    public var fieldMultiplications = 0
    public var prgBytes = 0
}

/// One stage as it ran.
public struct StageRecord: Sendable, Equatable {
    public var stage: SecAggStage
    /// Clients expected to take part in the stage.
    public var clientsIn: Int
    /// Of those, clients that dropped (sent nothing).
    public var dropped: Int
    /// Each client's load.
    public var client: StageLoad
    /// The server's own work (unmasking only).
    public var server: StageLoad
}

/// One secure aggregation among `clients` clients, server and clients together: each stage
/// method runs the clients' side for those that do not drop, then the server's side.
///
/// Client secrets (key pairs, self-mask seeds, share polynomials) are derived with HKDF from
/// `seed`, so a run is reproducible; the server's side only ever uses public keys, ciphertexts
/// and revealed shares. This is a simulator's model of the protocol, not a deployment.
public struct SecAggRound {
    public let parameters: SecAggParameters
    public let clients: Int
    /// The stages run so far.
    public private(set) var stages: [StageRecord] = []

    private let seed: SymmetricKey
    private let graph: NeighbourGraph
    private let vectorLength: Int
    private var encryptionSecret: [Curve25519.KeyAgreement.PrivateKey?]
    private var maskSecret: [Curve25519.KeyAgreement.PrivateKey?]
    private var encryptionPublic: [Curve25519.KeyAgreement.PublicKey?]
    private var maskPublic: [Curve25519.KeyAgreement.PublicKey?]
    /// Sender-major: the sealed share for neighbour slot j of client u at (u * degree + j).
    private var ciphertexts: [[UInt8]]
    private var advertised: [Bool], shared: [Bool], masked: [Bool]
    private var sum: [UInt64]
    /// Shares revealed in Unmasking, per owner.
    private var revealed: [[ShamirShare]]
    /// Keys of each pair of neighbours, per purpose, at `edge(u, v)`: see `pairKey`.
    private var pairKeys: [[SymmetricKey?]]
    private var responders = 0

    /// Bytes of a sealed share: nonce 12 + sender 4 + receiver 4 + two shares + tag 16.
    public static func ciphertextBytes(secretBytes: Int = 32) -> Int { 12 + 8 + 2 * 8 * Shamir.chunkCount(secretBytes: secretBytes) + 16 }
    /// Bytes of a revealed share on the wire: whose it is (4) and its field elements.
    public static var revealedShareBytes: Int { 4 + 8 * Shamir.chunkCount(secretBytes: 32) }

    /// Prepares a round over inputs of `vectorLength` coordinates (the quantizer's inputs, weight
    /// included). `seed` (32 bytes) determines every secret, and the SecAgg+ graph.
    public init(parameters: SecAggParameters, clients: Int, vectorLength: Int, seed: [UInt8]) {
        precondition(parameters.problem(clients: clients) == nil, parameters.problem(clients: clients) ?? "")
        self.parameters = parameters
        self.clients = clients
        self.vectorLength = vectorLength
        self.seed = SymmetricKey(data: seed)
        let degree = parameters.degree(clients: clients)
        if degree == clients - 1 {
            graph = NeighbourGraph(complete: clients)
        } else {
            let random = Primitives.fieldElements(Primitives.derive(self.seed, "secagg graph", 0), count: clients)
            var order = (0..<clients).map(Int32.init)
            for i in stride(from: clients - 1, to: 0, by: -1) { order.swapAt(i, Int(random[i] % UInt64(i + 1))) }
            graph = NeighbourGraph(harary: degree, order: order)
        }
        encryptionSecret = Array(repeating: nil, count: clients)
        maskSecret = encryptionSecret
        encryptionPublic = Array(repeating: nil, count: clients)
        maskPublic = encryptionPublic
        ciphertexts = Array(repeating: [], count: clients * degree)
        advertised = Array(repeating: false, count: clients)
        shared = advertised
        masked = advertised
        sum = [UInt64](repeating: 0, count: vectorLength)
        revealed = Array(repeating: [], count: clients)
        pairKeys = Array(repeating: Array(repeating: nil, count: clients * degree), count: PairPurpose.allCases.count)
    }

    /// Keystream bytes per masked coordinate: masks are added in 32-bit words when the modulus
    /// fits (2^32 is a multiple of it), else in 64-bit words.
    var prgWordBytes: Int { parameters.quantizer.modulusBits <= 32 ? 4 : 8 }
    /// Each client's neighbours.
    public func neighbours(of client: Int) -> [Int] { graph.neighbours(of: client) }

    /// What each client sends, receives and computes in `stage` (all clients have the same degree).
    public func load(of stage: SecAggStage) -> StageLoad {
        let degree = graph.degree
        var load = StageLoad()
        switch stage {
        case .advertiseKeys:
            load.upBytes = 2 * Primitives.publicKeyBytes
            load.keyGenerations = 2
        case .shareKeys:
            load.downBytes = degree * (4 + 2 * Primitives.publicKeyBytes)
            load.upBytes = degree * Self.ciphertextBytes()
            load.keyAgreements = degree
            load.aeadMessages = degree
            load.fieldMultiplications = 2 * Shamir.chunkCount(secretBytes: 32) * degree * parameters.threshold
        case .maskedInputCollection:
            load.downBytes = degree * Self.ciphertextBytes()
            load.upBytes = vectorLength * parameters.quantizer.wordBytes
            load.keyAgreements = degree
            load.prgBytes = (degree + 1) * vectorLength * prgWordBytes
        case .unmasking:
            load.downBytes = degree * 4
            load.upBytes = degree * Self.revealedShareBytes
            load.keyAgreements = degree
            load.aeadMessages = degree
        }
        return load
    }

    /// Whether `client` is still expected in `stage` (it sent every earlier stage's message).
    public func takesPart(_ client: Int, in stage: SecAggStage) -> Bool {
        switch stage {
        case .advertiseKeys: true
        case .shareKeys: advertised[client]
        case .maskedInputCollection: shared[client]
        case .unmasking: masked[client]
        }
    }

    // MARK: - Stage 0: AdvertiseKeys

    /// Each client not in `dropping` generates its two key pairs and sends the public keys.
    public mutating func advertiseKeys(dropping: Set<Int> = []) throws(SecAggAbort) {
        for u in 0..<clients where !dropping.contains(u) {
            let c = try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Primitives.bytes(of: Primitives.derive(seed, "secagg c", u)))
            let s = try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Primitives.bytes(of: Primitives.derive(seed, "secagg s", u)))
            encryptionSecret[u] = c
            maskSecret[u] = s
            encryptionPublic[u] = c.publicKey
            maskPublic[u] = s.publicKey
            advertised[u] = true
        }
        try finish(.advertiseKeys, expected: clients, remaining: advertised)
    }

    // MARK: - Stage 1: ShareKeys

    /// Each client that advertised, and is not in `dropping`, shares its mask secret key and its
    /// self-mask seed among its advertised neighbours, each share sealed for its recipient.
    public mutating func shareKeys(dropping: Set<Int> = []) throws(SecAggAbort) {
        let t = parameters.threshold, degree = graph.degree
        let chunks = Shamir.chunkCount(secretBytes: 32)
        for u in 0..<clients where advertised[u] && !dropping.contains(u) {
            let recipients = graph.neighbours(of: u).enumerated().filter { advertised[$0.element] }
            let points = recipients.map { UInt64($0.element + 1) }
            let coefficients = Primitives.fieldElements(Primitives.derive(seed, "secagg shamir", u), count: 2 * chunks * max(t - 1, 1))
            let half = chunks * max(t - 1, 1)
            let maskKeyShares = Shamir.share(maskSecret[u]!.rawRepresentation.map { $0 }, threshold: t, at: points,
                                             coefficients: Array(coefficients[..<half]))
            let seedShares = Shamir.share(selfMaskSeed(u), threshold: t, at: points, coefficients: Array(coefficients[half...]))
            for (i, (slot, v)) in recipients.enumerated() {
                var plaintext: [UInt8] = []
                plaintext.reserveCapacity(8 + 16 * chunks)
                Self.put(UInt32(u), into: &plaintext)
                Self.put(UInt32(v), into: &plaintext)
                for value in maskKeyShares[i].values + seedShares[i].values { Self.put(value, into: &plaintext) }
                let key = derivedPairKey(u, v, .shares)
                let sealed = try! AES.GCM.seal(plaintext, using: key, nonce: Self.nonce(from: u, to: v))
                ciphertexts[u * degree + slot] = Array(sealed.combined!)
            }
            shared[u] = true
        }
        try finish(.shareKeys, expected: advertised.filter { $0 }.count, remaining: shared)
    }

    // MARK: - Stage 2: MaskedInputCollection

    /// Each client that shared its keys, and is not in `dropping`, masks its input and sends it;
    /// the server adds the masked inputs up.
    public mutating func collectMaskedInputs(dropping: Set<Int> = [], input: (Int) -> [UInt64]) throws(SecAggAbort) {
        // One agreement per pair (see `pairKey`), before any client masks.
        for u in 0..<clients where shared[u] && !dropping.contains(u) {
            for v in graph.neighbours(of: u) where shared[v] { _ = derivedPairKey(u, v, .mask) }
        }
        for u in 0..<clients where shared[u] && !dropping.contains(u) {
            if prgWordBytes == 4 {
                add(maskedWords(of: u, input(u), as: UInt32.self), to: &sum)
            } else {
                add(maskedWords(of: u, input(u), as: UInt64.self), to: &sum)
            }
            masked[u] = true
        }
        try finish(.maskedInputCollection, expected: shared.filter { $0 }.count, remaining: masked)
    }

    /// What client `u` sends in MaskedInputCollection (it must have shared its keys): its input
    /// plus its self mask plus one pairwise mask per neighbour that shared keys (added toward a
    /// higher id, subtracted toward a lower one), modulo 2^modulusBits.
    public func maskedInput(of u: Int, _ input: [UInt64]) -> [UInt64] {
        let mask = parameters.quantizer.modulusMask
        if prgWordBytes == 4 { return maskedWords(of: u, input, as: UInt32.self).map { UInt64($0) & mask } }
        return maskedWords(of: u, input, as: UInt64.self).map { $0 & mask }
    }

    /// `maskedInput` modulo 2^(bit width of `Word`), before the reduction to the modulus.
    private func maskedWords<Word: FixedWidthInteger & UnsignedInteger>(of u: Int, _ input: [UInt64], as: Word.Type) -> [Word] {
        precondition(shared[u] && input.count == vectorLength, "a client that shared its keys, with a full input")
        var y = input.map { Word(truncatingIfNeeded: $0) }
        Primitives.applyMask(selfMaskKey(selfMaskSeed(u)), to: &y, subtract: false)
        for v in graph.neighbours(of: u) where shared[v] {
            Primitives.applyMask(pairKey(u, v, .mask), to: &y, subtract: u > v)
        }
        return y
    }

    /// total += words, modulo 2^64 (the caller reduces to the modulus, a divisor of 2^(word width)).
    private func add<Word: FixedWidthInteger & UnsignedInteger>(_ words: [Word], to total: inout [UInt64]) {
        for i in total.indices { total[i] &+= UInt64(words[i]) }
    }

    // MARK: - Stage 3: Unmasking

    /// The clients' side of Unmasking: every client that sent its masked input, and is not in
    /// `dropping`, opens the shares it holds and reveals, for each sender, the self-mask seed
    /// share (sender still in) or the mask key share (sender dropped after sharing). A share
    /// that fails to open is treated as missing.
    public mutating func revealShares(dropping: Set<Int> = []) {
        let degree = graph.degree
        let chunks = Shamir.chunkCount(secretBytes: 32)
        for v in 0..<clients where masked[v] && !dropping.contains(v) {
            responders += 1
            for u in graph.neighbours(of: v) where shared[u] {
                let slot = graph.slot(of: v, in: u)
                let key = pairKey(v, u, .shares)
                guard let box = try? AES.GCM.SealedBox(combined: ciphertexts[u * degree + slot]),
                      let plaintext = try? AES.GCM.open(box, using: key), plaintext.count == 8 + 16 * chunks,
                      Self.read32(plaintext, 0) == UInt32(u), Self.read32(plaintext, 4) == UInt32(v) else { continue }
                let first = masked[u] ? chunks : 0
                revealed[u].append(ShamirShare(x: UInt64(v + 1), values: (0..<chunks).map { Self.read64(plaintext, 8 + 8 * (first + $0)) }))
            }
        }
    }

    /// The server's side of Unmasking (after `revealShares`): rebuilds each needed secret from
    /// its first t valid shares, removes the masks, and returns the sum of the inputs of the
    /// clients that sent masked inputs, modulo 2^modulusBits.
    public mutating func unmask() throws(SecAggAbort) -> [UInt64] {
        let t = parameters.threshold
        var server = StageLoad()
        let expected = masked.filter { $0 }.count
        var record = StageRecord(stage: .unmasking, clientsIn: expected, dropped: expected - responders, client: load(of: .unmasking),
                                 server: server)
        func abort(_ reason: String) -> SecAggAbort {
            stages.append(record)
            return SecAggAbort(stage: .unmasking, reason: reason)
        }
        guard responders >= t else { throw abort("\(responders) clients responded, fewer than the threshold \(t)") }

        var total = sum
        let failure: String?
        if prgWordBytes == 4 {
            var words = total.map { UInt32(truncatingIfNeeded: $0) }
            failure = removeMasks(from: &words, server: &server)
            total = words.map { UInt64($0) }
        } else {
            failure = removeMasks(from: &total, server: &server)
        }
        if let failure { throw abort(failure) }
        let mask = parameters.quantizer.modulusMask
        for i in total.indices { total[i] &= mask }
        record.server = server
        stages.append(record)
        return total
    }

    /// The server removes every self mask of a client that sent its input, and the pairwise
    /// masks toward every client that dropped after sharing, from `total` (modulo 2^word width).
    /// Returns why it cannot, if a secret has too few shares.
    private func removeMasks<Word: FixedWidthInteger & UnsignedInteger>(from total: inout [Word], server: inout StageLoad) -> String? {
        let t = parameters.threshold
        let chunks = Shamir.chunkCount(secretBytes: 32)
        for u in 0..<clients where shared[u] {
            guard revealed[u].count >= t else {
                let secret = masked[u] ? "self-mask seed" : "mask key"
                return "client \(u)'s \(secret) has \(revealed[u].count) valid shares, fewer than the threshold \(t)"
            }
            let secret = Shamir.reconstruct(Array(revealed[u].prefix(t)), secretBytes: 32)
            server.fieldMultiplications += t * t + t * chunks
            if masked[u] {
                Primitives.applyMask(selfMaskKey(secret), to: &total, subtract: true)
                server.prgBytes += vectorLength * prgWordBytes
            } else {
                // u dropped after sharing: remove the pairwise masks its surviving neighbours added.
                guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secret) else {
                    return "client \(u)'s mask key did not rebuild"
                }
                for v in graph.neighbours(of: u) where masked[v] {
                    let pairKey = Primitives.agreedKey(key, maskPublic[v]!, PairPurpose.mask.info)
                    Primitives.applyMask(pairKey, to: &total, subtract: v < u)
                    server.keyAgreements += 1
                    server.prgBytes += vectorLength * prgWordBytes
                }
            }
        }
        return nil
    }

    // MARK: - Helpers

    /// What a pairwise key is for: sealing the shares two neighbours send each other, or masking.
    private enum PairPurpose: Int, CaseIterable {
        case shares, mask
        var info: String { self == .shares ? "secagg shares" : "secagg mask" }
    }

    /// Where the key of the pair {u, v} is kept: the slot of the higher id among the lower id's
    /// neighbours.
    private func edge(_ u: Int, _ v: Int) -> Int {
        let (low, high) = u < v ? (u, v) : (v, u)
        return low * graph.degree + graph.slot(of: high, in: low)
    }

    /// u's key with neighbour v for `purpose`. An X25519 agreement gives both ends the same
    /// secret, so the simulator agrees once per pair (`derivedPairKey`) and both ends use the
    /// result: the same key each would compute, at half the cost. The cost model still charges
    /// every client its own agreements. The server never uses these: it agrees with rebuilt keys.
    private func pairKey(_ u: Int, _ v: Int, _ purpose: PairPurpose) -> SymmetricKey {
        pairKeys[purpose.rawValue][edge(u, v)] ?? agree(u, v, purpose)
    }

    /// `pairKey`, agreeing and keeping the key if the pair has none yet.
    private mutating func derivedPairKey(_ u: Int, _ v: Int, _ purpose: PairPurpose) -> SymmetricKey {
        let index = edge(u, v)
        if let key = pairKeys[purpose.rawValue][index] { return key }
        let key = agree(u, v, purpose)
        pairKeys[purpose.rawValue][index] = key
        return key
    }

    private func agree(_ u: Int, _ v: Int, _ purpose: PairPurpose) -> SymmetricKey {
        switch purpose {
        case .shares: Primitives.agreedKey(encryptionSecret[u]!, encryptionPublic[v]!, purpose.info)
        case .mask: Primitives.agreedKey(maskSecret[u]!, maskPublic[v]!, purpose.info)
        }
    }

    private mutating func finish(_ stage: SecAggStage, expected: Int, remaining: [Bool]) throws(SecAggAbort) {
        let count = remaining.filter { $0 }.count
        stages.append(StageRecord(stage: stage, clientsIn: expected, dropped: expected - count, client: load(of: stage), server: StageLoad()))
        guard count >= parameters.threshold else {
            throw SecAggAbort(stage: stage, reason: "\(count) clients remain, fewer than the threshold \(parameters.threshold)")
        }
    }

    private func selfMaskSeed(_ u: Int) -> [UInt8] { Primitives.bytes(of: Primitives.derive(seed, "secagg b", u)) }
    private func selfMaskKey(_ seed: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: seed), info: Array("secagg self mask".utf8), outputByteCount: 16)
    }

    /// Sender and receiver make the nonce unique under their shared key (which both directions use).
    private static func nonce(from u: Int, to v: Int) -> AES.GCM.Nonce {
        var bytes: [UInt8] = []
        put(UInt32(u), into: &bytes)
        put(UInt32(v), into: &bytes)
        put(UInt32(0), into: &bytes)
        return try! AES.GCM.Nonce(data: bytes)
    }

    private static func put<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    private static func read32(_ data: Data, _ offset: Int) -> UInt32 {
        data.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }
    private static func read64(_ data: Data, _ offset: Int) -> UInt64 {
        data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    }

    // MARK: - Test hooks

    /// Flips one byte of the share `sender` sealed for `receiver` (an attack, or line noise).
    public mutating func corruptShare(from sender: Int, to receiver: Int, byte: Int = 20) {
        let index = sender * graph.degree + graph.slot(of: receiver, in: sender)
        precondition(!ciphertexts[index].isEmpty, "no such share")
        ciphertexts[index][byte] ^= 0x01
    }
}
