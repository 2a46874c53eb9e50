#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What this machine can allocate, so that sizes known in advance (a declared dataset shape, a
/// client count) are refused with a message instead of ending in an allocation abort.
public enum SystemMemory {
    /// Physical memory in bytes (`sysconf`), or `Int.max` when the system does not say.
    public static var physicalBytes: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return Int.max }
        return pages.multipliedReportingOverflow(by: pageSize).overflow ? Int.max : pages * pageSize
    }

    /// The address-space limit (`ulimit -v`) in bytes, or `Int.max` when there is none.
    public static var addressSpaceLimitBytes: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return Int.max }
        return limit.rlim_cur >= UInt(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// The most bytes one run may plan to hold: the smaller of physical memory and `ulimit -v`.
    public static var budgetBytes: Int { min(physicalBytes, addressSpaceLimitBytes) }

    /// How many elements of `bytes` each fit in the budget.
    public static func affordableElements(ofBytes bytes: Int) -> Int { budgetBytes / max(bytes, 1) }
}
