import Crypto
import Foundation

/// The SHA-256 of a file's bytes, read in pieces (data sets can be large).
enum FileDigest {
    static func sha256(_ path: String, key: String, source: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConfigError(origin: .unlocated(path: source), keyPath: key, message: "cannot read \(path): \(FileProblem.reason(path))")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let piece = try handle.read(upToCount: 1 << 20) ?? Data()
            if piece.isEmpty { break }
            hasher.update(data: piece)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of `text`'s UTF-8 bytes.
    static func sha256(text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
