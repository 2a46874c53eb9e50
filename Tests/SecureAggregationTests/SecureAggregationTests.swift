import SecureAggregation
import SimKernel
import XCTest

final class SecureAggregationTests: XCTestCase {
    static func seed(_ n: UInt64) -> [UInt8] { (0..<32).map { UInt8(truncatingIfNeeded: n &* 0x9E37_79B9 &+ UInt64($0) &* 31) } }

    /// Random inputs as `quantize` makes them: w x level per coordinate, then w.
    static func inputs(_ quantizer: Quantizer, clients: Int, length: Int, seed: UInt64) -> [[UInt64]] {
        let random = RandomStreams(seed: seed).stream("inputs")
        return (0..<clients).map { _ in
            let values = (0..<length).map { _ in random.uniform() * 2 * quantizer.clip - quantizer.clip }
            let uniforms = (0..<length).map { _ in random.uniform() }
            return quantizer.quantize(values, weight: 1 + random.int(below: quantizer.maxWeight), uniforms: uniforms).input
        }
    }

    /// Runs all four stages with the given dropouts per stage; returns the sum and who got in.
    static func run(_ parameters: SecAggParameters, clients: Int, inputs: [[UInt64]], drops: [SecAggStage: Set<Int>] = [:], seed: UInt64 = 1,
                    tamper: ((inout SecAggRound) -> Void)? = nil) throws(SecAggAbort) -> (sum: [UInt64], included: [Int]) {
        var round = SecAggRound(parameters: parameters, clients: clients, vectorLength: inputs[0].count, seed: Self.seed(seed))
        try round.advertiseKeys(dropping: drops[.advertiseKeys] ?? [])
        try round.shareKeys(dropping: drops[.shareKeys] ?? [])
        tamper?(&round)
        var included: [Int] = []
        try round.collectMaskedInputs(dropping: drops[.maskedInputCollection] ?? []) { u in
            included.append(u)
            return inputs[u]
        }
        round.revealShares(dropping: drops[.unmasking] ?? [])
        return (try round.unmask(), included)
    }

    static func plainSum(_ inputs: [[UInt64]], _ who: [Int], _ quantizer: Quantizer) -> [UInt64] {
        var sum = [UInt64](repeating: 0, count: inputs[0].count)
        for u in who { for i in sum.indices { sum[i] += inputs[u][i] } }
        return sum.map { $0 & quantizer.modulusMask }
    }

    /// The unmasked aggregate is exactly the sum of the quantized inputs of the clients that
    /// sent one, for n from 2 to 1,000, with 0 %, 10 % and 30 % of the clients dropping at each
    /// stage from n = 20 on (thresholds low enough to hold for every client's neighbourhood).
    func testUnmaskedSumIsExact() throws {
        // (protocol, n, threshold, neighbours, dropout rates); each rate at every stage.
        let cases: [(SecAggProtocol, Int, Int, Int, [Double])] = [
            (.secagg, 2, 1, 0, [0]), (.secagg, 3, 2, 0, [0]),  // one dropout would leave a secret with too few holders
            (.secagg, 20, 8, 0, [0, 0.1, 0.3]), (.secaggplus, 100, 3, 12, [0, 0.1, 0.3]), (.secaggplus, 1_000, 3, 16, [0, 0.1, 0.3]),
        ]
        for (kind, n, threshold, neighbours, rates) in cases {
            let quantizer = Quantizer(clip: 1, bits: 12, maxWeight: 50, clients: n)
            let parameters = SecAggParameters(kind: kind, threshold: threshold, neighbours: neighbours, quantizer: quantizer)
            let inputs = Self.inputs(quantizer, clients: n, length: 8, seed: UInt64(n))
            let graph = SecAggRound(parameters: parameters, clients: n, vectorLength: 8, seed: Self.seed(UInt64(n)))
            let random = RandomStreams(seed: UInt64(n)).stream("dropouts")
            for rate in rates {
                for stage in SecAggStage.allCases where rate > 0 || stage == .advertiseKeys {
                    let dropping = Set((0..<n).filter { _ in random.uniform() < rate })
                    // The threshold holds: every client whose secret must be rebuilt keeps t holders.
                    let needed = (0..<n).filter { !(stage.rawValue <= 1 && dropping.contains($0)) }
                    XCTAssertTrue(needed.allSatisfy { u in graph.neighbours(of: u).filter { !dropping.contains($0) }.count >= threshold })
                    let (sum, included) = try Self.run(parameters, clients: n, inputs: inputs, drops: [stage: dropping], seed: UInt64(n))
                    XCTAssertEqual(included.count, n - (stage.rawValue <= 2 ? dropping.count : 0))
                    XCTAssertEqual(sum, Self.plainSum(inputs, included, quantizer), "\(kind) n=\(n) \(Int(rate * 100)) % dropping at \(stage)")
                }
            }
        }
    }

