import Foundation

/// The one reader of line-oriented input files (edge lists, dropout traces, and any new one):
/// LF or CRLF endings, a UTF-8 byte-order mark, `#` comments, and errors at `file:line`.
///
/// Lines are split on the Unicode scalar `\n`, not on `Character`: Swift treats `"\r\n"` as one
/// character, so splitting a CRLF file by characters would see a single line.
struct TextLines {
    /// One non-blank line: its 1-based number and its fields (split on commas, spaces and tabs).
    struct Line {
        var number: Int
        var text: Substring
        var fields: [Substring]
    }

    let path: String
    /// The non-blank lines, comments removed, in file order.
    let lines: [Line]

    /// Reads `path`; `keyPath` names the config key that gave it, for errors.
    init(path: String, keyPath: String, what: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(origin: .unlocated(path: path), keyPath: keyPath, message: "cannot read the \(what) (\(FileProblem.reason(path)))")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw ConfigError(origin: .unlocated(path: path), keyPath: keyPath, message: "the \(what) is not UTF-8 text")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        self.path = path
        var lines: [Line] = []
        for (index, raw) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var scalars = raw
            if scalars.last == "\r" { scalars = scalars.dropLast() }
            let line = Substring(scalars).prefix { $0 != "#" }
            let fields = line.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })
            if !fields.isEmpty { lines.append(Line(number: index + 1, text: line.trimmingCharacters(in: .whitespaces)[...], fields: fields)) }
        }
        self.lines = lines
    }

    /// The lines after an optional header: a first line whose fields are exactly `header`
    /// (case-insensitive) is skipped. Any other line is data, so a misspelt header is an error
    /// at its line rather than a silently dropped row.
    func dataLines(header: [String]) -> ArraySlice<Line> {
        guard let first = lines.first, first.fields.map({ $0.lowercased() }) == header else { return lines[...] }
        return lines.dropFirst()
    }

    /// An error at `line`.
    func error(_ line: Line, keyPath: String, _ message: String) -> ConfigError {
        ConfigError(origin: .file(path: path, line: line.number, column: 1), keyPath: keyPath, message: message)
    }
}

/// Why a path cannot be read, in a few words.
enum FileProblem {
    /// Why `path` cannot be read as a file, or nil when it can.
    static func unreadable(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              FileManager.default.isReadableFile(atPath: path) else { return reason(path) }
        return nil
    }

    static func reason(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "it is a directory" }
        return FileManager.default.isReadableFile(atPath: path) ? "not readable" : "permission denied"
    }
}
