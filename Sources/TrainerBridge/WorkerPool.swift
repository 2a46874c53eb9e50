#if canImport(Glibc)
import Glibc
#endif
import Learning

/// Long-lived worker processes that answer requests in parallel. Results come back in request
/// order, never in completion order, so which worker served which request cannot show in them.
final class WorkerPool {
    /// One request: who it is for, and its bytes (in pieces, `Frame.encode`).
    struct Job {
        /// The client, or nil for a request to the worker itself (`init`).
        var client: Int?
        var round: Int?
        /// The method, for messages ("fit", "evaluate", "get_parameters").
        var method: String
        var bytes: [[UInt8]]
    }

    private var workers: [WorkerProcess] = []
    private let timeoutS: Double
    private var closed = false

    /// Starts `count` workers of `python` and sends each the `init` request; throws a
    /// `TrainerError` (with the Python traceback) when the module cannot be loaded.
    init(count: Int, python: String, timeoutS: Double, initRequest: [[UInt8]]) throws {
        self.timeoutS = timeoutS
        // One thread per worker (reproducible floating point), and hash seeds fixed so that a
        // client iterating a set sees the same order every run.
        // glibc's malloc keeps freed model-sized buffers for reuse instead of returning them to
        // the kernel: refaulting megabytes of fresh pages on every call cost more than the copies.
        let environment = ["OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
                           "MALLOC_MMAP_THRESHOLD_": String(Self.mmapThreshold), "MALLOC_TRIM_THRESHOLD_": String(Self.trimThreshold)]
        Self.keepFreedBuffers
        do {
            for _ in 0..<count { workers.append(try WorkerProcess(python: python, environment: environment)) }
        } catch WorkerFailure.protocolError(let why) {
            close(killing: true)
            throw TrainerError("federation.trainer.python: cannot start '\(python)' (\(why))")
        }
        _ = try dispatch((0..<count).map { _ in Job(client: nil, round: nil, method: "init", bytes: initRequest) }, pinned: true)
    }

    deinit { close() }

    /// Allocations below this come from the heap, not fresh mappings.
    static let mmapThreshold = 256 << 20
    /// Free heap memory kept before any is returned to the kernel.
    static let trimThreshold = 1 << 30

    /// The same malloc settings in this process, once (M_TRIM_THRESHOLD is -1 and
    /// M_MMAP_THRESHOLD -3 in glibc's malloc.h).
    private static let keepFreedBuffers: Void = {
        _ = glibcMallopt(-3, Int32(mmapThreshold))
        _ = glibcMallopt(-1, Int32(trimThreshold))
    }()

    /// Sends every job and returns the replies in job order. With `pinned`, job i goes to
    /// worker i (one job per worker). Throws a `TrainerError` naming the job's client and round
    /// when a worker fails, times out, or its client raised; the pool is then closed.
    func dispatch(_ jobs: [Job], pinned: Bool = false) throws -> [Frame] {
        guard !closed else { throw TrainerError("the Python workers were already stopped") }
        var results = [Frame?](repeating: nil, count: jobs.count)
        var next = 0, done = 0
        var running: [(worker: Int, job: Int, deadline: Double)] = []
        var idle = Array(workers.indices.reversed())
        do {
            while done < jobs.count {
                while next < jobs.count, let worker = pinned ? (next < workers.count ? next : nil) : idle.popLast() {
                    running.append((worker, next, WorkerProcess.monotonicSeconds() + timeoutS))
                    do {
                        try workers[worker].send(jobs[next].bytes)
                    } catch let failure as WorkerFailure {
                        throw JobFailure(failure: failure, job: next)
                    }
                    next += 1
                }
                var fds = running.map { pollfd(fd: workers[$0.worker].replyDescriptor, events: Int16(POLLIN), revents: 0) }
                let earliest = running.map(\.deadline).min()!
                let waitMs = Int32(max(0, min((earliest - WorkerProcess.monotonicSeconds()) * 1000 + 1, 3_600_000)))
                let ready = poll(&fds, nfds_t(fds.count), waitMs)
                if ready < 0 && errno == EINTR { continue }
                if ready == 0 {
                    if let late = running.firstIndex(where: { $0.deadline <= WorkerProcess.monotonicSeconds() }) {
                        throw JobFailure(failure: .timedOut(seconds: timeoutS), job: running[late].job)
                    }
                    continue
                }
                var finished: [Int] = []
                for (k, fd) in fds.enumerated() where fd.revents != 0 {
                    let (worker, job, deadline) = running[k]
                    do {
                        results[job] = try workers[worker].receive(deadline: deadline, timeout: timeoutS)
                    } catch let failure as WorkerFailure {
                        throw JobFailure(failure: failure, job: job)
                    }
                    finished.append(k)
                    idle.append(worker)
                    done += 1
                }
                for k in finished.reversed() { running.remove(at: k) }
            }
        } catch let failed as JobFailure {
            close(killing: true)
            let job = jobs[failed.job]
            throw TrainerError(client: job.client, round: job.round, describe(failed.failure, method: job.method))
        }
        let frames = results.map { $0! }
        for (job, frame) in zip(jobs, frames) where frame.header["ok"] as? Bool != true {
            close(killing: true)
            let error = frame.header["error"] as? String ?? "the worker replied without ok"
            let traceback = (frame.header["traceback"] as? String).map { "\n" + $0 } ?? ""
            // A client's exception is "fit raised ...", a broken contract the worker's own words.
            let failure = frame.header["raised"] as? Bool == true && job.method != "init" ? "\(job.method) raised \(error)" : error
            throw TrainerError(client: job.client, round: job.round, failure + traceback)
        }
        return frames
    }

    private func describe(_ failure: WorkerFailure, method: String) -> String {
        switch failure {
        case .died(let status): "the Python worker \(status) during \(method)"
        case .timedOut(let seconds):
            "\(method) did not answer within \(seconds) s (federation.trainer.timeout_s); its worker was killed"
        case .protocolError(let why): "the Python worker broke the protocol during \(method): \(why)"
        }
    }

    /// Stops every worker (asking first unless `killing`, then killing stragglers) and reaps
    /// it: nothing is left running and no zombie remains.
    func close(killing: Bool = false) {
        guard !closed else { return }
        closed = true
        for worker in workers {
            if killing { worker.kill() } else { worker.shutdown() }
        }
    }
}

/// A worker's failure together with the job it happened to, so the message names the client.
private struct JobFailure: Error {
    var failure: WorkerFailure
    var job: Int
}

/// glibc's `mallopt` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
