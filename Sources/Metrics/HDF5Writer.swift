import CHDF5
import Foundation

/// Writes a `RunRecord` as one HDF5 file (layout: docs/hdf5-schema.md).
///
/// The file is written under a temporary name beside the target and renamed into place only when
/// complete, so a crash never leaves a half-written file under the final name. Modification
/// times are off and compound types are packed, so equal records give byte-identical files.
public enum HDF5Writer {
    /// Rows per chunk of a table dataset.
    static let chunkRows = 4096

    /// Writes `record` to `path`, replacing any file there.
    ///
    /// HDF5 builds the whole file in memory (the core driver, no backing store) and `AtomicFile`
    /// puts the bytes on disk. So a disk error (a full filesystem) reaches us as a checked
    /// `write` failure, never as a half-flushed file inside the library that it would try to
    /// flush again at exit.
    public static func write(_ record: RunRecord, to path: String) throws {
        ch5_silence_errors()
        let image = try fileImage(record, name: path)
        try image.withUnsafeBytes { try AtomicFile.write($0, to: path) }
    }

    /// The bytes of the HDF5 file for `record`; `name` labels errors.
    static func fileImage(_ record: RunRecord, name path: String) throws -> [UInt8] {
        let fcpl = try H5Types.creationList(ch5_p_file_create())
        let fapl = try H5Handle(H5Pcreate(ch5_p_file_access()), "create file access list", close: H5Pclose)
        try h5check(H5Pset_fapl_core(fapl.id, 1 << 20, false), "keep \(path) in memory")
        let file = try H5Handle(H5Fcreate(path, ch5_f_acc_trunc(), fcpl.id, fapl.id),
                                "create \(path)", close: H5Fclose)
        try writeAttributes(record.rootAttributes, on: file.id)
        var groups: [String: H5Handle] = [:]
        let summary = try group("/summary", in: file.id, cache: &groups)
        try writeAttributes(record.summary, on: summary.id)
        for (path, table) in record.tables {
            let slash = path.lastIndex(of: "/")!
            let parentPath = String(path[..<slash])
            let parent = parentPath.isEmpty ? file.id : try group(parentPath, in: file.id, cache: &groups).id
            try writeTable(table, name: String(path[path.index(after: slash)...]), in: parent)
        }
        groups.removeAll()
        try h5check(H5Fflush(file.id, H5F_SCOPE_GLOBAL), "flush \(path)")
        let size = H5Fget_file_image(file.id, nil, 0)
        guard size > 0 else { throw HDF5Error("HDF5: cannot take the image of \(path)") }
        var image = [UInt8](repeating: 0, count: size)
        let copied = image.withUnsafeMutableBytes { H5Fget_file_image(file.id, $0.baseAddress, size) }
        guard copied == size else { throw HDF5Error("HDF5: cannot take the image of \(path)") }
        return image
    }

    /// Opens or creates the group at absolute `path` (and its parents).
    private static func group(_ path: String, in file: hid_t, cache: inout [String: H5Handle]) throws -> H5Handle {
        if let g = cache[path] { return g }
        let slash = path.lastIndex(of: "/")!
        let parentPath = String(path[..<slash])
        let parent = parentPath.isEmpty ? file : try group(parentPath, in: file, cache: &cache).id
        let gcpl = try H5Types.creationList(ch5_p_group_create())
        let g = try H5Handle(H5Gcreate2(parent, String(path[path.index(after: slash)...]), ch5_p_default(), gcpl.id,
                                        ch5_p_default()), "create group \(path)", close: H5Gclose)
        cache[path] = g
        return g
    }

    static func writeAttributes(_ attributes: [(String, AttributeValue)], on object: hid_t) throws {
        let scalar = try H5Handle(H5Screate(H5S_SCALAR), "create scalar space", close: H5Sclose)
        for (name, value) in attributes {
            switch value {
            case .int(var v):
                let a = try H5Handle(H5Acreate2(object, name, ch5_std_i64le(), scalar.id, ch5_p_default(), ch5_p_default()),
                                     "create attribute \(name)", close: H5Aclose)
                try h5check(H5Awrite(a.id, ch5_native_int64(), &v), "write attribute \(name)")
            case .double(var v):
                let a = try H5Handle(H5Acreate2(object, name, ch5_ieee_f64le(), scalar.id, ch5_p_default(), ch5_p_default()),
                                     "create attribute \(name)", close: H5Aclose)
                try h5check(H5Awrite(a.id, ch5_native_double(), &v), "write attribute \(name)")
            case .string(let v):
                let type = try H5Types.utf8String()
                let a = try H5Handle(H5Acreate2(object, name, type.id, scalar.id, ch5_p_default(), ch5_p_default()),
                                     "create attribute \(name)", close: H5Aclose)
                try v.withCString { cString in
                    var pointer: UnsafePointer<CChar>? = cString
                    try h5check(H5Awrite(a.id, type.id, &pointer), "write attribute \(name)")
                }
            }
        }
    }

