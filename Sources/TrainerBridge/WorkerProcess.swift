import Foundation
#if canImport(Glibc)
import Glibc
#endif

#if _endian(big)
#error("the bridge's wire format is little-endian, as the host's must be")
#endif

/// The element types that cross the bridge, by their NumPy type strings (little-endian).
public enum WireType: String, Sendable, CaseIterable {
    case float32 = "<f4", float64 = "<f8", int32 = "<i4", int64 = "<i8"

    /// Bytes per element.
    public var size: Int { self == .float32 || self == .int32 ? 4 : 8 }
}

/// One array's type and shape.
public struct ArrayShape: Sendable, Equatable, CustomStringConvertible {
    public var type: WireType
    public var shape: [Int]

    /// Creates a shape.
    public init(type: WireType, shape: [Int]) {
        self.type = type
        self.shape = shape
    }

    /// Elements.
    public var count: Int { shape.reduce(1, *) }
    /// Bytes on the wire.
    public var byteCount: Int { count * type.size }
    public var description: String { "\(type) \(shape)" }
}

/// One message: a JSON header and raw little-endian arrays.
///
/// On the wire: the 4 bytes `FCB1`, the header's length (u32, little-endian), the header (UTF-8
/// JSON, whose `arrays` lists each array's `dtype` and `shape`), then each array's bytes in C
/// order, back to back.
public struct Frame {
    public static let magic: [UInt8] = Array("FCB1".utf8)
    /// Largest header accepted (a reply with a longer one is refused, not allocated).
    static let maxHeaderBytes = 64 << 20

    public var header: [String: Any]
    public var arrays: [(shape: ArrayShape, bytes: [UInt8])]

    /// A request's bytes in pieces, written one after another: the prefix and header, then each
    /// array's bytes (shared with the caller, not copied: a model is sent to many clients).
    /// `header` holds the JSON object's members without `arrays`.
    public static func encode(_ header: [String: JSONValue], arrays: [(shape: ArrayShape, bytes: [UInt8])]) -> [[UInt8]] {
        var members = header
        members["arrays"] = .array(arrays.map { .object(["dtype": .string($0.shape.type.rawValue), "shape": .array($0.shape.shape.map { .int(Int64($0)) })]) })
        let text = Array(JSONValue.object(members).jsonText.utf8)
        var head = magic
        withUnsafeBytes(of: UInt32(text.count).littleEndian) { head.append(contentsOf: $0) }
        return [head + text] + arrays.map(\.bytes)
    }
}

/// Why talking to a worker failed.
enum WorkerFailure: Error {
    /// The worker closed its pipe or could not be written to; it has exited with `status`.
    case died(status: String)
    /// No complete reply within the timeout; the worker was killed.
    case timedOut(seconds: Double)
    /// The reply broke the protocol.
    case protocolError(String)
}

/// One long-lived Python worker process and its two pipes.
final class WorkerProcess {
    private static let spawnLock = NSLock()

    let pid: pid_t
    private var requests: Int32
    private var replies: Int32
    private var reaped = false
    /// How the worker ended, once known.
    private var ending: String?

