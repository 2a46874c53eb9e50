import Foundation

/// One readable line for any error a command reports: Foundation's file errors become
/// "PATH: No such file or directory" instead of their `NSCocoaErrorDomain` dump.
public enum FailureText {
    /// The message for `error`.
    public static func describe(_ error: Error) -> String {
        let text = "\(error)"
        guard text.contains("NSCocoaErrorDomain") || text.contains("NSPOSIXErrorDomain") else { return text }
        let ns = error as NSError
        let path = ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        var reason = ns.localizedDescription
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code)))
        } else if ns.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(ns.code)))
        }
        return path.map { "\($0): \(reason)" } ?? reason
    }
}
