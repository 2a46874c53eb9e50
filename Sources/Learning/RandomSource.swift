/// The random draws learning code needs. Learning is pure maths and does not know the
/// simulator's streams; a named `RandomStream` conforms one layer up, so every draw still comes
/// from a named stream of the run seed.
public protocol RandomSource: AnyObject {
    /// Uniform on [0, 1).
    func uniform() -> Double
    /// Normal with the given mean and standard deviation.
    func normal(mean: Double, sd: Double) -> Double
    /// Lognormal: exp of a normal with mean `mu` and standard deviation `sigma`.
    func lognormal(mu: Double, sigma: Double) -> Double
    /// A uniform integer in 0..<bound.
    func int(below bound: Int) -> Int
    /// Gamma with the given shape and scale 1.
    func gamma(shape: Double) -> Double
}

extension RandomSource {
    /// Fisher-Yates shuffle of `values`, from this source.
    public func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) { values.swapAt(i, int(below: i + 1)) }
    }
}
