import CHDF5

/// A failure of the HDF5 library or of the file layout.
public struct HDF5Error: Error, CustomStringConvertible {
    public let description: String
    /// Creates an error with its message.
    public init(_ what: String) { self.description = what }
}

/// Owns an HDF5 identifier and closes it with the matching function.
final class H5Handle {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    init(_ id: hid_t, _ what: @autoclosure () -> String, close: @escaping (hid_t) -> herr_t) throws {
        guard id >= 0 else { throw HDF5Error("HDF5: cannot \(what())") }
        self.id = id
        self.close = close
    }

    deinit { _ = close(id) }
}

@inline(__always)
func h5check(_ status: herr_t, _ what: @autoclosure () -> String) throws {
    if status < 0 { throw HDF5Error("HDF5: cannot \(what())") }
}

enum H5Types {
    /// A variable-length UTF-8 string type (caller closes).
    static func utf8String() throws -> H5Handle {
        let t = try H5Handle(H5Tcopy(ch5_c_s1()), "copy string type", close: H5Tclose)
        try h5check(H5Tset_size(t.id, ch5_t_variable()), "set string size")
        try h5check(H5Tset_cset(t.id, H5T_CSET_UTF8), "set UTF-8")
        return t
    }

    /// An object-creation property list of `cls` with modification times off (byte-identical
    /// output) and attribute creation order tracked (the summary keeps its order).
    static func creationList(_ cls: hid_t) throws -> H5Handle {
        let p = try H5Handle(H5Pcreate(cls), "create property list", close: H5Pclose)
        try h5check(H5Pset_obj_track_times(p.id, false), "turn off time tracking")
        try h5check(H5Pset_attr_creation_order(p.id, UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)),
                    "track attribute order")
        return p
    }
}