    /// Starts `python -u -c WorkerScript.bootstrap`, which reads the worker's program from its
    /// fd 3, then requests on fd 3 and replies on fd 4; its stdout joins FedChain's stderr. Throws a message when the interpreter cannot
    /// be started.
    init(python: String, environment: [String: String]) throws {
        signal(SIGPIPE, SIG_IGN)   // a dead worker is an error reply, not a dead FedChain
        // Pipes are made close-on-exec under a lock that every spawn here takes, so a worker
        // started by another thread (a sweep's) never inherits this worker's pipe ends.
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        var toWorker: [Int32] = [0, 0], fromWorker: [Int32] = [0, 0]
        guard pipe(&toWorker) == 0 else { throw WorkerFailure.protocolError("cannot create a pipe (\(String(cString: strerror(errno))))") }
        guard pipe(&fromWorker) == 0 else {
            close(toWorker[0]); close(toWorker[1])
            throw WorkerFailure.protocolError("cannot create a pipe (\(String(cString: strerror(errno))))")
        }
        for fd in toWorker + fromWorker { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // 1 MiB pipes (F_SETPIPE_SZ, Linux): fewer wake-ups for large arrays (best effort).
        for fd in [toWorker[1], fromWorker[0]] { _ = fcntl(fd, 1031, 1 << 20) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toWorker[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromWorker[1], 4)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        let arguments = [python, "-u", "-c", WorkerScript.bootstrap]
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let environ = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var cArguments = arguments.map { strdup($0) } + [nil]
        var cEnvironment = environ.map { strdup($0) } + [nil]
        defer {
            for p in cArguments { free(p) }
            for p in cEnvironment { free(p) }
        }
        var child: pid_t = 0
        let status = posix_spawnp(&child, python, &actions, nil, &cArguments, &cEnvironment)
        close(toWorker[0])
        close(fromWorker[1])
        guard status == 0 else {
            close(toWorker[1]); close(fromWorker[0])
            throw WorkerFailure.protocolError(status == ENOENT ? "not found" : String(cString: strerror(status)))
        }
        pid = child
        requests = toWorker[1]
        replies = fromWorker[0]
        // The worker's program follows on its fd 3 (its length, then its text), ahead of any
        // request; the pipe holds it until the interpreter reads it.
        let program = Array(WorkerScript.source.utf8)
        var length = [UInt8]()
        withUnsafeBytes(of: UInt32(program.count).littleEndian) { length.append(contentsOf: $0) }
        try? send([length, program])   // a worker that died at start shows at its first request
    }

    deinit { kill() }

    /// Writes a whole request, piece by piece.
    func send(_ parts: [[UInt8]]) throws {
        for bytes in parts {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { write(requests, $0.baseAddress! + offset, bytes.count - offset) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw WorkerFailure.died(status: waitStatus()) }
                offset += n
            }
        }
    }

    /// The descriptor to poll for a reply.
    var replyDescriptor: Int32 { replies }

    /// Reads one whole reply; waits at most until `deadline` (monotonic seconds) for each part.
    func receive(deadline: Double, timeout: Double) throws -> Frame {
        var prefix = [UInt8](repeating: 0, count: 8)
        try read(into: &prefix, deadline: deadline, timeout: timeout)
        guard Array(prefix[0..<4]) == Frame.magic else { throw WorkerFailure.protocolError("a reply does not start with FCB1") }
        let length = Int(UInt32(prefix[4]) | UInt32(prefix[5]) << 8 | UInt32(prefix[6]) << 16 | UInt32(prefix[7]) << 24)
        guard length <= Frame.maxHeaderBytes else { throw WorkerFailure.protocolError("a reply header of \(length) bytes") }
        var text = [UInt8](repeating: 0, count: length)
        try read(into: &text, deadline: deadline, timeout: timeout)
        guard let header = try? JSONSerialization.jsonObject(with: Data(text)) as? [String: Any] else {
            throw WorkerFailure.protocolError("a reply header is not a JSON object")
        }
        var arrays: [(shape: ArrayShape, bytes: [UInt8])] = []
        for spec in header["arrays"] as? [[String: Any]] ?? [] {
            guard let name = spec["dtype"] as? String, let type = WireType(rawValue: name),
                  let dims = spec["shape"] as? [Int], dims.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }) else {
                throw WorkerFailure.protocolError("a reply array has no valid dtype and shape")
            }
            let shape = ArrayShape(type: type, shape: dims)
            let (count, overflow) = dims.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, count <= (1 << 34) / type.size else { throw WorkerFailure.protocolError("a reply array of shape \(dims) is too large") }
            // Filled by the read itself: no zeroing pass over megabytes that are overwritten at once.
            let bytes = try [UInt8](unsafeUninitializedCapacity: shape.byteCount) { buffer, initialized in
                try read(into: UnsafeMutableRawBufferPointer(buffer), deadline: deadline, timeout: timeout)
                initialized = shape.byteCount
            }
            arrays.append((shape, bytes))
        }
        return Frame(header: header, arrays: arrays)
    }

    private func read(into buffer: inout [UInt8], deadline: Double, timeout: Double) throws {
        try buffer.withUnsafeMutableBytes { try read(into: $0, deadline: deadline, timeout: timeout) }
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Double, timeout: Double) throws {
        var offset = 0
        while offset < buffer.count {
            let remaining = deadline - Self.monotonicSeconds()
            guard remaining > 0 else { throw WorkerFailure.timedOut(seconds: timeout) }
            var poller = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining * 1000 + 1, 3_600_000)))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let n = Glibc.read(replies, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw WorkerFailure.died(status: waitStatus()) }
            offset += n
        }
    }

    /// Asks the worker to exit and waits for it (killing it after `grace` seconds).
    func shutdown(grace: Double = 2) {
        guard !reaped else { return }
        _ = try? send(Frame.encode(["op": .string("shutdown")], arrays: []))
        closePipes()
        let end = Self.monotonicSeconds() + grace
        while Self.monotonicSeconds() < end {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { reaped = true; return }
            usleep(2_000)
        }
        kill()
    }

    /// Kills the worker and reaps it (no zombie is left).
    func kill() {
        closePipes()
        guard !reaped else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
    }

    private func closePipes() {
        if requests >= 0 { close(requests); requests = -1 }
        if replies >= 0 { close(replies); replies = -1 }
    }

    /// How the worker ended (it is reaped here, once), e.g. "was killed by signal 9 (SIGKILL)".
    private func waitStatus() -> String {
        if let ending { return ending }
        let text = reap()
        ending = text
        return text
    }

    private func reap() -> String {
        closePipes()
        var status: Int32 = 0
        var result: pid_t = 0
        // The pipe closed, so the process is exiting: give it a moment to be reapable.
        for _ in 0..<500 {
            result = waitpid(pid, &status, WNOHANG)
            if result != 0 { break }
            usleep(2_000)
        }
        if result == 0 {
            kill()
            return "closed its pipe and was killed"
        }
        reaped = true
        if status & 0x7f == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let signal = status & 0x7f
        return "was killed by signal \(signal)\(signal == SIGKILL ? " (SIGKILL)" : signal == SIGSEGV ? " (SIGSEGV)" : "")"
    }

    /// Seconds of the monotonic clock: used only to bound waits, never for results.
    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}
