import Crypto
import Ledger
import Metrics

/// What makes a federated run file's history checkable beyond the on-chain records: a digest
/// per round (every column of its `/fl/rounds` row and its `/fl/participants` rows), a digest per
/// column (of `/fl/rounds`, `/fl/participants`, `/nodes.fl_reward`), and one digest over the
/// config, the round count and all of those.
///
/// The on-chain record cannot hold the block that includes it or when it was confirmed; these
/// digests cover them. An edit to one value then shows in exactly one row digest (the round) and
/// one column digest (the field); removing rows changes the round count. They guard against
/// accidental or careless edits: anyone can recompute an unkeyed digest.
struct RoundHistoryDigest {
    /// `/fl/rounds` columns, without `row_sha256`.
    var rounds: [Column]
    /// `/fl/participants` columns.
    var participants: [Column]
    /// `/nodes.fl_reward`.
    var nodeRewards: Column
    /// The root `config` attribute.
    var config: String
    /// `summary.fl_rounds`.
    var roundCount: Int64

    /// The digest of each `/fl/rounds` row, with its participants' rows.
    func rowDigests() -> [[UInt8]] {
        let roundNumbers = Self.integers(rounds.first { $0.name == "round" }?.data)
        let participantRounds = Self.integers(participants.first { $0.name == "round" }?.data)
        return (0..<(rounds.first?.data.count ?? 0)).map { row in
            var hasher = SHA256()
            Self.put(Int64(row), &hasher)
            for column in rounds { Self.put(column, row: row, &hasher) }
            let round = row < roundNumbers.count ? roundNumbers[row] : -1
            for member in participantRounds.indices where participantRounds[member] == round {
                for column in participants { Self.put(column, row: member, &hasher) }
            }
            return Array(hasher.finalize())
        }
    }

    /// The digest of each field: every column (`fl/rounds.dropped`), the config attribute
    /// (`config`) and the summary's round count (`summary.fl_rounds`).
    func columnDigests() -> [(name: String, sha256: [UInt8])] {
        let named = rounds.map { ("fl/rounds.\($0.name)", $0) } + participants.map { ("fl/participants.\($0.name)", $0) }
            + [("nodes.fl_reward", nodeRewards), ("config", Column("config", .string([config]))),
               ("summary.fl_rounds", Column("fl_rounds", .int64([roundCount])))]
        return named.map { name, column in
            var hasher = SHA256()
            Self.put(Int64(column.data.count), &hasher)
            for row in 0..<column.data.count { Self.put(column, row: row, &hasher) }
            return (name, Array(hasher.finalize()))
        }
    }

    /// The digest over everything: the row digests, then the field digests.
    func history() -> [UInt8] {
        var hasher = SHA256()
        for digest in rowDigests() { hasher.update(data: digest) }
        for (name, digest) in columnDigests() {
            hasher.update(data: Array(name.utf8))
            hasher.update(data: digest)
        }
        return Array(hasher.finalize())
    }

    /// The column digests as the text stored in `/fl/rounds`'s `column_sha256` attribute.
    func columnDigestText() -> String {
        columnDigests().map { "\($0.name): \(ModelRecord.hex($0.sha256))\n" }.joined()
    }

    // Integers of any width hash alike (the file may widen a uint8), as do the writer's and the
    // reader's doubles and strings.
    private static func put(_ column: Column, row: Int, _ hasher: inout SHA256) {
        switch column.data {
        case .int64(let values): put(values[row], &hasher)
        case .uint8(let values): put(Int64(values[row]), &hasher)
        case .double(let values): put(Int64(bitPattern: values[row].bitPattern), &hasher)
        case .string(let values):
            put(Int64(values[row].utf8.count), &hasher)
            hasher.update(data: Array(values[row].utf8))
        }
    }

    private static func put(_ value: Int64, _ hasher: inout SHA256) {
        withUnsafeBytes(of: value.littleEndian) { hasher.update(bufferPointer: $0) }
    }

    private static func integers(_ data: ColumnData?) -> [Int64] {
        switch data {
        case .int64(let values)?: return values
        case .uint8(let values)?: return values.map(Int64.init)
        case .double(let values)?: return values.map { Int64(exactly: $0) ?? -1 }
        default: return []
        }
    }
}
