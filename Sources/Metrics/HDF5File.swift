import CHDF5
#if canImport(Glibc)
import Glibc
#endif

/// Read access to an HDF5 file: attributes, the list of groups and datasets, and table columns
/// by name (any numeric column converts to `Int64` or `Double` on read).
public final class HDF5File {
    private let file: H5Handle
    /// The path the file was opened from.
    public let path: String

    /// Opens `path` read-only.
    public init(readingAt path: String) throws {
        ch5_silence_errors()
        guard H5Fis_hdf5(path) > 0 else { throw HDF5Error("\(path) is not an HDF5 file (or cannot be read)") }
        self.file = try H5Handle(H5Fopen(path, ch5_f_acc_rdonly(), ch5_p_default()), "open \(path)", close: H5Fclose)
        self.path = path
    }

    /// One group or dataset, by absolute path.
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var isDataset: Bool
    }

    /// Every group and dataset below `/`, in name order.
    public func entries() throws -> [Entry] {
        final class Collector { var entries: [Entry] = []; var failed = false }
        let collector = Collector()
        let status = H5Lvisit(file.id, H5_INDEX_NAME, H5_ITER_INC, { group, name, _, context in
            let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
            let object = H5Oopen(group, name, ch5_p_default())
            guard object >= 0 else { collector.failed = true; return -1 }
            defer { H5Oclose(object) }
            collector.entries.append(Entry(path: "/" + String(cString: name!), isDataset: H5Iget_type(object) == H5I_DATASET))
            return 0
        }, Unmanaged.passUnretained(collector).toOpaque())
        guard status >= 0, !collector.failed else { throw HDF5Error("cannot list the objects of \(path)") }
        return collector.entries
    }

    /// True when a group or dataset exists at `objectPath`.
    public func exists(_ objectPath: String) -> Bool {
        var prefix = ""
        for part in objectPath.split(separator: "/") {
            prefix += "/" + part
            guard H5Lexists(file.id, prefix, ch5_p_default()) > 0 else { return false }
        }
        return true
    }

    /// The attributes of the object at `objectPath`, in creation order where the file tracks it.
    public func attributes(of objectPath: String = "/") throws -> [(String, AttributeValue)] {
        let object = try H5Handle(H5Oopen(file.id, objectPath, ch5_p_default()), "open \(objectPath)", close: H5Oclose)
        final class Names { var list: [String] = [] }
        let names = Names()
        let collect: H5A_operator2_t = { _, name, _, context in
            Unmanaged<Names>.fromOpaque(context!).takeUnretainedValue().list.append(String(cString: name!))
            return 0
        }
        let context = Unmanaged.passUnretained(names).toOpaque()
        if H5Aiterate2(object.id, H5_INDEX_CRT_ORDER, H5_ITER_INC, nil, collect, context) < 0 {
            names.list = []
            try h5check(H5Aiterate2(object.id, H5_INDEX_NAME, H5_ITER_INC, nil, collect, context),
                        "list attributes of \(objectPath)")
        }
        return try names.list.map { ($0, try readAttribute($0, of: object.id, at: objectPath)) }
    }

    /// The attribute `name` of the object at `objectPath`, or nil when it has none.
    public func attribute(_ name: String, of objectPath: String = "/") throws -> AttributeValue? {
        let object = try H5Handle(H5Oopen(file.id, objectPath, ch5_p_default()), "open \(objectPath)", close: H5Oclose)
        guard H5Aexists(object.id, name) > 0 else { return nil }
        return try readAttribute(name, of: object.id, at: objectPath)
    }

    /// The integer attribute `name` of `objectPath`, or nil when absent; any other kind of value
    /// is an error naming the file, the object and the attribute.
    public func integerAttribute(_ name: String, of objectPath: String = "/") throws -> Int64? {
        switch try attribute(name, of: objectPath) {
        case nil: return nil
        case .int(let value)?: return value
        case let other?: throw HDF5Error("\(path): \(objectPath) attribute \(name): expected a scalar integer, found \(other.kind)")
        }
    }

    /// The string attribute `name` of `objectPath`, or nil when absent; any other kind of value
    /// is an error naming the file, the object and the attribute.
    public func stringAttribute(_ name: String, of objectPath: String = "/") throws -> String? {
        switch try attribute(name, of: objectPath) {
        case nil: return nil
        case .string(let value)?: return value
        case let other?: throw HDF5Error("\(path): \(objectPath) attribute \(name): expected a scalar string, found \(other.kind)")
        }
    }

    /// Reads one scalar attribute. The class, the rank and the element size are checked before
    /// anything is copied: an array, a null dataspace or an unusual type is an error naming the
    /// attribute, never a read past a buffer.
    private func readAttribute(_ name: String, of object: hid_t, at objectPath: String) throws -> AttributeValue {
        let attribute = try H5Handle(H5Aopen(object, name, ch5_p_default()), "open attribute \(name)", close: H5Aclose)
        let type = try H5Handle(H5Aget_type(attribute.id), "read type of \(name)", close: H5Tclose)
        let space = try H5Handle(H5Aget_space(attribute.id), "read dataspace of \(name)", close: H5Sclose)
        let typeClass = H5Tget_class(type.id)
        let found = Self.describe(type: type.id, space: space.id)
        func unexpected(_ expected: String) -> HDF5Error {
            HDF5Error("\(path): \(objectPath) attribute \(name): expected \(expected), found \(found)")
        }
        let expected: String
        switch typeClass {
        case H5T_INTEGER: expected = "a scalar integer"
        case H5T_FLOAT: expected = "a scalar number"
        case H5T_STRING: expected = "a scalar string"
        default: throw unexpected("a scalar integer, number or string")
        }
        guard H5Sget_simple_extent_type(space.id) == H5S_SCALAR
                || (H5Sget_simple_extent_type(space.id) == H5S_SIMPLE && H5Sget_simple_extent_npoints(space.id) == 1) else {
            throw unexpected(expected)
        }
        switch typeClass {
        case H5T_INTEGER:
            var v: Int64 = 0
            try h5check(H5Aread(attribute.id, ch5_native_int64(), &v), "read attribute \(name) of \(objectPath) as an integer")
            return .int(v)
        case H5T_FLOAT:
            var v: Double = 0
            try h5check(H5Aread(attribute.id, ch5_native_double(), &v), "read attribute \(name) of \(objectPath) as a number")
            return .double(v)
        default:
            if H5Tis_variable_str(type.id) > 0 {
                var pointer: UnsafeMutablePointer<CChar>? = nil
                try h5check(H5Aread(attribute.id, type.id, &pointer), "read attribute \(name) of \(objectPath)")
                defer { H5free_memory(pointer) }
                return .string(pointer.map { String(cString: $0) } ?? "")
            }
            let size = H5Tget_size(type.id)
            guard size > 0, size <= Self.maxAttributeBytes else { throw unexpected("a string of at most \(Self.maxAttributeBytes) bytes") }
            var bytes = [UInt8](repeating: 0, count: size)
            try h5check(H5Aread(attribute.id, type.id, &bytes), "read attribute \(name) of \(objectPath)")
            return .string(String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self))
        }
    }

    /// Largest fixed-length string attribute read (a run's config is a few kB).
    static let maxAttributeBytes = 64 << 20

    /// "int64[3]", "float64", "string", "compound[2x2]": what an attribute or dataset holds.
    static func describe(type: hid_t, space: hid_t) -> String {
        let size = H5Tget_size(type) * 8
        let base: String
        switch H5Tget_class(type) {
        case H5T_INTEGER: base = (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(size)"
        case H5T_FLOAT: base = "float\(size)"
        case H5T_STRING: base = "string"
        case H5T_COMPOUND: base = "compound"
        case H5T_ARRAY: base = "array"
        case H5T_ENUM: base = "enum"
        case H5T_VLEN: base = "variable-length sequence"
        case H5T_REFERENCE: base = "reference"
        case H5T_OPAQUE: base = "opaque"
        case H5T_BITFIELD: base = "bitfield"
        default: base = "an unknown type"
        }
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: return base
        case H5S_NULL: return "\(base) (empty)"
        default:
            let rank = max(0, Int(H5Sget_simple_extent_ndims(space)))
            var dims = [hsize_t](repeating: 0, count: rank)
            _ = H5Sget_simple_extent_dims(space, &dims, nil)
            return "\(base)[\(dims.map { String($0) }.joined(separator: "x"))]"
        }
    }

    /// Number of rows of the dataset at `datasetPath`.
    public func rowCount(_ datasetPath: String) throws -> Int {
        let dataset = try openDataset(datasetPath)
        let space = try H5Handle(H5Dget_space(dataset.id), "read dataspace of \(datasetPath)", close: H5Sclose)
        return Int(H5Sget_simple_extent_npoints(space.id))
    }

    /// Column names of the compound dataset at `datasetPath`.
    public func columnNames(_ datasetPath: String) throws -> [String] {
        let dataset = try openDataset(datasetPath)
        let type = try H5Handle(H5Dget_type(dataset.id), "read type of \(datasetPath)", close: H5Tclose)
        guard H5Tget_class(type.id) == H5T_COMPOUND else { return [] }
        return (0..<max(0, Int(H5Tget_nmembers(type.id)))).map { i in
            let name = H5Tget_member_name(type.id, UInt32(i))!
            defer { H5free_memory(name) }
            return String(cString: name)
        }
    }

    /// The named integer (or any numeric) column, converted to Int64.
    public func int64Column(_ datasetPath: String, _ column: String) throws -> [Int64] {
        try readColumn(datasetPath, column, memberType: ch5_native_int64(), initial: Int64(0))
    }

    /// The named numeric column, converted to Double.
    public func doubleColumn(_ datasetPath: String, _ column: String) throws -> [Double] {
        try readColumn(datasetPath, column, memberType: ch5_native_double(), initial: 0.0)
    }

    /// The named column in the form the writer uses: integers as `.int64`, floats as `.double`,
    /// strings as `.string`; any other member type is an error.
    public func column(_ datasetPath: String, _ name: String) throws -> ColumnData {
        let dataset = try openDataset(datasetPath)
        let type = try H5Handle(H5Dget_type(dataset.id), "read type of \(datasetPath)", close: H5Tclose)
        guard H5Tget_class(type.id) == H5T_COMPOUND else { throw HDF5Error("\(path): \(datasetPath) is not a table") }
        let index = H5Tget_member_index(type.id, name)
        guard index >= 0 else { throw HDF5Error("\(path): dataset \(datasetPath) has no column '\(name)'") }
        switch H5Tget_member_class(type.id, UInt32(index)) {
        case H5T_INTEGER: return .int64(try int64Column(datasetPath, name))
        case H5T_FLOAT: return .double(try doubleColumn(datasetPath, name))
        case H5T_STRING: return .string(try stringColumn(datasetPath, name))
        default: throw HDF5Error("\(path): column \(name) of \(datasetPath) is neither numbers nor text")
        }
    }

    /// The named string column.
    public func stringColumn(_ datasetPath: String, _ column: String) throws -> [String] {
        let utf8 = try H5Types.utf8String()
        let pointers: [UnsafeMutablePointer<CChar>?] = try readColumn(datasetPath, column, memberType: utf8.id, initial: nil)
        defer { for i in pointers.indices { H5free_memory(pointers[i]) } }
        return pointers.map { $0.map { String(cString: $0) } ?? "" }
    }

    private func openDataset(_ datasetPath: String) throws -> H5Handle {
        try H5Handle(H5Dopen2(file.id, datasetPath, ch5_p_default()), "open dataset \(datasetPath) in \(path)", close: H5Dclose)
    }

    /// Reads one member of a compound dataset by name: HDF5 matches memory and file members by
    /// name, so a one-member memory type selects that column and converts its type.
    private func readColumn<T>(_ datasetPath: String, _ column: String, memberType: hid_t, initial: T) throws -> [T] {
        guard try columnNames(datasetPath).contains(column) else {
            throw HDF5Error("\(path): dataset \(datasetPath) has no column '\(column)'")
        }
        let dataset = try openDataset(datasetPath)
        let rows = try rowCount(datasetPath)
        guard rows <= SystemMemory.affordableElements(ofBytes: MemoryLayout<T>.stride) else {
            throw HDF5Error("\(path): dataset \(datasetPath) declares \(rows) rows, more than this machine's memory can hold")
        }
        let memory = try H5Handle(H5Tcreate(H5T_COMPOUND, MemoryLayout<T>.stride), "create column type", close: H5Tclose)
        try h5check(H5Tinsert(memory.id, column, 0, memberType), "select column \(column)")
        var values = [T](repeating: initial, count: rows)
        guard rows > 0 else { return values }
        try values.withUnsafeMutableBytes { raw in
            try h5check(H5Dread(dataset.id, memory.id, ch5_s_all(), ch5_s_all(), ch5_p_default(), raw.baseAddress),
                        "read column \(column) of \(datasetPath)")
        }
        return values
    }
}
