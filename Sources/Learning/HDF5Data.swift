import CHDF5

/// A data set file that cannot be read as labelled data.
public struct DataError: Error, CustomStringConvertible {
    public let description: String
    /// Creates an error with its message.
    public init(_ description: String) { self.description = description }
}

extension LabelledData {
    /// Most classes a labelled data set may have.
    public static let maxClasses = 10_000

    /// Reads labelled data from an HDF5 file with a 2-D dataset `X` (rows x features, any numeric
    /// type) and a 1-D dataset `y` (one integer class per row, from 0). `scripts/export_digits.py`
    /// writes scikit-learn's digits in this form.
    ///
    /// Shapes are checked before anything is allocated: declared sizes that overflow or need more
    /// than `budgetBytes` are refused. Every feature must be finite and every label an integer in
    /// `0..<maxClasses`; the message names the first offending row.
    public static func load(hdf5 path: String, budgetBytes: Int = Int.max) throws -> LabelledData {
        ch5_silence_errors()
        guard H5Fis_hdf5(path) > 0 else { throw DataError("not an HDF5 file (or cannot be read)") }
        let file = H5Fopen(path, ch5_f_acc_rdonly(), ch5_p_default())
        guard file >= 0 else { throw DataError("cannot open the file") }
        defer { H5Fclose(file) }
        let x = try Dataset(file, "X", path: path), y = try Dataset(file, "y", path: path)
        guard x.dims.count == 2, y.dims.count == 1, x.dims[0] == y.dims[0] else {
            throw DataError("expected X of shape (rows, features) and y of shape (rows,), found X \(x.dims) and y \(y.dims)")
        }
        guard x.dims[0] > 0 else { throw DataError("X and y have no rows") }
        guard x.dims[1] > 0 else { throw DataError("X has no feature columns") }
        let (cells, overflow) = x.dims[0].multipliedReportingOverflow(by: x.dims[1])
        let (bytes, overflow2) = cells.multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
        guard !overflow, !overflow2, bytes <= budgetBytes else {
            throw DataError("X declares \(x.dims[0]) x \(x.dims[1]) values, more than this machine's memory can hold")
        }
        let features: [Double] = try x.read(memoryType: ch5_native_double(), zero: 0.0)
        if let bad = features.firstIndex(where: { !$0.isFinite }) {
            throw DataError("X row \(bad / x.dims[1]), column \(bad % x.dims[1]) is \(features[bad]); expected finite numbers")
        }
        // Labels are read as doubles so that fractions, infinities and huge values are seen, not
        // converted away.
        let rawLabels: [Double] = try y.read(memoryType: ch5_native_double(), zero: 0.0)
        var labels = [Int32](repeating: 0, count: rawLabels.count)
        for (row, value) in rawLabels.enumerated() {
            guard value.isFinite, value >= 0, value < Double(maxClasses), value.rounded() == value else {
                throw DataError("y row \(row) is \(value); expected an integer class from 0 to \(maxClasses - 1)")
            }
            labels[row] = Int32(value)
        }
        return LabelledData(features: features, labels: labels, dimension: x.dims[1], classes: Int(labels.max()!) + 1)
    }

    /// One numeric dataset of the file, its shape read before its values.
    private final class Dataset {
        let id: hid_t, name: String, path: String, dims: [Int]

        init(_ file: hid_t, _ name: String, path: String) throws {
            let id = H5Dopen2(file, name, ch5_p_default())
            guard id >= 0 else { throw DataError("no dataset '\(name)'") }
            let space = H5Dget_space(id)
            defer { H5Sclose(space) }
            let type = H5Dget_type(id)
            defer { H5Tclose(type) }
            let rank = Int(H5Sget_simple_extent_ndims(space))
            let numeric = [H5T_INTEGER, H5T_FLOAT].contains(H5Tget_class(type))
            guard numeric, (1...2).contains(rank) else {
                H5Dclose(id)
                throw DataError("dataset '\(name)' must hold numbers in 1 or 2 dimensions")
            }
            var dims = [hsize_t](repeating: 0, count: rank)
            H5Sget_simple_extent_dims(space, &dims, nil)
            guard dims.allSatisfy({ $0 <= hsize_t(Int.max) }) else {
                H5Dclose(id)
                throw DataError("dataset '\(name)' declares a shape too large to read")
            }
            (self.id, self.name, self.path, self.dims) = (id, name, path, dims.map { Int($0) })
        }

        deinit { H5Dclose(id) }

        func read<T>(memoryType: hid_t, zero: T) throws -> [T] {
            var values = [T](repeating: zero, count: dims.reduce(1, *))
            let status = values.withUnsafeMutableBytes { H5Dread(id, memoryType, ch5_s_all(), ch5_s_all(), ch5_p_default(), $0.baseAddress) }
            guard status >= 0 else { throw DataError("cannot read dataset '\(name)' as numbers") }
            return values
        }
    }
}
