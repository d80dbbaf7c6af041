import Crypto
import ReportModel

/// What one document inside an input turned out to be.
public enum ExtractedDocument: Sendable {
    case dmarc(AggregateReport, part: String)
    case tls(TLSReport, part: String)
    case failed(part: String, error: IngestError)
}

/// Turns the bytes of one input (a report file, or later a mail part) into parsed reports:
/// containers unwrapped, each document sniffed and parsed. No I/O, no shared state.
public struct ReportExtractor: Sendable {
    public var limits: IngestLimits

    public init(limits: IngestLimits = .standard) {
        self.limits = limits
    }

    /// Every document in `bytes`, parsed or with the reason it could not be.
    public func extract(_ bytes: [UInt8]) -> [ExtractedDocument] {
        let payloads: [Payload]
        do {
            payloads = try ContainerUnwrapper(limits: limits).unwrap(bytes)
        } catch {
            return [.failed(part: "", error: error)]
        }
        let parser = DMARCParser(limits: limits)
        let tlsParser = TLSReportParser(limits: limits)
        return payloads.map { payload in
            switch DocumentKind.sniff(payload.bytes) {
            case .xml:
                do throws(IngestError) {
                    return .dmarc(try parser.parse(payload.bytes), part: payload.path)
                } catch {
                    return .failed(part: payload.path, error: error)
                }
            case .json:
                do throws(IngestError) {
                    return .tls(try tlsParser.parse(payload.bytes), part: payload.path)
                } catch {
                    return .failed(part: payload.path, error: error)
                }
            case .junk:
                return .failed(part: payload.path, error: IngestError(.notAReport, "content is neither XML nor JSON (starts with \(Self.preview(payload.bytes)))"))
            }
        }
    }

    /// A short, printable preview of the first bytes, for error messages.
    static func preview(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "nothing: the document is empty" }
        let head = bytes.prefix(16)
        let printable = head.allSatisfy { $0 >= 0x20 && $0 < 0x7F || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if printable {
            let text = String(decoding: head, as: UTF8.self).replacingControlCharacters()
            return "'\(text)\(bytes.count > 16 ? "…" : "")'"
        }
        return "bytes " + head.prefix(8).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: " ")
    }

    /// The SHA-256 digest of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    /// The bytes to keep in the store: zlib-compressed when that saves space and the input is
    /// not already compressed.
    public static func storedForm(of bytes: [UInt8]) -> (encoding: String, bytes: [UInt8]) {
        guard ContainerKind.sniff(bytes) == .plain, bytes.count > 64,
            let packed = Inflater.deflate(bytes, level: 1), packed.count < bytes.count
        else { return ("identity", bytes) }
        return ("zlib", packed)
    }

    /// The original bytes from their stored form.
    public static func original(fromStored bytes: [UInt8], encoding: String, limit: Int = 1 << 31) throws(IngestError) -> [UInt8] {
        encoding == "zlib" ? try Inflater.inflate(bytes, format: .zlib, limit: limit) : bytes
    }
}

extension String {
    func replacingControlCharacters() -> String {
        String(unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
    }
}
