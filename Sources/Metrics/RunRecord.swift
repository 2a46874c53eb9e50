import SimKernel

/// A scalar stored as an HDF5 attribute.
public enum AttributeValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int64)
    case double(Double)
    case string(String)

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return v.isFinite ? String(v) : "nan"
        case .string(let v): return v
        }
    }

    /// What kind of value this is, for messages: "an integer", "a number", "a string".
    public var kind: String {
        switch self {
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        }
    }

    /// The value as a Double, when it is numeric.
    public var number: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        case .string: return nil
        }
    }
}

/// The values of one table column.
public enum ColumnData: Sendable, Equatable {
    case int64([Int64])
    case double([Double])
    case uint8([UInt8])
    /// Stored as variable-length UTF-8 strings.
    case string([String])

    /// Number of rows.
    public var count: Int {
        switch self {
        case .int64(let v): return v.count
        case .double(let v): return v.count
        case .uint8(let v): return v.count
        case .string(let v): return v.count
        }
    }
}

/// A named column.
public struct Column: Sendable, Equatable {
    public var name: String
    public var data: ColumnData
    /// Creates a column.
    public init(_ name: String, _ data: ColumnData) {
        self.name = name
        self.data = data
    }
}

/// Rows of equal-length named columns, written as one compound HDF5 dataset (a structured array
/// in h5py). Time series are tables whose first column is `t_ns`.
public struct Table: Sendable, Equatable {
    /// The columns, in file order.
    public private(set) var columns: [Column]
    /// Attributes stored on the dataset (units, region names, ...).
    public var attributes: [(String, AttributeValue)] = []

    /// Creates a table; every column must have the same number of rows.
    public init(_ columns: [Column], attributes: [(String, AttributeValue)] = []) {
        precondition(!columns.isEmpty, "a table needs at least one column")
        let rows = columns[0].data.count
        precondition(columns.allSatisfy { $0.data.count == rows }, "table columns differ in length")
        precondition(Set(columns.map(\.name)).count == columns.count, "duplicate column name")
        self.columns = columns
        self.attributes = attributes
    }

    /// A time series: `t_ns` followed by value columns.
    public static func timeSeries(times: [SimTime], _ values: [Column], attributes: [(String, AttributeValue)] = []) -> Table {
        Table([Column("t_ns", .int64(times.map { Int64(clamping: $0.nanoseconds) }))] + values, attributes: attributes)
    }

    /// Number of rows.
    public var rowCount: Int { columns[0].data.count }

    public static func == (a: Table, b: Table) -> Bool {
        a.columns == b.columns && a.attributes.elementsEqual(b.attributes) { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}

/// Everything one run writes: root attributes, the summary scalars and the tables, in order.
/// Models fill it; `HDF5Writer` stores it. Nothing in it may depend on the wall clock or host.
public struct RunRecord: Sendable {
    /// Current HDF5 layout version (docs/hdf5-schema.md).
    public static let schemaVersion: Int64 = 1

    /// Attributes of `/` (schema_version, fedchain_version, seed, config, ...).
    public private(set) var rootAttributes: [(String, AttributeValue)] = []
    /// Attributes of `/summary`.
    public private(set) var summary: [(String, AttributeValue)] = []
    /// Datasets by absolute path (`/chain/blocks`, `/metrics/chain`, ...).
    public private(set) var tables: [(path: String, table: Table)] = []

    /// Creates an empty record.
    public init() {}

    /// Sets a root attribute, replacing one of the same name.
    public mutating func setRootAttribute(_ name: String, _ value: AttributeValue) {
        Self.upsert(&rootAttributes, name, value)
    }

    /// Sets a summary value, replacing one of the same name.
    public mutating func setSummary(_ key: String, _ value: AttributeValue) {
        Self.upsert(&summary, key, value)
    }

    /// The summary value for `key`, if set.
    public func summaryValue(_ key: String) -> AttributeValue? {
        summary.first { $0.0 == key }?.1
    }

    /// Adds (or replaces) the dataset at `path`, e.g. `/chain/blocks`.
    public mutating func setTable(_ path: String, _ table: Table) {
        precondition(path.hasPrefix("/") && !path.hasSuffix("/") && !path.contains("//"), "bad dataset path \(path)")
        if let i = tables.firstIndex(where: { $0.path == path }) { tables[i].table = table } else { tables.append((path, table)) }
    }

    /// The dataset at `path`, if set.
    public func table(_ path: String) -> Table? { tables.first { $0.path == path }?.table }

    private static func upsert(_ list: inout [(String, AttributeValue)], _ name: String, _ value: AttributeValue) {
        if let i = list.firstIndex(where: { $0.0 == name }) { list[i].1 = value } else { list.append((name, value)) }
    }
}