    /// Long vectors, in both accumulator widths: a 23-bit modulus (32-bit words) and a 43-bit one
    /// (64-bit words). Each mask spans several keystream pieces, so a seam in the keystream or in
    /// the word arithmetic would break the sum. Clients 2 and 5 drop after sharing, so the server
    /// also removes pairwise masks.
    func testLongVectorsSumExactlyInBothWordWidths() throws {
        for bits in [16, 32] {
            let quantizer = Quantizer(clip: 1, bits: bits, maxWeight: 10, clients: 6)
            XCTAssertEqual(quantizer.modulusBits > 32, bits == 32)
            let parameters = SecAggParameters(kind: .secagg, threshold: 3, neighbours: 0, quantizer: quantizer)
            let inputs = Self.inputs(quantizer, clients: 6, length: 40_000, seed: UInt64(bits))
            let (sum, included) = try Self.run(parameters, clients: 6, inputs: inputs, drops: [.maskedInputCollection: [2, 5]])
            XCTAssertEqual(included, [0, 1, 3, 4])
            XCTAssertEqual(sum, Self.plainSum(inputs, included, quantizer), "\(quantizer.modulusBits)-bit modulus")
        }
    }

    /// The simulator agrees once per pair and lets both ends use the key. A client's masked input
    /// is the same whether it agreed with every neighbour itself (before the stage) or reused the
    /// agreements its lower-numbered neighbours made (after it).
    func testSharedPairKeysGiveTheSameMaskedInput() throws {
        let quantizer = Quantizer(clip: 1, bits: 16, maxWeight: 1, clients: 8)
        for kind in SecAggProtocol.allCases {
            let parameters = SecAggParameters(kind: kind, threshold: 3, neighbours: 4, quantizer: quantizer)
            var round = SecAggRound(parameters: parameters, clients: 8, vectorLength: 1_000, seed: Self.seed(9))
            try round.advertiseKeys()
            try round.shareKeys()
            let input = [UInt64](repeating: 7, count: 1_000)
            let alone = (0..<8).map { round.maskedInput(of: $0, input) }
            try round.collectMaskedInputs { _ in input }
            let reused = (0..<8).map { round.maskedInput(of: $0, input) }
            XCTAssertTrue(reused == alone, "\(kind): a client's masked input changed when it reused its neighbours' agreements")
        }
    }