    /// One column's memory type, file type and byte width in the packed row.
    private static func types(of data: ColumnData, utf8: H5Handle) -> (memory: hid_t, file: hid_t, size: Int) {
        switch data {
        case .int64: return (ch5_native_int64(), ch5_std_i64le(), 8)
        case .double: return (ch5_native_double(), ch5_ieee_f64le(), 8)
        case .uint8: return (ch5_native_uint8(), ch5_std_u8le(), 1)
        case .string: return (utf8.id, utf8.id, MemoryLayout<UnsafePointer<CChar>?>.size)
        }
    }

    private static func writeTable(_ table: Table, name: String, in parent: hid_t) throws {
        let utf8 = try H5Types.utf8String()
        let layout = table.columns.map { types(of: $0.data, utf8: utf8) }
        let rowSize = layout.reduce(0) { $0 + $1.size }
        let memoryType = try H5Handle(H5Tcreate(H5T_COMPOUND, rowSize), "create row type", close: H5Tclose)
        let fileType = try H5Handle(H5Tcreate(H5T_COMPOUND, rowSize), "create row type", close: H5Tclose)
        var offset = 0
        for (column, types) in zip(table.columns, layout) {
            try h5check(H5Tinsert(memoryType.id, column.name, offset, types.memory), "add column \(column.name)")
            try h5check(H5Tinsert(fileType.id, column.name, offset, types.file), "add column \(column.name)")
            offset += types.size
        }

        let rows = table.rowCount
        var dims: [hsize_t] = [hsize_t(rows)]
        var maxDims: [hsize_t] = [ch5_s_unlimited()]
        let space = try H5Handle(H5Screate_simple(1, &dims, &maxDims), "create dataspace", close: H5Sclose)
        let dcpl = try H5Types.creationList(ch5_p_dataset_create())
        var chunk: [hsize_t] = [hsize_t(min(max(rows, 1), chunkRows))]
        try h5check(H5Pset_chunk(dcpl.id, 1, &chunk), "set chunking")
        try h5check(H5Pset_shuffle(dcpl.id), "set shuffle filter")
        try h5check(H5Pset_deflate(dcpl.id, 4), "set deflate filter")
        let dataset = try H5Handle(H5Dcreate2(parent, name, fileType.id, space.id, ch5_p_default(), dcpl.id, ch5_p_default()),
                                   "create dataset \(name)", close: H5Dclose)
        try writeAttributes(table.attributes, on: dataset.id)
        guard rows > 0 else { return }

        var buffer = [UInt8](repeating: 0, count: rows * rowSize)
        var ownedStrings: [UnsafeMutablePointer<CChar>] = []
        defer { ownedStrings.forEach { free($0) } }
        buffer.withUnsafeMutableBytes { raw in
            var offset = 0
            for (column, types) in zip(table.columns, layout) {
                for row in 0..<rows {
                    let at = row * rowSize + offset
                    switch column.data {
                    case .int64(let v): raw.storeBytes(of: v[row], toByteOffset: at, as: Int64.self)
                    case .double(let v): raw.storeBytes(of: v[row], toByteOffset: at, as: Double.self)
                    case .uint8(let v): raw.storeBytes(of: v[row], toByteOffset: at, as: UInt8.self)
                    case .string(let v):
                        let copy = strdup(v[row])!
                        ownedStrings.append(copy)
                        raw.storeBytes(of: UnsafePointer(copy), toByteOffset: at, as: UnsafePointer<CChar>.self)
                    }
                }
                offset += types.size
            }
        }
        try buffer.withUnsafeBytes { raw in
            try h5check(H5Dwrite(dataset.id, memoryType.id, ch5_s_all(), ch5_s_all(), ch5_p_default(), raw.baseAddress),
                        "write dataset \(name)")
        }
    }
}
