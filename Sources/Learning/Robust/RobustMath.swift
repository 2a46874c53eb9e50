/// Pieces several defences share: weighted means, the distance matrix, Krum scores, per-coordinate passes.
enum RobustMath {
    /// The `weights`-weighted mean of `rows` of `updates` (a plain mean when their weights sum to 0).
    static func weightedMean(_ updates: UpdateMatrix, rows: [Int], weights: [Double]) -> [Double] {
        var mean = [Double](repeating: 0, count: updates.columns)
        guard !rows.isEmpty else { return mean }
        let total = rows.reduce(0) { $0 + weights[$1] }
        updates.values.withUnsafeBufferPointer { v in
            mean.withUnsafeMutableBufferPointer { out in
                for r in rows {
                    let w = total > 0 ? weights[r] / total : 1 / Double(rows.count)
                    let row = v.baseAddress! + r * updates.columns
                    for j in 0..<updates.columns { out[j] += w * row[j] }
                }
            }
        }
        return mean
    }

    /// Squared L2 distances between every pair of rows, n x n: ||x_i||^2 + ||x_j||^2 - 2 <x_i, x_j>
    /// from the Gram matrix X X^T, one OpenBLAS `dgemm` (O(n^2 d)). Symmetric by construction
    /// (the upper triangle is used for both halves) and never negative.
    static func squaredDistances(_ updates: UpdateMatrix) -> [Double] {
        let n = updates.rows, d = updates.columns
        var gram = [Double](repeating: 0, count: n * n)
        updates.values.withUnsafeBufferPointer { x in
            gram.withUnsafeMutableBufferPointer { g in
                BLAS.dgemm(transposeB: true, m: n, n: n, k: d, x.baseAddress!, lda: d, x.baseAddress!, ldb: d, beta: 0, g.baseAddress!, ldc: n)
            }
        }
        var distances = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in (i + 1)..<n {
                let value = max(0, gram[i * n + i] + gram[j * n + j] - 2 * gram[i * n + j])
                distances[i * n + j] = value
                distances[j * n + i] = value
            }
        }
        return distances
    }

    /// Krum's score of each row in `among` (Blanchard et al. 2017): the sum of its squared
    /// distances to its |among| - f - 2 nearest others in `among`.
    static func krumScores(_ distances: [Double], n: Int, among: [Int], f: Int) -> [Double] {
        let neighbours = max(1, among.count - f - 2)
        var others = [Double]()
        others.reserveCapacity(among.count)
        return among.map { i in
            others.removeAll(keepingCapacity: true)
            for j in among where j != i { others.append(distances[i * n + j]) }
            others.sort()
            return others.prefix(neighbours).reduce(0, +)
        }
    }

    /// The indices of `among` ordered by `scores` (ascending; ties by position, so the order is
    /// deterministic).
    static func ranked(_ among: [Int], by scores: [Double]) -> [Int] {
        among.indices.sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }.map { among[$0] }
    }

    /// Calls `reduce` with the values of `rows` at every coordinate (in a reused buffer) and
    /// stores what it returns.
    @inline(__always)
    static func perCoordinate(_ updates: UpdateMatrix, rows: [Int], _ reduce: (inout [Double]) -> Double) -> [Double] {
        var result = [Double](repeating: 0, count: updates.columns)
        var column = [Double](repeating: 0, count: rows.count)
        updates.values.withUnsafeBufferPointer { v in
            for j in 0..<updates.columns {
                for (k, r) in rows.enumerated() { column[k] = v[r * updates.columns + j] }
                result[j] = reduce(&column)
            }
        }
        return result
    }

    /// The median of `values` (the mean of the two middle ones for an even count); sorts them.
    @inline(__always)
    static func median(_ values: inout [Double]) -> Double {
        values.sort()
        let n = values.count
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
    }

    /// Every row accepted or, with `chosen`, only those.
    static func acceptance(_ rows: Int, chosen: [Int]? = nil) -> [Bool] {
        guard let chosen else { return [Bool](repeating: true, count: rows) }
        var accepted = [Bool](repeating: false, count: rows)
        for r in chosen { accepted[r] = true }
        return accepted
    }
}