    /// Masks are pinned bit for bit, so a faster keystream (another mode, another buffer
    /// scheme) cannot change them unnoticed: client 2's masked input (self mask plus four
    /// pairwise masks over 70,001 coordinates, several 64 KiB keystream pieces) hashes (FNV-1a 64
    /// of its little-endian words) to what the AES-CTR code gives, in both word widths. An
    /// AES-GCM seal of zeros under the all-zero nonce passed this test too (same keystream).
    func testMasksAreTheAESCTRKeystreamBitForBit() throws {
        var digests: [String] = []
        for bits in [16, 32] {
            let quantizer = Quantizer(clip: 1, bits: bits, maxWeight: 10, clients: 5)
            var round = SecAggRound(parameters: SecAggParameters(kind: .secagg, threshold: 3, neighbours: 0, quantizer: quantizer),
                                    clients: 5, vectorLength: 70_001, seed: Self.seed(11))
            try round.advertiseKeys()
            try round.shareKeys()
            let masked = round.maskedInput(of: 2, (0..<70_001).map { UInt64($0 % 7) })
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for word in masked { withUnsafeBytes(of: word.littleEndian) { for byte in $0 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 } } }
            digests.append(String(hash, radix: 16))
        }
        XCTAssertEqual(digests, ["8fe02f9b937c2ffa", "85de66d879b3a006"])
    }

    /// The abort estimate behind the config warning predicts real rounds: 300 rounds with
    /// upload dropouts abort about as often as `abortProbability` says (within 4 standard
    /// errors), for SecAgg+ (estimated by drawing) and for SecAgg (exact).
    func testAbortProbabilityPredictsRealRounds() throws {
        let cases: [(SecAggProtocol, Int, Int, Int, Double)] = [(.secaggplus, 30, 4, 6, 0.12), (.secagg, 10, 6, 0, 0.3)]
        for (kind, n, t, k, dropout) in cases {
            let parameters = SecAggParameters(kind: kind, threshold: t, neighbours: k, quantizer: Quantizer(clip: 1, bits: 4, maxWeight: 1, clients: n))
            let estimateStream = RandomStreams(seed: 1).stream("estimate")
            let estimate = parameters.abortProbability(clients: n, dropout: dropout, trials: 4_000) { estimateStream.uniform() }
            let random = RandomStreams(seed: 2).stream("dropouts")
            let rounds = 300
            var aborts = 0
            for r in 0..<rounds {
                let dropping = Set((0..<n).filter { _ in random.uniform() < dropout })
                let inputs = [[UInt64]](repeating: [1, 1], count: n)
                do { _ = try Self.run(parameters, clients: n, inputs: inputs, drops: [.maskedInputCollection: dropping], seed: UInt64(r)) } catch { aborts += 1 }
            }
            let observed = Double(aborts) / Double(rounds)
            let standardError = (estimate * (1 - estimate) / Double(rounds)).squareRoot()
            XCTAssertGreaterThan(estimate, 0.15, "a case where aborts are common enough to compare")
            XCTAssertLessThan(estimate, 0.85)
            XCTAssertEqual(observed, estimate, accuracy: 4 * standardError + 0.02, "\(kind): \(aborts) of \(rounds) rounds aborted")
        }
    }

    /// Below the threshold the round aborts cleanly at the stage where it fell short, with the
    /// reason, and gives no aggregate.
    func testBelowTheThresholdAborts() {
        let quantizer = Quantizer(clip: 1, bits: 8, maxWeight: 1, clients: 10)
        let parameters = SecAggParameters(kind: .secagg, threshold: 6, neighbours: 0, quantizer: quantizer)
        let inputs = Self.inputs(quantizer, clients: 10, length: 4, seed: 3)
        XCTAssertThrowsError(try Self.run(parameters, clients: 10, inputs: inputs, drops: [.maskedInputCollection: [0, 1, 2, 3, 4]])) { error in
            XCTAssertEqual(error as? SecAggAbort, SecAggAbort(stage: .maskedInputCollection, reason: "5 clients remain, fewer than the threshold 6"))
        }
        XCTAssertThrowsError(try Self.run(parameters, clients: 10, inputs: inputs, drops: [.unmasking: [5, 6, 7, 8, 9]])) { error in
            XCTAssertEqual((error as? SecAggAbort)?.stage, .unmasking)
        }
        // SecAgg+: enough clients overall, but client 0's neighbourhood thins out below t.
        let plus = SecAggParameters(kind: .secaggplus, threshold: 4, neighbours: 4, quantizer: Quantizer(clip: 1, bits: 8, maxWeight: 1, clients: 30))
        let round = SecAggRound(parameters: plus, clients: 30, vectorLength: 5, seed: Self.seed(4))
        let neighbours = Set(round.neighbours(of: 0))
        XCTAssertEqual(neighbours.count, 4)
        XCTAssertThrowsError(try Self.run(plus, clients: 30, inputs: Self.inputs(plus.quantizer, clients: 30, length: 4, seed: 4),
                                          drops: [.unmasking: [neighbours.first!]], seed: 4)) { error in
            XCTAssertEqual((error as? SecAggAbort)?.reason, "client 0's self-mask seed has 3 valid shares, fewer than the threshold 4")
        }
    }

    /// The server's view of one client: the masked vector is uniform modulo 2^modulusBits (chi
    /// square over 64 bins, 63 degrees of freedom, critical value 103.4 at p = 0.001) even for
    /// a constant input, differs from the input in every coordinate, and does not repeat (the
    /// keystream is made in pieces; a piece made twice would show as a period).
    func testMaskedInputLooksUniform() throws {
        let quantizer = Quantizer(clip: 1, bits: 16, maxWeight: 100, clients: 10)
        let parameters = SecAggParameters(kind: .secagg, threshold: 5, neighbours: 0, quantizer: quantizer)
        let length = 40_000
        var round = SecAggRound(parameters: parameters, clients: 10, vectorLength: length, seed: Self.seed(5))
        try round.advertiseKeys()
        try round.shareKeys()
        let input = [UInt64](repeating: 12_345, count: length)
        let masked = round.maskedInput(of: 3, input)
        XCTAssertFalse(zip(masked, input).contains { $0 == $1 }, "every coordinate changed")
        var bins = [Double](repeating: 0, count: 64)
        for value in masked {
            XCTAssertLessThanOrEqual(value, quantizer.modulusMask)
            bins[Int(value >> UInt64(quantizer.modulusBits - 6))] += 1
        }
        let expected = Double(length) / 64
        let chiSquare = bins.reduce(0) { $0 + ($1 - expected) * ($1 - expected) / expected }
        XCTAssertLessThan(chiSquare, 103.4, "masked values are not uniform")
        for period in stride(from: 1_024, through: length / 2, by: 1_024) {
            let repeats = (0..<(length - period)).filter { masked[$0] == masked[$0 + period] }.count
            XCTAssertLessThan(repeats, 5, "the mask repeats with period \(period)")
        }
    }

    /// Shamir: any t shares rebuild the secret; t - 1 shares give a wrong one.
    func testShamirThreshold() {
        let secret = (0..<32).map { UInt8($0 * 7 + 3) }
        let coefficients = (0..<(4 * Shamir.chunkCount(secretBytes: 32))).map { UInt64($0 * 1_000_003 + 17) % Field61.p }
        let shares = Shamir.share(secret, threshold: 5, at: (1...9).map(UInt64.init), coefficients: coefficients)
        XCTAssertEqual(Shamir.reconstruct(Array(shares.prefix(5)), secretBytes: 32), secret)
        XCTAssertEqual(Shamir.reconstruct([shares[8], shares[1], shares[6], shares[3], shares[4]], secretBytes: 32), secret)
        XCTAssertEqual(Shamir.reconstruct(shares, secretBytes: 32), secret, "more than t also works")
        XCTAssertNotEqual(Shamir.reconstruct(Array(shares.prefix(4)), secretBytes: 32), secret)
        XCTAssertNotEqual(Shamir.reconstruct(Array(shares.suffix(4)), secretBytes: 32), secret)
        XCTAssertEqual(Field61.multiply(Field61.inverse(123_456_789), 123_456_789), 1)
    }

    /// A flipped byte in a sealed share fails authentication: the share counts as missing. With
    /// spare shares the sum stays exact; when it was needed, the round aborts naming the client.
    func testTamperedShareIsMissing() throws {
        let quantizer = Quantizer(clip: 1, bits: 8, maxWeight: 3, clients: 6)
        let parameters = SecAggParameters(kind: .secagg, threshold: 3, neighbours: 0, quantizer: quantizer)
        let inputs = Self.inputs(quantizer, clients: 6, length: 6, seed: 6)
        let flip: (inout SecAggRound) -> Void = { $0.corruptShare(from: 0, to: 1) }
        let (sum, included) = try Self.run(parameters, clients: 6, inputs: inputs, tamper: flip)
        XCTAssertEqual(sum, Self.plainSum(inputs, included, quantizer))
        XCTAssertNoThrow(try Self.run(parameters, clients: 6, inputs: inputs, drops: [.unmasking: [2, 3]]))
        XCTAssertThrowsError(try Self.run(parameters, clients: 6, inputs: inputs, drops: [.unmasking: [2, 3]], tamper: flip)) { error in
            XCTAssertEqual((error as? SecAggAbort)?.reason, "client 0's self-mask seed has 2 valid shares, fewer than the threshold 3")
        }
    }

    /// The modulus holds the worst case: 100,000 clients, each at the top level with the largest
    /// weight, sum below 2^modulusBits (where Flower's fixed 2^32 with 2^22 levels wraps at
    /// about 2,100 clients); settings beyond 63 bits are refused.
    func testModulusNeverWraps() {
        let quantizer = Quantizer(clip: 1, bits: 22, maxWeight: 1, clients: 100_000)
        XCTAssertEqual(quantizer.modulusBits, 39)
        let top = quantizer.quantize([5, -5, 1], weight: 1, uniforms: [0.5, 0.5, 0.5]).input
        XCTAssertEqual(top, [quantizer.maxLevel, 0, quantizer.maxLevel, 1])
        let worst = UInt64(100_000) * quantizer.maxLevel
        XCTAssertEqual(worst & quantizer.modulusMask, worst, "no wrap")
        XCTAssertNotNil(Quantizer.problem(clip: 1, bits: 32, maxWeight: 1 << 20, clients: 100_000))
    }

    /// Stochastic rounding is unbiased, and the weighted average comes back within one step.
    func testQuantizedAverage() {
        let quantizer = Quantizer(clip: 2, bits: 10, maxWeight: 10, clients: 3)
        let random = RandomStreams(seed: 7).stream("q")
        let value = 0.123_456
        let draws = 20_000
        let mean = (0..<draws).reduce(0.0) { acc, _ in
            acc + quantizer.average(of: quantizer.quantize([value], weight: 1, uniforms: [random.uniform()]).input)[0]
        } / Double(draws)
        XCTAssertEqual(mean, value, accuracy: quantizer.step / 20)
        let vectors: [[Double]] = [[0.5, -1.5, 1.9], [0.1, 0.2, -0.3], [-1, 1, 0]]
        let weights = [3, 10, 1]
        var sum = [UInt64](repeating: 0, count: 4)
        for (v, w) in zip(vectors, weights) {
            let input = quantizer.quantize(v, weight: w, uniforms: (0..<3).map { _ in random.uniform() }).input
            for i in sum.indices { sum[i] += input[i] }
        }
        let average = quantizer.average(of: sum)
        for i in 0..<3 {
            let exact = zip(vectors, weights).reduce(0.0) { $0 + $1.0[i] * Double($1.1) } / 14
            XCTAssertEqual(average[i], exact, accuracy: quantizer.step)
        }
    }
}
