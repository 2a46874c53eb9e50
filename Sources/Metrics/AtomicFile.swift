import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader never sees half of one: the bytes go to a temporary beside the
/// target (`PATH.tmp-PID-UUID`), held under an exclusive `flock` while it exists, and are renamed
/// into place only when complete and synced.
///
/// The lock is what proves a temporary alive: the kernel drops it when the writer dies, however it
/// dies (SIGKILL included), and it is seen across PID namespaces and (on NFS) across machines,
/// which a process id is not. `removeDeadTemporaries` deletes only temporaries whose lock it can
/// take and that have not changed for `deadAfterSeconds`.
public enum AtomicFile {
    /// What a temporary's name adds to its target's.
    public static let temporaryMarker = ".tmp-"
    /// A temporary must be unlocked and unchanged this long before a cleaner removes it (closes the
    /// window between a writer's `open` and its `flock`).
    public static let deadAfterSeconds = 10.0

    /// Writes `bytes` to `path`, replacing what is there only once every byte is on disk. On any
    /// failure (a full disk, a missing folder) the temporary is removed, the old file is kept and
    /// the error names the path and the system's reason.
    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let temporary = "\(path)\(temporaryMarker)\(getpid())-\(UUID().uuidString)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HDF5Error("cannot write \(path): \(String(cString: strerror(errno)))") }
        SignalCleanup.register(temporary)
        defer { SignalCleanup.unregister() }
        do {
            do {
                defer { close(fd) }
                _ = flock(fd, LOCK_EX)
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { throw HDF5Error("cannot write \(path): \(String(cString: strerror(errno)))") }
                    offset += written
                }
                guard fsync(fd) == 0 else { throw HDF5Error("cannot write \(path): \(String(cString: strerror(errno)))") }
            }
            // Closed (and unlocked) before the rename: a cleaner also needs 10 s without change,
            // and the file was written just now.
            guard rename(temporary, path) == 0 else {
                throw HDF5Error("cannot move \(temporary) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Removes the dead temporaries of `path` (left by writers that were killed).
    public static func removeDeadTemporaries(of path: String) {
        let url = URL(fileURLWithPath: path)
        let prefix = url.lastPathComponent + temporaryMarker
        removeDeadTemporaries(in: url.deletingLastPathComponent().path) { $0.hasPrefix(prefix) }
    }

    /// Removes every dead temporary in `directory` whose name passes `matches` (default: all).
    public static func removeDeadTemporaries(in directory: String, matching matches: (String) -> Bool = { _ in true }) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where isTemporaryName(name) && matches(name) {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            if isDead(path) { unlink(path) }
        }
    }

    /// True for names this type gives temporaries: `TARGET.tmp-PID-UUID`.
    static func isTemporaryName(_ name: String) -> Bool {
        guard let marker = name.range(of: temporaryMarker, options: .backwards) else { return false }
        let tail = name[marker.upperBound...]
        guard let dash = tail.firstIndex(of: "-"), !tail[..<dash].isEmpty, tail[..<dash].allSatisfy(\.isNumber) else { return false }
        return UUID(uuidString: String(tail[tail.index(after: dash)...])) != nil
    }

    /// True when nobody holds the temporary's lock and it has not changed for `deadAfterSeconds`.
    static func isDead(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        let age = Date().timeIntervalSince1970 - (Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
        guard age >= deadAfterSeconds else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) == 0
    }
}

/// Removes the temporary being written when SIGINT, SIGTERM or SIGHUP ends the process, then lets
/// the signal end it as before. The path lives in a fixed buffer: a signal handler may not
/// allocate. One temporary at a time per process (writers already take turns: HDF5 is serial).
public enum SignalCleanup {
    nonisolated(unsafe) private static let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(PATH_MAX) + 1)
    nonisolated(unsafe) private static var active: sig_atomic_t = 0

    /// Installs the handlers (once per process; the CLI calls it at start). SIGXFSZ is ignored, so
    /// a file-size limit (`ulimit -f`) makes `write` fail with a message instead of killing.
    public static func install() {
        buffer[0] = 0
        Glibc.signal(SIGXFSZ, SIG_IGN)
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                if SignalCleanup.active != 0 { unlink(SignalCleanup.buffer) }
                Glibc.signal(number, SIG_DFL)
                raise(number)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(bitPattern: SA_RESETHAND)
            sigaction(signal, &action, nil)
        }
    }

    static func register(_ path: String) {
        let bytes = Array(path.utf8.prefix(Int(PATH_MAX)))
        active = 0
        for (i, byte) in bytes.enumerated() { buffer[i] = CChar(bitPattern: byte) }
        buffer[bytes.count] = 0
        active = 1
    }

    static func unregister() { active = 0 }
}
