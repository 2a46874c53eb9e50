#if canImport(Glibc)
import Glibc
#endif
import CZlib

/// Fashion-MNIST (Xiao et al. 2017) in LeCun's IDX format, as Debian's `dataset-fashion-mnist`
/// installs it: `train-images-idx3-ubyte.gz` and friends (gzip or plain) in one directory.
/// 60,000 training and 10,000 test images of 28 x 28 pixels, 10 classes.
public enum FashionMNIST {
    /// Where Debian's package puts the files.
    public static let debianDirectory = "/usr/share/datasets/fashion-mnist"
    /// Classes.
    public static let classes = 10

    /// The training or the test set.
    public enum Part: String, Sendable {
        case train, test = "t10k"
    }

    /// The labels of `part` (cheap: no pixels are read).
    public static func labels(_ part: Part, directory: String) throws -> [Int32] {
        let (dims, bytes) = try IDXFile.read(path(part, "labels-idx1-ubyte", in: directory), expectedRank: 1)
        guard let bad = bytes.firstIndex(where: { Int($0) >= classes }) else { return bytes.map { Int32($0) } }
        throw DataError("label \(bad) is \(bytes[bad]); expected a class from 0 to 9 (\(dims[0]) labels)")
    }

    /// `part` as labelled data: pixels scaled to [0, 1], one row of 784 per image.
    public static func load(_ part: Part, directory: String) throws -> LabelledData {
        let labels = try labels(part, directory: directory)
        let imageFile = path(part, "images-idx3-ubyte", in: directory)
        let (dims, pixels) = try IDXFile.read(imageFile, expectedRank: 3)
        guard dims[0] == labels.count else {
            throw DataError("\(imageFile) holds \(dims[0]) images but its labels file \(labels.count) labels")
        }
        return LabelledData(features: pixels.map { Double($0) / 255 }, labels: labels, dimension: dims[1] * dims[2], classes: classes)
    }

    /// The file of `part` and `kind`: the gzip file if present, else the plain one.
    public static func path(_ part: Part, _ kind: String, in directory: String) -> String {
        let plain = "\(directory)/\(part.rawValue)-\(kind)"
        return access(plain + ".gz", R_OK) == 0 || access(plain, R_OK) != 0 ? plain + ".gz" : plain
    }
}

/// An IDX file of unsigned bytes (type 0x08), read through zlib (which reads plain files too).
enum IDXFile {
    /// Largest file accepted, in bytes of data.
    static let maxBytes = 1 << 32

    static func read(_ path: String, expectedRank: Int) throws -> (dims: [Int], bytes: [UInt8]) {
        guard let file = gzopen(path, "rb") else { throw DataError("cannot open \(path)") }
        defer { gzclose(file) }
        var header = [UInt8](repeating: 0, count: 4)
        try readExactly(file, &header, path)
        guard header[0] == 0, header[1] == 0, header[2] == 0x08, Int(header[3]) == expectedRank else {
            throw DataError("\(path) is not an IDX file of unsigned bytes with \(expectedRank) dimension(s) (header \(header))")
        }
        var dimBytes = [UInt8](repeating: 0, count: 4 * expectedRank)
        try readExactly(file, &dimBytes, path)
        let dims = (0..<expectedRank).map { i in dimBytes[(4 * i)..<(4 * i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let count = dims.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count > 0, count <= maxBytes else { throw DataError("\(path) declares dimensions \(dims)") }
        var bytes = [UInt8](repeating: 0, count: count)
        try readExactly(file, &bytes, path)
        return (dims, bytes)
    }

    private static func readExactly(_ file: gzFile, _ buffer: inout [UInt8], _ path: String) throws {
        var offset = 0
        while offset < buffer.count {
            let chunk = UInt32(min(buffer.count - offset, 1 << 30))
            let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress! + offset, chunk) }
            guard n > 0 else { throw DataError("\(path) ends early (read \(offset) of \(buffer.count) bytes)") }
            offset += Int(n)
        }
    }
}
