import CHDF5

/// A data set file that cannot be read as labelled data.
public struct DataError: Error, CustomStringConvertible {
    public let description: String
    /// Creates an error with its message.
    public init(_ description: String) { self.description = description }
}

extension LabelledData {
    /// Reads labelled data from an HDF5 file with a 2-D dataset `X` (rows x features, any numeric
    /// type) and a 1-D dataset `y` (one integer class per row, from 0). `scripts/export_digits.py`
    /// writes scikit-learn's digits in this form.
    public static func load(hdf5 path: String) throws -> LabelledData {
        ch5_silence_errors()
        guard H5Fis_hdf5(path) > 0 else { throw DataError("\(path) is not an HDF5 file (or cannot be read)") }
        let file = H5Fopen(path, ch5_f_acc_rdonly(), ch5_p_default())
        guard file >= 0 else { throw DataError("cannot open \(path)") }
        defer { H5Fclose(file) }
        let (xDims, x): ([Int], [Double]) = try read(file, "X", path: path, memoryType: ch5_native_double(), zero: 0.0)
        let (yDims, y): ([Int], [Int32]) = try read(file, "y", path: path, memoryType: ch5_native_int32(), zero: Int32(0))
        guard xDims.count == 2, yDims.count == 1, xDims[0] == yDims[0], xDims[0] > 0 else {
            throw DataError("\(path): expected X of shape (rows, features) and y of shape (rows,), found X \(xDims) and y \(yDims)")
        }
        guard let low = y.min(), low >= 0, let high = y.max() else { throw DataError("\(path): y must hold classes from 0") }
        return LabelledData(features: x, labels: y, dimension: xDims[1], classes: Int(high) + 1)
    }

    private static func read<T>(_ file: hid_t, _ name: String, path: String, memoryType: hid_t, zero: T) throws -> ([Int], [T]) {
        let dataset = H5Dopen2(file, name, ch5_p_default())
        guard dataset >= 0 else { throw DataError("\(path) has no dataset '\(name)'") }
        defer { H5Dclose(dataset) }
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard (1...2).contains(rank) else { throw DataError("\(path): dataset '\(name)' has \(rank) dimensions") }
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        var values = [T](repeating: zero, count: dims.reduce(1) { $0 * Int($1) })
        let status = values.withUnsafeMutableBytes { H5Dread(dataset, memoryType, ch5_s_all(), ch5_s_all(), ch5_p_default(), $0.baseAddress) }
        guard status >= 0 else { throw DataError("\(path): cannot read dataset '\(name)' as numbers") }
        return (dims.map { Int($0) }, values)
    }
}
