import Foundation

/// File system errors in one sentence: Foundation's own descriptions of a failed write are a
/// dump of its error domain and user info, not something to show a postmaster.
enum FileProblem {
    /// "permission denied", "no space left on device", or the error's own text.
    static func reason(_ error: any Error) -> String {
        if let posix = error as? POSIXError { return text(of: posix.code.rawValue) }
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] {
            if let posix = underlying as? POSIXError { return text(of: posix.code.rawValue) }
            let inner = underlying as AnyObject as? NSError
            if let inner, inner.domain == NSPOSIXErrorDomain { return text(of: Int32(inner.code)) }
        }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return text(of: Int32(underlying.code))
        }
        if ns.domain == NSPOSIXErrorDomain { return text(of: Int32(ns.code)) }
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileWriteNoPermission, .fileReadNoPermission: return text(of: EACCES)
            case .fileWriteOutOfSpace: return text(of: ENOSPC)
            case .fileNoSuchFile, .fileReadNoSuchFile: return text(of: ENOENT)
            case .fileWriteVolumeReadOnly: return text(of: EROFS)
            case .fileWriteFileExists: return text(of: EEXIST)
            default: break
            }
        }
        if let description = ns.userInfo[NSLocalizedDescriptionKey] as? String { return description }
        return "\(error)"
    }

    /// `strerror` in lowercase: "permission denied".
    static func text(of code: Int32) -> String {
        let message = String(cString: strerror(code))
        return message.prefix(1).lowercased() + message.dropFirst()
    }
}
